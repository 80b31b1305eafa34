//go:build linux

package labtest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Issue 6: a SIGHUP reload that adds one peer and removes another takes
// effect (the new peer is called, the removed one's link closes and is not
// called again), while a session with an unrelated node carries a ping
// stream across the reload without losing a packet.
//
// n0 is the root (best TreeID), so dropping its child n1 changes no other
// node's coords, and the n0-n3 session has no reason to move.
func TestReloadPeers(t *testing.T) {
	lab := newLab(t, false)
	nodes, err := lab.Build(4, []Edge{{Dialer: 0, Listener: 1}, {Dialer: 3, Listener: 0}})
	must(t, err)
	a, removed, added, other := nodes[0], nodes[1], nodes[2], nodes[3]
	lk, err := lab.Connect(a, added)
	must(t, err)
	must(t, lab.Peer(lk, a, added)) // added listens on the link ...
	must(t, lab.Unpeer(lk, a, added))
	for _, n := range nodes { // ... but a only calls it after the reload
		must(t, n.Start())
	}
	must(t, WaitPeered(a, removed, 20*time.Second))
	must(t, WaitPeered(other, a, 20*time.Second))
	_, err = a.WaitPingNode(other, pingTimeout)
	must(t, err)
	if a.ConnectedTo(added) {
		t.Fatal("a is linked to the added node before the reload")
	}

	// 40 pings 0.1 s apart span the reload, sent a second in.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	pings := make(chan string, 1)
	go func() {
		out, err := a.Exec(ctx, "ping", "-6", "-n", "-c", "40", "-i", "0.1", "-W", "1", other.Addr.String())
		if err != nil {
			out += err.Error()
		}
		pings <- out
	}()
	time.Sleep(time.Second)
	must(t, lab.Unpeer(lab.LinkBetween(a, removed), a, removed))
	must(t, lab.Peer(lk, a, added))
	must(t, a.Reload())
	must(t, WaitPeered(a, added, 20*time.Second))
	must(t, a.waitFor(20*time.Second, "link to the removed peer to close", func() bool { return !a.ConnectedTo(removed) }))
	if out := <-pings; !strings.Contains(out, " 40 received, 0% packet loss") {
		t.Fatalf("the ping stream to an unrelated node lost packets across the reload:\n%s", out)
	}
	_, err = a.WaitPingNode(added, pingTimeout)
	must(t, err)

	// The removed peer stays away: neither side counts a link any more and
	// a's admin socket no longer lists it.
	peers, err := a.Ctl("getPeers")
	must(t, err)
	if strings.Contains(peers, removed.Addr.String()) || removed.ConnectedTo(a) {
		t.Fatalf("the removed peer is still linked; a's getPeers:\n%s", peers)
	}
	for _, n := range nodes {
		must(t, n.Stop())
	}
}

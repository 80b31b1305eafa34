//go:build linux

package labtest

import (
	"strings"
	"testing"
	"time"
)

// Issue 6: two nodes on one veth with no Peers and no Listen find each
// other by multicast beacons (spec 03 §4) and ping each other; the link
// they form runs between their link-local addresses.
func TestMulticastDiscovery(t *testing.T) {
	lab := newLab(t, false)
	nodes, err := lab.AddNodes(2)
	must(t, err)
	lk, err := lab.Connect(nodes[0], nodes[1])
	must(t, err)
	for _, n := range nodes {
		n.UseMulticast("^to")
		must(t, lk.WaitLinkLocal(n, 10*time.Second))
	}
	for _, n := range nodes {
		if len(n.Config.Peers) != 0 || len(n.Config.Listen) != 0 {
			t.Fatalf("%s has configured peers or listeners", n.Name)
		}
		must(t, n.Start())
	}
	must(t, WaitPeered(nodes[0], nodes[1], 20*time.Second))
	log, err := nodes[0].Log()
	must(t, err)
	linkLocal := false
	for _, line := range strings.Split(log, "\n") {
		if ev, ok := ParseLinkEvent(line); ok && ev.Up && ev.Peer == nodes[1].Addr.String() {
			linkLocal = strings.HasPrefix(ev.Remote, "fe80:") && strings.HasSuffix(ev.Remote, "%"+lk.IfName[0])
		}
	}
	if !linkLocal {
		t.Fatalf("n0's link to n1 does not run over link-local addresses on %s", lk.IfName[0])
	}
	out, err := nodes[0].Ctl("-json", "getMulticastInterfaces")
	must(t, err)
	if !strings.Contains(out, `"`+lk.IfName[0]+`"`) {
		t.Fatalf("getMulticastInterfaces does not list %s: %s", lk.IfName[0], out)
	}
	for i, from := range nodes {
		_, err := from.WaitPingNode(nodes[1-i], pingTimeout)
		must(t, err)
	}
	for _, n := range nodes {
		must(t, n.Stop())
	}
}

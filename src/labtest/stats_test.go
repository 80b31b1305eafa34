//go:build linux

package labtest

import (
	"strings"
	"testing"
)

// A node given DebugListenEnv through its Env serves its goroutine count in
// its own namespace, and Stats reads it along with RSS and open files; a
// node without it still gets the /proc figures, and an error for the rest.
func TestNodeStats(t *testing.T) {
	lab := newLab(t, true)
	nodes, err := lab.AddNodes(2)
	must(t, err)
	const debugAddr = "127.0.0.1:6060" // every namespace has a loopback of its own
	nodes[0].Env = []string{DebugListenEnv + "=" + debugAddr}
	for _, n := range nodes {
		must(t, n.Start())
	}
	s, err := nodes[0].Stats(t.Context(), debugAddr)
	must(t, err)
	if s.PID != nodes[0].PID() || s.PID <= 0 || s.Goroutines < 1 || s.RSSKiB < 1 || s.FDs < 3 {
		t.Fatalf("stats of %s: %+v", nodes[0].Name, s)
	}
	log, err := nodes[0].Log()
	must(t, err)
	if !strings.Contains(log, "Debug listener (pprof) on http://"+debugAddr) {
		t.Fatalf("%s did not log its debug listener:\n%s", nodes[0].Name, log)
	}

	s, err = nodes[1].Stats(t.Context(), debugAddr)
	if err == nil || s.Goroutines != -1 || s.RSSKiB < 1 || s.FDs < 3 {
		t.Fatalf("stats of %s without a debug listener: %+v, %v", nodes[1].Name, s, err)
	}
	must(t, nodes[0].Stop())
	if s, err := nodes[0].Stats(t.Context(), debugAddr); err == nil || s.PID != 0 {
		t.Fatalf("stats of a stopped node: %+v, %v", s, err)
	}
}

// A link taken down and up again on the listener's side keeps the
// listener's address, so the dialer's calls reach it again and the overlay
// recovers.
func TestLinkFlap(t *testing.T) {
	lab, nodes := peeredPair(t)
	_, err := nodes[1].WaitPingNode(nodes[0], pingTimeout)
	must(t, err)

	lk := lab.Links()[0]
	listener := lk.Nodes[0]
	must(t, lk.SetUp(listener, false))
	out, err := lk.Nodes[1].NS.IP("link", "show", "dev", lk.IfName[1])
	must(t, err)
	if !strings.Contains(out, "NO-CARRIER") {
		t.Fatalf("the far end kept its carrier: %s", out)
	}
	if err := nodes[1].Ping(lk.IPv6[0].String(), 1); err == nil {
		t.Fatal("the veth still carried a ping while down")
	}
	must(t, lk.SetUp(listener, true))
	out, err = listener.NS.IP("-6", "addr", "show", "dev", lk.IfName[0])
	must(t, err)
	if !strings.Contains(out, lk.IPv6[0].String()+"/64") {
		t.Fatalf("%s lost its link address over the flap: %s", listener.Name, out)
	}
	_, err = nodes[1].WaitPingNode(nodes[0], recoverTimeout)
	must(t, err)
}

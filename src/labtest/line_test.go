//go:build linux

package labtest

import (
	"testing"
	"time"
)

// transferSize is the 50 MB.
const transferSize = 50_000_000

// Issue 4 test 2b: on a line n0 - n1 - n2 the ends ping each other through
// the middle node, and 50 MB sent over TCP between the ends' overlay
// addresses arrive byte for byte (same SHA-256 as the stream sent).
func TestLineTransfer(t *testing.T) {
	lab := newLab(t, false)
	nodes, err := lab.Build(3, []Edge{{Dialer: 1, Listener: 0}, {Dialer: 2, Listener: 1}})
	must(t, err)
	for _, n := range nodes {
		must(t, n.Start())
	}
	must(t, WaitPeered(nodes[0], nodes[1], 20*time.Second))
	must(t, WaitPeered(nodes[1], nodes[2], 20*time.Second))
	if nodes[0].ConnectedTo(nodes[2]) || nodes[2].ConnectedTo(nodes[0]) {
		t.Fatal("the ends of the line are peered directly")
	}
	for _, pair := range [][2]*Node{{nodes[0], nodes[2]}, {nodes[2], nodes[0]}} {
		d, err := pair[0].WaitPingNode(pair[1], pingTimeout)
		must(t, err)
		t.Logf("%s -> %s over two hops: first reply after %v", pair[0].Name, pair[1].Name, d.Round(time.Millisecond))
	}

	res, err := Transfer(nodes[0], nodes[2], nodes[2].Addr.String(), transferSize, uint64(time.Now().UnixNano()), 3*time.Minute)
	must(t, err)
	t.Logf("%d bytes n0 -> n2 in %v (%.0f Mbit/s; a figure, not a check)", res.Received.Bytes,
		res.Elapsed.Round(time.Millisecond), float64(res.Received.Bytes)*8/res.Elapsed.Seconds()/1e6)

	for _, n := range nodes {
		must(t, n.Stop())
	}
}

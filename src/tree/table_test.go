package tree

import (
	"fmt"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/wire"
)

// exampleTree builds the situation of spec 01 §6.10: us at [1 2], parent on
// port 1 at [1], child on port 2 at [1 2 4], peer 3 at [5], peer 4 at
// [1 7 8]. The parent's message arrives first.
func exampleTree(t *testing.T) *Tree {
	p, c, k3, k4a, k4 := keys[2], keys[3], keys[4], keys[5], keys[6]
	tr := New(us, at(0))
	tr.Handle(1, path(R, T, hop{1, p}, hop{2, us}), at(1))
	tr.Handle(2, path(R, T, hop{1, p}, hop{2, us}, hop{4, c}, hop{1, us}), at(2))
	tr.Handle(3, path(R, T, hop{5, k3}, hop{9, us}), at(3))
	tr.Handle(4, path(R, T, hop{1, p}, hop{7, k4a}, hop{8, k4}, hop{2, us}), at(4))
	mustParent(t, tr, 1, R, 1, 2)
	return tr
}

func TestLookupSpecExample(t *testing.T) {
	tab := exampleTree(t).Table()
	cases := []struct {
		dest []uint64
		port Port
	}{
		{[]uint64{}, 1}, // parent and peer 3 tie on distance; the earlier receive time wins
		{[]uint64{6}, 1},
		{[]uint64{1, 9}, 1},
		{[]uint64{1, 2}, 0},
		{[]uint64{1, 2, 4, 9}, 2},
		{[]uint64{1, 2, 3}, 0},
		{[]uint64{5, 6}, 3},
		{[]uint64{1, 7}, 4},
		{[]uint64{1, 2, 0, 77}, 0}, // flow-key suffix ignored
		// Not in the spec's table, but implied by it:
		{[]uint64{1, 2, 4}, 2},
		{[]uint64{5}, 3},
		{[]uint64{1, 7, 8, 9}, 4},
		{[]uint64{1, 2, 4, 0, 1, 2, 4}, 2},
	}
	for _, c := range cases {
		if got := tab.Lookup(raw(c.dest...)); got != c.port {
			t.Errorf("Lookup(%v) = %d, want %d", wire.Coords(c.dest), got, c.port)
		}
	}
	// A truncated port ends the walk where it is.
	if got := tab.Lookup(append(raw(1, 2, 4), 0x81)); got != 2 {
		t.Errorf("Lookup([1 2 4 <truncated>]) = %d, want 2", got)
	}
	if got := tab.Lookup(append(raw(5), 0xff, 0xff)); got != 3 {
		t.Errorf("Lookup([5 <truncated>]) = %d, want 3", got)
	}
	if got := tab.Lookup(nil); got != 1 {
		t.Errorf("Lookup(nil) = %d, want 1", got)
	}
	want := []TableEntry{{1, wire.Coords{1}}, {2, wire.Coords{1, 2, 4}}, {3, wire.Coords{5}}, {4, wire.Coords{1, 7, 8}}}
	if got := fmt.Sprint(tab.Peers()); got != fmt.Sprint(want) {
		t.Errorf("Peers() = %s, want %s", got, fmt.Sprint(want))
	}
	if !tab.Self().Equal(wire.Coords{1, 2}) || tab.Root() != R || tab.TStamp() != T {
		t.Errorf("table self %v", tab.Self())
	}
	for port, want := range map[Port]bool{0: true, 1: true, 4: true, 5: false} {
		if tab.Has(port) != want {
			t.Errorf("Has(%d) = %v", port, !want)
		}
	}
}

func TestLookupTieBreaks(t *testing.T) {
	p, k3 := keys[2], keys[4]
	// The [] node holds two entries at distance 1: the parent at [1] and a
	// peer at [5]. The winner says which tie-break decided.
	cases := []struct {
		name          string
		parentPort    Port
		peerPort      Port
		peerTS        int64
		peerAt        int
		wantRootEntry Port
	}{
		{"earlier receive time", 1, 3, T, 3, 1},
		{"newer timestamp beats earlier receipt", 1, 3, T + 1, 3, 3},
		{"full tie: lower port first", 3, 1, T, 1, 1},
		{"full tie: lower port first (swapped)", 1, 3, T, 1, 1},
	}
	for _, c := range cases {
		tr := New(us, at(0))
		tr.Handle(c.parentPort, path(R, T, hop{1, p}, hop{2, us}), at(1))
		tr.Handle(c.peerPort, path(R, c.peerTS, hop{5, k3}, hop{9, us}), at(c.peerAt))
		mustParent(t, tr, c.parentPort, R, 1, 2)
		if got := tr.Table().Lookup(nil); got != c.wantRootEntry {
			t.Errorf("%s: Lookup([]) = %d, want %d", c.name, got, c.wantRootEntry)
		}
	}
}

func TestTableExcludesBlockedAndForeign(t *testing.T) {
	tr := exampleTree(t)
	tr.SetBlocked(3, true, at(5))
	// Peer 4 switches to a worse root; its record stays but leaves the table.
	tr.Handle(4, path(keys[0], T+100, hop{2, us}), at(6))
	checkInvariants(t, tr)
	tab := tr.Table()
	if tab.Has(3) || tab.Has(4) || !tab.Has(2) {
		t.Fatalf("table peers %v", tab.Peers())
	}
	if got := tab.Lookup(raw(5, 6)); got != 1 {
		t.Errorf("Lookup([5 6]) via blocked peer = %d, want 1", got)
	}
	if got := tab.Lookup(raw(1, 7)); got != 1 {
		t.Errorf("Lookup([1 7]) via foreign-root peer = %d, want 1", got)
	}
	if pc, ok := tr.PeerCoords(4); !ok || len(pc) != 0 {
		t.Errorf("PeerCoords(4) = %v %v, want [] true", pc, ok)
	}
	tr.SetBlocked(3, false, at(7))
	if got := tr.Table().Lookup(raw(5, 6)); got != 3 {
		t.Errorf("after unblock, Lookup([5 6]) = %d, want 3", got)
	}
}

func TestTableIsASnapshot(t *testing.T) {
	tr := exampleTree(t)
	before := tr.Table()
	peers := before.Peers()
	peers[0].Coords[0] = 99
	self := before.Self()
	self[0] = 99
	if before.Peers()[0].Coords[0] != 1 || before.Self()[0] != 1 {
		t.Fatal("Peers or Self alias the table")
	}
	tr.RemovePeer(3, at(9))
	if tr.Table() == before || !before.Has(3) || tr.Table().Has(3) {
		t.Fatal("a rebuilt table changed the old snapshot")
	}
}

// BenchmarkLookup measures a lookup in a table of 100 peers spread over a
// tree of depth up to 6.
func BenchmarkLookup(b *testing.B) {
	tr := New(us, time.Unix(0, 0))
	tr.Handle(1, path(R, T, hop{3, keys[2]}, hop{2, us}), time.Unix(0, 0))
	dests := make([][]byte, 0, 100)
	for port := Port(2); port <= 100; port++ {
		depth := 1 + int(port%6)
		hops := make([]hop, 0, depth+1)
		for d := 0; d < depth; d++ {
			hops = append(hops, hop{Port(1 + (port*7+Port(d)*13)%17), keys[3]})
		}
		hops[len(hops)-1].next = keys[4]
		hops = append(hops, hop{1, us})
		tr.Handle(port, path(R, T, hops...), time.Unix(int64(port), 0))
		c, _ := tr.PeerCoords(port)
		dests = append(dests, wire.AppendCoordsRaw(nil, append(c, 5, 0, 42)))
	}
	tab := tr.Table()
	if len(tab.Peers()) != 100 {
		b.Fatalf("table has %d peers", len(tab.Peers()))
	}
	b.ReportAllocs()
	b.ResetTimer()
	var sink Port
	for i := 0; i < b.N; i++ {
		sink += tab.Lookup(dests[i%len(dests)])
	}
	_ = sink
}

// A peer that advertises a 0 in its coords (no honest node does) cannot
// capture traffic carrying a flow-key suffix: the walk stops at the 0.
func TestLookupStopsAtZero(t *testing.T) {
	tr := exampleTree(t)
	tr.Handle(5, path(R, T, hop{1, keys[2]}, hop{2, us}, hop{0, keys[5]}, hop{1, us}), at(5))
	checkInvariants(t, tr)
	if !tr.Table().Has(5) {
		t.Fatal("peer 5 not in the table")
	}
	if got := tr.Table().Lookup(raw(1, 2, 0, 77)); got != 0 {
		t.Fatalf("Lookup([1 2 0 77]) = %d, want 0", got)
	}
}

// Lookup is longest prefix first, not least distance (§6.10, pitfall 14): at
// [2], a peer at [3 1 4] takes traffic for [3] although the parent at [] is
// one hop nearer to it. Seen in TestSimCutLink as a 3-hop route over a
// tree distance of 2.
func TestLookupPrefixBeatsDistance(t *testing.T) {
	tr := New(us, at(0))
	tr.Handle(1, path(R, T, hop{2, us}), at(1))
	tr.Handle(2, path(R, T, hop{3, keys[2]}, hop{1, keys[3]}, hop{4, keys[4]}, hop{2, us}), at(2))
	mustParent(t, tr, 1, R, 2)
	if got := tr.Table().Lookup(raw(3)); got != 2 {
		t.Fatalf("Lookup([3]) = %d, want 2", got)
	}
	if got := tr.Table().Lookup(raw(4)); got != 1 {
		t.Fatalf("Lookup([4]) = %d, want 1", got)
	}
}

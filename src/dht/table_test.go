package dht

import (
	"slices"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// multiplesOf8 fills a table with nodes at 0, 8, … 8·(count−1), skipping
// our own position.
func multiplesOf8(t *Table, count int) {
	for i := range count {
		t.Insert(info(uint64(8*i), 1, uint64(i+1)), t0)
	}
}

func TestLookupReturnsAllWhenSmall(t *testing.T) {
	for _, size := range []int{0, 1, 7, 16} {
		tab := fakeTable(5000)
		for i := range size {
			tab.Insert(info(uint64(100*i+1), 1), t0)
		}
		got := ns(tab.Lookup(idN(777)))
		if len(got) != size {
			t.Fatalf("size %d: got %d entries", size, len(got))
		}
		slices.Sort(got)
		for i, n := range got {
			if n != uint64(100*i+1) {
				t.Fatalf("size %d: got %v", size, got)
			}
		}
	}
}

// The worked example of spec 02 §3.5: target 100 in a ring of multiples of 8
// gives the 8 predecessors 40…96 and then the 8 successors 104…160.
func TestLookupSpecExample(t *testing.T) {
	tab := fakeTable(1 << 40)
	multiplesOf8(tab, 32)
	want := []uint64{40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136, 144, 152, 160}
	mustEqualNs(t, "lookup(100)", tab.Lookup(idN(100)), want)
}

func TestLookupExactMatchIsFirstSuccessor(t *testing.T) {
	tab := fakeTable(1 << 40)
	multiplesOf8(tab, 32)
	want := []uint64{32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136, 144, 152}
	mustEqualNs(t, "lookup(96)", tab.Lookup(idN(96)), want)
}

func TestLookupWrapsAroundTheRing(t *testing.T) {
	tab := fakeTable(1 << 40)
	multiplesOf8(tab, 32) // 0 … 248
	want := []uint64{192, 200, 208, 216, 224, 232, 240, 248, 0, 8, 16, 24, 32, 40, 48, 56}
	mustEqualNs(t, "lookup(250)", tab.Lookup(idN(250)), want)
	want = []uint64{200, 208, 216, 224, 232, 240, 248, 0, 8, 16, 24, 32, 40, 48, 56, 64}
	mustEqualNs(t, "lookup(1)", tab.Lookup(idN(1)), want)
}

func TestInsertThrottleCarriesOverOnlyWithSameCoords(t *testing.T) {
	tab := fakeTable(1000)
	tab.Insert(info(7, 1, 2), t0)
	e := tab.entries[idN(7)]
	e.throttle, e.pings, e.dirty = 16*time.Second, 3, true

	later := t0.Add(10 * time.Second)
	tab.Insert(info(7, 1, 2), later)
	e = tab.entries[idN(7)]
	if e.throttle != 16*time.Second || e.pings != 0 || e.dirty || !e.recv.Equal(later) {
		t.Fatalf("same coords: got throttle %v pings %d dirty %v recv %v", e.throttle, e.pings, e.dirty, e.recv)
	}

	e.pings, e.dirty = 2, true
	tab.Insert(info(7, 1, 3), later)
	e = tab.entries[idN(7)]
	if e.throttle != 0 || e.pings != 0 || e.dirty || !e.info.Coords.Equal(wire.Coords{1, 3}) {
		t.Fatalf("new coords: got throttle %v pings %d dirty %v coords %v", e.throttle, e.pings, e.dirty, e.info.Coords)
	}
	if tab.Len() != 1 {
		t.Fatalf("Len = %d, want 1", tab.Len())
	}
}

func TestInsertCopiesCoords(t *testing.T) {
	tab := fakeTable(1000)
	in := info(7, 1, 2)
	tab.Insert(in, t0)
	in.Coords[0] = 99
	if got := tab.Lookup(idN(7))[0].Coords; !got.Equal(wire.Coords{1, 2}) {
		t.Fatalf("table coords follow the caller's slice: %v", got)
	}
}

func TestNeverStoresOwnNodeID(t *testing.T) {
	tab := fakeTable(1000)
	tab.Insert(info(1000, 1), t0)
	tab.AddPeer(info(1000, 1), t0)
	if tab.Len() != 0 || len(tab.reqs) != 0 {
		t.Fatalf("own entry stored: %d entries, %d reqs", tab.Len(), len(tab.reqs))
	}
	// The real table hashes keys, so test the production path as well.
	pub, _ := crypto.NewBoxKeys()
	real := New(pub)
	real.Insert(Info{Key: pub}, t0)
	if real.Len() != 0 {
		t.Fatal("production table stored its own key")
	}
	if real.SelfID() != pub.NodeID() {
		t.Fatal("SelfID is not SHA-512 of the key")
	}
}

func TestAddPeerRecordsPing(t *testing.T) {
	tab := fakeTable(1000)
	tab.AddPeer(info(7, 1), t0)
	if tab.Len() != 1 {
		t.Fatal("peer not inserted")
	}
	if sent, ok := tab.reqs[reqKey{keyN(7), idN(1000)}]; !ok || !sent.Equal(t0) {
		t.Fatal("peer ping not recorded with Dest = our NodeID")
	}
}

func TestHandleRequestMarksDirtyOnlyForSearches(t *testing.T) {
	tab := fakeTable(1<<40, 1)
	multiplesOf8(tab, 32)
	from := info(3, 1, 9)

	// A ping (Dest = the requester's NodeID) leaves entries clean.
	answer, _ := tab.HandleRequest(from, idN(3), t0)
	if len(answer) != LookupSize {
		t.Fatalf("answer has %d entries", len(answer))
	}
	for _, e := range tab.entries {
		if e.dirty {
			t.Fatal("a ping marked an entry dirty")
		}
	}

	answer, _ = tab.HandleRequest(from, idN(100), t0)
	returned := ns(answer)
	for id, e := range tab.entries {
		want := slices.Contains(returned, nOf(e.info.Key))
		if e.dirty != want {
			t.Fatalf("entry %x: dirty %v, returned %v", id[24:32], e.dirty, want)
		}
	}
}

func TestHandleRequestPingsUnknownImportantRequester(t *testing.T) {
	// Empty table: nothing is important, so nobody is pinged.
	tab := fakeTable(1000)
	if _, ping := tab.HandleRequest(info(990, 1), idN(990), t0); ping {
		t.Fatal("empty table pinged a requester")
	}

	// Us at the root with two peers; the requester is our tree child and
	// lies just behind us on the ring, so it is important.
	tab.Insert(info(500, 2), t0)
	tab.Insert(info(1500, 3), t0)
	from := info(990, 1)
	answer, ping := tab.HandleRequest(from, idN(990), t0)
	if !ping {
		t.Fatal("unknown important requester not pinged")
	}
	mustEqualNs(t, "answer", answer, []uint64{1500, 500})
	if _, ok := tab.reqs[reqKey{keyN(990), idN(1000)}]; !ok {
		t.Fatal("ping to requester not recorded")
	}
	if tab.Len() != 2 {
		t.Fatal("requester inserted before it answered")
	}

	// Known requester: no ping, even with other coords.
	tab.Insert(from, t0)
	if _, ping := tab.HandleRequest(info(990, 4, 4), idN(990), t0); ping {
		t.Fatal("known requester pinged")
	}
	// Ourselves, looking something up through loopback: answered, no ping.
	if ans, ping := tab.HandleRequest(info(1000), idN(3), t0); ping || len(ans) != 3 {
		t.Fatalf("self request: ping %v, %d entries", ping, len(ans))
	}
	// Far away in the tree and on the ring: not important.
	if _, ping := tab.HandleRequest(info(100, 2, 5, 6, 7), idN(100), t0); ping {
		t.Fatal("unimportant requester pinged")
	}
}

func TestEntries(t *testing.T) {
	tab := fakeTable(1000)
	tab.Insert(info(30, 1), t0)
	tab.Insert(info(10, 2), t0.Add(time.Second))
	got := tab.Entries()
	if len(got) != 2 || nOf(got[0].Key) != 10 || nOf(got[1].Key) != 30 {
		t.Fatalf("Entries = %+v", got)
	}
	if got[0].NodeID != idN(10) || !got[0].LastSeen.Equal(t0.Add(time.Second)) || !got[0].Coords.Equal(wire.Coords{2}) {
		t.Fatalf("entry 0 = %+v", got[0])
	}
}

package dht

import (
	"slices"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/wire"
)

// Ticks fall half a second after each whole second since the last answer,
// as the 1 s maintenance loop does at an arbitrary phase.
const phase = 500 * time.Millisecond

func tickAt(s int) time.Time { return t0.Add(time.Duration(s)*time.Second + phase) }

// silentSchedule runs maintenance on a table whose node 990 last answered at
// t0 with the given throttle and never answers again. It returns the whole
// seconds after t0 of each ping, and of the tick that dropped the node.
func silentSchedule(t *testing.T, throttle time.Duration) (pings []int, dropped int) {
	t.Helper()
	tab := fakeTable(1000)
	tab.Insert(info(990, 1), t0)
	tab.entries[idN(990)].throttle = throttle
	for s := 0; s < 400; s++ {
		toPing := tab.Maintain(tickAt(s))
		if tab.Len() == 0 {
			return pings, s
		}
		switch len(toPing) {
		case 0:
		case 1:
			pings = append(pings, s)
		default:
			t.Fatalf("tick %d: %d pings to one node", s, len(toPing))
		}
	}
	t.Fatal("never dropped")
	return nil, 0
}

// Spec 02 §3.10, verified by simulation against the reference.
func TestMaintainSilentNodeThrottle4s(t *testing.T) {
	pings, dropped := silentSchedule(t, 4*time.Second)
	if want := []int{4, 8, 16, 32, 64, 128, 256}; !slices.Equal(pings, want) {
		t.Fatalf("pings at %v, want %v", pings, want)
	}
	if dropped != 257 {
		t.Fatalf("dropped at +%d s, want +257 s", dropped)
	}
}

func TestMaintainSilentNodeAtCap(t *testing.T) {
	pings, dropped := silentSchedule(t, maxPingInterval)
	if len(pings) == 0 || pings[0] != 300 {
		t.Fatalf("pings at %v, want every tick from +300 s", pings)
	}
	for i, s := range pings {
		if s != 300+i {
			t.Fatalf("pings at %v, want every tick from +300 s", pings)
		}
	}
	// The lone entry is on both sides of the important list, so it is
	// counted twice a tick: 8 > 6 after four ticks.
	if dropped != 304 {
		t.Fatalf("dropped at +%d s, want +304 s", dropped)
	}
}

// A node that answers every ping is probed at growing intervals, capped at
// 5 min (plus the tick it takes to notice).
func TestMaintainHealthyNode(t *testing.T) {
	tab := fakeTable(1000)
	peer := info(990, 1)
	tab.Insert(peer, t0)
	var last int
	var gaps []int
	for s := 0; s < 1300; s++ {
		now := tickAt(s)
		for _, p := range tab.Maintain(now) {
			if s > 0 {
				gaps = append(gaps, s-last)
			}
			last = s
			tab.HandleResponse(&Response{From: p, Dest: tab.SelfID()}, now)
		}
	}
	want := []int{2, 3, 5, 9, 17, 33, 65, 129, 257, 301, 301}
	if !slices.Equal(gaps, want) {
		t.Fatalf("ping gaps %v, want %v", gaps, want)
	}
	if e := tab.entries[idN(990)]; e == nil || e.pings != 0 || e.throttle != maxPingInterval {
		t.Fatalf("entry after answering: %+v", e)
	}
}

func TestMaintainDropsStaleAndDirty(t *testing.T) {
	tab := handTable() // important: 990 980 1020 1010; 970 is not
	for _, e := range tab.entries {
		e.throttle = maxPingInterval // keep the throttle out of the way
	}
	// A dirty unimportant entry goes after 30 s; dirty important ones stay
	// and are pinged instead.
	tab.entries[idN(970)].dirty = true
	tab.entries[idN(980)].dirty = true
	if toPing := tab.Maintain(t0.Add(dirtyTimeout)); len(toPing) != 0 || tab.Len() != 5 {
		t.Fatalf("at exactly 30 s: %v pinged, %d entries", ns(toPing), tab.Len())
	}
	toPing := tab.Maintain(t0.Add(dirtyTimeout + phase))
	if _, ok := tab.entries[idN(970)]; ok {
		t.Fatal("dirty unimportant entry kept")
	}
	mustEqualNs(t, "dirty important pinged", toPing, []uint64{980})
	if p := tab.entries[idN(980)].pings; p != 1 {
		t.Fatalf("dirty ping counted %d times", p)
	}
	// A fresh entry survives; anything unrefreshed for 6 min goes.
	tab.Insert(info(1020, 5), t0.Add(5*time.Minute))
	tab.Maintain(t0.Add(entryTimeout))
	if tab.Len() != 4 {
		t.Fatalf("%d entries at exactly 6 min", tab.Len())
	}
	tab.Maintain(t0.Add(entryTimeout + phase))
	if got := tab.Entries(); len(got) != 1 || nOf(got[0].Key) != 1020 {
		t.Fatalf("after 6 min: %v", got)
	}
}

func TestMaintainDropsAfterSevenUnansweredPings(t *testing.T) {
	tab := handTable()
	e := tab.entries[idN(990)]
	e.pings = maxPings
	tab.Maintain(t0)
	if tab.Len() != 5 {
		t.Fatal("dropped with 6 unanswered pings")
	}
	e.pings = maxPings + 1
	tab.Maintain(t0)
	if _, ok := tab.entries[idN(990)]; ok {
		t.Fatal("kept with 7 unanswered pings")
	}
}

func TestReset(t *testing.T) {
	tab := handTable()
	called := 0
	tab.AddCallback(keyN(7), idN(7), t0, func(*Response) { called++ })
	tab.SentRequest(keyN(990), idN(1000), t0)

	toPing := tab.Reset(wire.Coords{2, 2})
	mustEqualNs(t, "reset pings", toPing, []uint64{990, 980, 1020, 1010})
	if tab.Len() != 0 || len(tab.reqs) != 0 || len(tab.important()) != 0 {
		t.Fatal("table not cleared")
	}
	if !tab.Coords().Equal(wire.Coords{2, 2}) {
		t.Fatalf("coords = %v", tab.Coords())
	}
	// Answers to the reset pings are not accepted.
	tab.HandleResponse(&Response{From: info(990, 2, 2, 1), Dest: idN(1000)}, t0)
	if tab.Len() != 0 {
		t.Fatal("answer to a reset ping accepted")
	}
	// Callbacks survive the reset.
	tab.HandleResponse(&Response{From: info(7), Dest: idN(7)}, t0)
	if called != 1 {
		t.Fatal("callback lost in reset")
	}
	// A lone entry sits twice in the important list but is pinged once.
	tab.Insert(info(5, 2), t0)
	mustEqualNs(t, "lone entry", tab.Reset(nil), []uint64{5})
}

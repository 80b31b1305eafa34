package tree

import (
	"reflect"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// The rows of spec 01 §6.6, each in a situation where the row decides.
// keys[7] is the best key and R the root throughout; us is keys[1].

var (
	keys = rankedKeys(8)
	us   = keys[1]
	R    = keys[7]
	T    = t0.Unix()
)

var (
	adopted   = Changes{SendAll: true, Reset: true, Table: true}
	newStamp  = Changes{SendAll: true, Table: true}
	tableOnly = Changes{Table: true}
	nothing   = Changes{}
)

func TestIgnoresNonsense(t *testing.T) {
	tr := New(us, at(0))
	mustChanges(t, "port 0", tr.Handle(0, path(R, T, hop{1, us}), at(0)), nothing)
	mustChanges(t, "no hops", tr.Handle(1, path(R, T), at(0)), nothing)
	mustChanges(t, "nil", tr.Handle(1, nil, at(0)), nothing)
	// A link to ourselves: we signed the last hop.
	mustChanges(t, "self link", tr.Handle(2, path(R, T, hop{1, us}, hop{2, us}), at(0)), nothing)
	if _, ok := tr.PeerCoords(2); ok {
		t.Fatal("message from ourselves was stored")
	}
	mustParent(t, tr, 0, us)
}

func TestRow1Loop(t *testing.T) {
	tr := New(us, at(0))
	a := keys[2]
	// R -> us -> a -> us: our own key in a non-last hop. Row 3 would adopt.
	c := tr.Handle(1, path(R, T, hop{1, us}, hop{2, a}, hop{3, us}), at(0))
	mustChanges(t, "loop via us", c, tableOnly)
	mustParent(t, tr, 0, us)
	if pc, ok := tr.PeerCoords(1); !ok || !pc.Equal(wire.Coords{1, 2}) {
		t.Fatalf("loop message not stored as [1 2]: %v %v", pc, ok)
	}
	// Root = us with a newer timestamp passes the root check; without row 1
	// row 6 (no parent) would adopt it.
	m := path(us, T+100, hop{1, a}, hop{2, us})
	if !tr.RootCheck(m) {
		t.Fatal("root check should pass our own root with a newer stamp")
	}
	mustChanges(t, "rooted at us", tr.Handle(2, m, at(0)), tableOnly)
	mustParent(t, tr, 0, us)
}

func TestRow2DroppedRoot(t *testing.T) {
	tr := New(us, at(0))
	mustChanges(t, "adopt", tr.Handle(1, path(R, T, hop{5, us}), at(0)), adopted)
	mustParent(t, tr, 1, R, 5)
	mustChanges(t, "60 s", tr.Maintain(at(60)), nothing)
	mustChanges(t, "61 s timeout", tr.Maintain(at(61)), adopted)
	mustParent(t, tr, 0, us)
	if tr.TStamp() != T+61 || tr.dropped[R] != T {
		t.Fatalf("tstamp %d dropped %v", tr.TStamp(), tr.dropped)
	}
	stale := path(R, T, hop{5, us})
	if tr.RootCheck(stale) {
		t.Fatal("root check accepted the dropped root's old stamp")
	}
	// Even without the root check, row 2 refuses it.
	mustChanges(t, "dropped", tr.Handle(1, stale, at(62)), nothing)
	mustParent(t, tr, 0, us)

	fresh := path(R, T+1, hop{5, us})
	if !tr.RootCheck(fresh) {
		t.Fatal("root check refused a strictly newer stamp of a dropped root")
	}
	mustChanges(t, "newer", tr.Handle(1, fresh, at(62)), adopted)
	mustParent(t, tr, 1, R, 5)
	tr.Maintain(at(63))
	if len(tr.dropped) != 0 {
		t.Fatalf("dropped entry for the current root kept: %v", tr.dropped)
	}
}

func TestRows3And4RootPreference(t *testing.T) {
	tr := New(us, at(0))
	mustChanges(t, "better root", tr.Handle(1, path(keys[5], T, hop{3, us}), at(0)), adopted)
	mustParent(t, tr, 1, keys[5], 3)
	mustChanges(t, "worse than us", tr.Handle(2, path(keys[0], T+50, hop{1, us}), at(1)), tableOnly)
	mustChanges(t, "worse than root", tr.Handle(3, path(keys[4], T+50, hop{1, us}), at(1)), tableOnly)
	mustParent(t, tr, 1, keys[5], 3)
	if tr.RootCheck(path(keys[4], T+50, hop{1, us})) {
		t.Fatal("root check accepted a worse root")
	}
	// A better root wins at once, whatever its timestamp.
	mustChanges(t, "best root", tr.Handle(4, path(R, T-1000, hop{2, us}), at(2)), adopted)
	mustParent(t, tr, 4, R, 2)
	if tr.TStamp() != T-1000 || tr.switchTime != at(2) {
		t.Fatalf("tstamp %d switch time %v", tr.TStamp(), tr.switchTime)
	}
	if tr.Table().Has(1) || !tr.Table().Has(4) {
		t.Fatal("table keeps a peer of another root or lacks the parent")
	}
}

func TestRows5And6NoParent(t *testing.T) {
	x := keys[3]
	tr := New(us, at(0))
	tr.Handle(1, path(R, T, hop{1, us}), at(0))
	// Losing the only peer leaves the old locator with no parent.
	mustChanges(t, "remove parent", tr.RemovePeer(1, at(1)), tableOnly)
	mustParent(t, tr, 0, R, 1)
	base, _ := tr.BaseMessage()
	if !reflect.DeepEqual(base, &wire.SwitchMsg{Root: us, TStamp: T}) {
		t.Fatalf("base message without parent = %+v", base)
	}
	mustChanges(t, "older stamp", tr.Handle(2, path(R, T-1, hop{4, x}, hop{1, us}), at(2)), tableOnly)
	mustParent(t, tr, 0, R, 1)
	mustChanges(t, "no parent", tr.Handle(2, path(R, T, hop{4, x}, hop{1, us}), at(3)), adopted)
	mustParent(t, tr, 2, R, 4, 1)
	if tr.switchTime != at(0) {
		t.Fatal("same timestamp moved the switch time")
	}
}

// rounds has q deliver each new root timestamp before p, n times, with p our
// parent on port 1 and q on port 2. It returns the round that q took over.
func rounds(t *testing.T, tr *Tree, n int) int {
	t.Helper()
	p, q := keys[2], keys[3]
	pm := func(ts int64) *wire.SwitchMsg { return path(R, ts, hop{1, p}, hop{1, us}) }
	qm := func(ts int64) *wire.SwitchMsg { return path(R, ts, hop{2, q}, hop{1, us}) }
	tr.Handle(1, pm(T), at(0))
	tr.Handle(2, qm(T), at(0))
	for k := 1; k <= n; k++ {
		now := at(30 * k)
		tr.Handle(2, qm(T+int64(k)), now)
		if tr.Parent() == 2 {
			return k
		}
		if got := tr.peer(2).faster[1]; got != uint64(k) {
			t.Fatalf("round %d: q's score %d", k, got)
		}
		tr.Handle(1, pm(T+int64(k)), now)
		if tr.peer(1).faster[2] != 0 || tr.TStamp() != T+int64(k) {
			t.Fatalf("round %d: p's score %d, tstamp %d", k, tr.peer(1).faster[2], tr.TStamp()-T)
		}
	}
	return 0
}

func TestRow7FasterScore(t *testing.T) {
	tr := New(us, at(0))
	if k := rounds(t, tr, 300); k != FasterThreshold {
		t.Fatalf("q took over in round %d, want %d", k, FasterThreshold)
	}
	mustParent(t, tr, 2, R, 2, 1)
}

func TestScores(t *testing.T) {
	other := keys[5]
	cases := []struct {
		name      string
		prev      uint64
		root      crypto.SigPubKey
		ts, qts   int64
		wantScore uint64
	}{
		{"newer stamp", 7, R, T + 1, T, 8},
		{"cap", FasterThreshold, R, T + 1, T, FasterThreshold},
		{"other root", 0, other, T - 9, T, 1},
		{"same stamp", 7, R, T, T, 5},
		{"older stamp", 2, R, T - 1, T, 0},
		{"floor at 1", 1, R, T, T, 0},
		{"floor at 0", 0, R, T, T, 0},
	}
	for _, c := range cases {
		tr := New(us, at(0))
		tr.store(&record{port: 1, root: R, tstamp: c.qts})
		old := &record{port: 2, faster: map[Port]uint64{1: c.prev}}
		sender := &record{port: 2, root: c.root, tstamp: c.ts}
		got := tr.scores(sender, old)
		if len(got) != 1 || got[1] != c.wantScore {
			t.Errorf("%s: scores %v, want {1: %d}", c.name, got, c.wantScore)
		}
	}
}

func TestRow8BlockedParent(t *testing.T) {
	p, q := keys[2], keys[3]
	setup := func() *Tree {
		tr := New(us, at(0))
		tr.Handle(1, path(R, T, hop{1, p}, hop{1, us}), at(0))
		// Nobody else qualifies, so re-selection keeps the blocked parent.
		mustChanges(t, "block parent", tr.SetBlocked(1, true, at(1)), newStamp)
		mustParent(t, tr, 1, R, 1, 1)
		if tr.Table().Has(1) {
			t.Fatal("blocked parent still in the table")
		}
		return tr
	}
	tr := setup()
	mustChanges(t, "fresh peer", tr.Handle(2, path(R, T, hop{2, q}, hop{1, us}), at(2)), adopted)
	mustParent(t, tr, 2, R, 2, 1)

	tr = setup()
	mustChanges(t, "unblock", tr.SetBlocked(1, false, at(2)), tableOnly)
	tr.Handle(2, path(R, T, hop{2, q}, hop{1, us}), at(2))
	mustParent(t, tr, 1, R, 1, 1)

	// A fresh message from the blocked parent clears its flag.
	tr = setup()
	tr.Handle(1, path(R, T, hop{1, p}, hop{1, us}), at(3))
	if !tr.Table().Has(1) {
		t.Fatal("fresh message did not unblock the port")
	}
}

func TestRows9And10Reprocessing(t *testing.T) {
	a, q, x := keys[2], keys[3], keys[4]
	for _, block := range []bool{false, true} {
		tr := New(us, at(0))
		am := func(ts int64) *wire.SwitchMsg { return path(R, ts, hop{1, a}, hop{1, us}) }
		qm := func(ts int64) *wire.SwitchMsg { return path(R, ts, hop{2, q}, hop{1, us}) }
		xm := func(ts int64) *wire.SwitchMsg { return path(R, ts, hop{3, x}, hop{1, us}) }
		tr.Handle(3, xm(T), at(0))
		tr.Handle(1, am(T), at(0))
		tr.Handle(2, qm(T), at(0))
		for k := int64(1); k <= 5; k++ {
			now := at(30 * int(k))
			tr.Handle(2, qm(T+k), now)
			tr.Handle(1, am(T+k), now)
			tr.Handle(3, xm(T+k), now)
		}
		mustParent(t, tr, 3, R, 3, 1)
		if tr.peer(2).faster[1] != 5 || tr.peer(1).faster[2] != 0 {
			t.Fatalf("scores q>a %d a>q %d", tr.peer(2).faster[1], tr.peer(1).faster[2])
		}
		if block {
			tr.SetBlocked(2, true, at(200))
		}
		// Re-selection: a (port 1) takes row 6, then q competes.
		mustChanges(t, "lose parent", tr.RemovePeer(3, at(201)), adopted)
		if block {
			// Row 9: a blocked candidate never displaces an unblocked one,
			// and reprocessing kept q's blocked flag and scores.
			mustParent(t, tr, 1, R, 1, 1)
			if !tr.peer(2).blocked || tr.peer(2).faster[1] != 5 {
				t.Fatal("reprocessing lost the blocked flag or the scores")
			}
		} else {
			// Row 10: q was faster than a more often than the reverse.
			mustParent(t, tr, 2, R, 2, 1)
		}
	}
}

func TestRow12ParentMoved(t *testing.T) {
	p, q, c := keys[2], keys[3], keys[4]
	moved := path(R, T, hop{4, p}, hop{1, us})
	cases := []struct {
		name   string
		other  *wire.SwitchMsg
		parent Port
		coords []uint64
	}{
		{"alternative wins", path(R, T, hop{2, q}, hop{3, us}), 2, []uint64{2, 3}},
		{"no alternative", nil, 1, []uint64{4, 1}},
		// Our child's path runs through us: row 1 rules it out.
		{"only a child", path(R, T, hop{1, p}, hop{1, us}, hop{6, c}, hop{1, us}), 1, []uint64{4, 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := New(us, at(0))
			tr.Handle(1, path(R, T, hop{1, p}, hop{1, us}), at(0))
			if tc.other != nil {
				tr.Handle(2, tc.other, at(0))
			}
			mustParent(t, tr, 1, R, 1, 1)
			mustChanges(t, "moved", tr.Handle(1, moved, at(5)), adopted)
			mustParent(t, tr, tc.parent, R, tc.coords...)
			if tr.switchTime != at(0) {
				t.Fatal("same timestamp moved the switch time")
			}
		})
	}
}

func TestRows11To14Timestamps(t *testing.T) {
	p, q := keys[2], keys[3]
	pm := func(ts int64) *wire.SwitchMsg { return path(R, ts, hop{1, p}, hop{1, us}) }
	tr := New(us, at(0))
	tr.Handle(1, pm(T), at(0))
	tr.Handle(2, path(R, T+3, hop{2, q}, hop{1, us}), at(1))
	mustChanges(t, "row 11: newer stamp from a non-parent", tr.Handle(2, path(R, T+20, hop{2, q}, hop{1, us}), at(20)), nothing)
	mustChanges(t, "row 13: throttle", tr.Handle(1, pm(T+14), at(14)), nothing)
	if tr.TStamp() != T {
		t.Fatalf("throttled stamp adopted")
	}
	mustChanges(t, "row 14: newer stamp", tr.Handle(1, pm(T+15), at(15)), newStamp)
	if tr.TStamp() != T+15 || tr.switchTime != at(15) {
		t.Fatalf("tstamp %d switch time %v", tr.TStamp()-T, tr.switchTime)
	}
	mustChanges(t, "same stamp again", tr.Handle(1, pm(T+15), at(40)), nothing)
	mustParent(t, tr, 1, R, 1, 1)
}

func TestRootCheck(t *testing.T) {
	tr := New(us, at(0))
	tr.Handle(1, path(keys[5], T, hop{1, us}), at(0))
	tr.dropped[R] = T + 10
	cases := []struct {
		name string
		root crypto.SigPubKey
		ts   int64
		want bool
	}{
		{"dropped, same stamp", R, T + 10, false},
		{"dropped, older stamp", R, T + 9, false},
		{"dropped, newer stamp", R, T + 11, true},
		{"better root", keys[6], T - 99, true},
		{"worse root", keys[4], T + 99, false},
		{"worse than us too", keys[0], T + 99, false},
		{"our root, older", keys[5], T - 1, false},
		{"our root, same", keys[5], T, true},
		{"our root, newer", keys[5], T + 1, true},
	}
	for _, c := range cases {
		if got := tr.RootCheck(path(c.root, c.ts, hop{1, us})); got != c.want {
			t.Errorf("%s: RootCheck = %v, want %v", c.name, got, c.want)
		}
	}
}

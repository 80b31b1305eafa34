package dht

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/yggmesh/ygg/src/wire"
)

// A hand-built table: we are 1000 at the root. Behind us 990 and 980 are one
// hop away, 970 three hops; ahead of us 1010 and 1020 are one hop away.
func handTable() *Table {
	tab := fakeTable(1000)
	tab.Insert(info(990, 1), t0)
	tab.Insert(info(980, 2), t0)
	tab.Insert(info(970, 3, 1, 1), t0)
	tab.Insert(info(1010, 4), t0)
	tab.Insert(info(1020, 5), t0)
	return tab
}

func importantNs(tab *Table) []uint64 {
	var out []uint64
	for _, e := range tab.important() {
		out = append(out, nOf(e.info.Key))
	}
	return out
}

func TestImportantHandBuilt(t *testing.T) {
	tab := handTable()
	// A = the two nearest predecessors; 970 is farther in the tree than
	// them. B (walked from our successor) = 1010, 1020; then reversed.
	if got, want := importantNs(tab), []uint64{990, 980, 1020, 1010}; !slices.Equal(got, want) {
		t.Fatalf("important = %v, want %v", got, want)
	}
	// Far predecessors no closer in the tree than the near ones stay out.
	tab.Insert(info(500, 9), t0) // same tree distance as 990: not kept
	tab.Insert(info(400, 7), t0)
	tab.Insert(info(300, 8, 1), t0)
	// Tree distances behind us, nearest first: 990:1 980:1 970:3 500:1 400:1 300:2.
	// Nothing after the first two is strictly closer than 1.
	if got, want := importantNs(tab), []uint64{990, 980, 1020, 1010}; !slices.Equal(got, want) {
		t.Fatalf("important = %v, want %v", got, want)
	}

	// From a deeper position distances differ: we are at [1 5 5].
	tab.SetCoords(wire.Coords{1, 5, 5})
	// td: 990[1]=2 980[2]=4 970[3 1 1]=6 500[9]=4 400[7]=4 300[8 1]=5
	//     1010[4]=4 1020[5]=4.
	// Forward: 990(2), 980(kept as 2nd), nothing < 2 after. Backward from
	// 1010: 1010(4), 1020(2nd), 300 no, 400 no, 500 no, 970 no, 980 no,
	// 990 (2 < 4) yes.
	if got, want := importantNs(tab), []uint64{990, 980, 990, 1020, 1010}; !slices.Equal(got, want) {
		t.Fatalf("important at [1 5 5] = %v, want %v", got, want)
	}
}

func TestIsImportantHandBuilt(t *testing.T) {
	tab := handTable()
	cases := []struct {
		name string
		in   Info
		want bool
	}{
		{"own key", info(1000), false},
		{"in the set, other coords", info(990, 8, 8, 8), true},
		{"known but outside the set", info(970, 3, 1, 1), false},
		{"between nearest predecessor and us, any distance", info(995, 6, 6, 6), true},
		{"between the two predecessors, closer", info(985), true},
		{"between the two predecessors, same distance", info(985, 7), false},
		{"beyond the predecessors, closer", info(900), true},
		{"beyond the predecessors, not closer", info(900, 7), false},
		{"between us and nearest successor", info(1005, 6, 6, 6), true},
		{"beyond the successors, closer", info(1100), true},
		{"beyond the successors, not closer", info(1100, 6), false},
	}
	for _, c := range cases {
		id := fakeIDOf(&c.in.Key)
		if got := tab.isImportant(&id, &c.in); got != c.want {
			t.Errorf("%s: isImportant = %v, want %v", c.name, got, c.want)
		}
	}
}

// The brute-force definitions, in words rather than as a walk:
//   - a predecessor is in A if it is one of our two nearest predecessors or
//     strictly tree-closer than every nearer predecessor (B likewise from
//     the successor side);
//   - X is important if it is an important node, or if for some important E
//     it lies on the ring between E and us (or us and E, scanning back) and
//     is strictly tree-closer than every important node before E in that
//     scan.
func bruteImportant(tab *Table) []*entry {
	var l []*entry
	for _, e := range tab.entries {
		l = append(l, e)
	}
	slices.SortFunc(l, func(a, b *entry) int {
		return bigCW(a.id, tab.selfID).Cmp(bigCW(b.id, tab.selfID))
	})
	side := func(l []*entry) []*entry {
		var out []*entry
		for i, e := range l {
			closer := true
			for _, f := range l[:i] {
				if tab.coords.Dist(f.info.Coords) <= tab.coords.Dist(e.info.Coords) {
					closer = false
				}
			}
			if i < 2 || closer {
				out = append(out, e)
			}
		}
		return out
	}
	a := side(l)
	rev := slices.Clone(l)
	slices.Reverse(rev)
	b := side(rev)
	slices.Reverse(b)
	return append(a, b...)
}

func bruteIsImportant(tab *Table, imp []*entry, x Info) bool {
	if x.Key == tab.self || len(imp) == 0 {
		return false
	}
	id := fakeIDOf(&x.Key)
	td := tab.coords.Dist(x.Coords)
	minTD := func(list []*entry) int {
		m := math.MaxInt
		for _, e := range list {
			m = min(m, tab.coords.Dist(e.info.Coords))
		}
		return m
	}
	for k, e := range imp {
		if e.id == id {
			return true
		}
		if td < minTD(imp[:k]) && bigCW(e.id, id).Cmp(bigCW(e.id, tab.selfID)) <= 0 {
			return true
		}
		if td < minTD(imp[k+1:]) && bigCW(tab.selfID, id).Cmp(bigCW(tab.selfID, e.id)) <= 0 {
			return true
		}
	}
	return false
}

func randCoords(r *rand.Rand) wire.Coords {
	c := make(wire.Coords, r.IntN(5))
	for i := range c {
		c[i] = uint64(1 + r.IntN(3))
	}
	return c
}

func TestImportantMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 500 {
		self := r.Uint64N(1 << 20)
		tab := fakeTable(self, randCoords(r)...)
		for range r.IntN(30) {
			tab.Insert(Info{Key: keyN(r.Uint64N(1 << 20)), Coords: randCoords(r)}, t0)
		}
		got, want := tab.important(), bruteImportant(tab)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: important = %v, brute force %v", trial, ptrNs(got), ptrNs(want))
		}
		for range 20 {
			x := Info{Key: keyN(r.Uint64N(1 << 20)), Coords: randCoords(r)}
			if r.IntN(5) == 0 && len(got) > 0 {
				x.Key = got[r.IntN(len(got))].info.Key
			}
			id := fakeIDOf(&x.Key)
			// The ring tie rules differ from plain distance only for X = E
			// or E = us, both excluded by the tests above.
			if a, b := tab.isImportant(&id, &x), bruteIsImportant(tab, want, x); a != b {
				t.Fatalf("trial %d: isImportant(%d %v) = %v, brute force %v (imp %v)", trial, nOf(x.Key), x.Coords, a, b, ptrNs(got))
			}
		}
	}
}

func ptrNs(list []*entry) []uint64 {
	var out []uint64
	for _, e := range list {
		out = append(out, nOf(e.info.Key))
	}
	return out
}

func TestImportantCacheFollowsChanges(t *testing.T) {
	tab := handTable()
	first := importantNs(tab)
	tab.Insert(info(999, 1), t0)
	if slices.Equal(first, importantNs(tab)) {
		t.Fatal("cache not invalidated by Insert")
	}
	second := importantNs(tab)
	// From [3 1 1], 970 is our own position's neighbour and becomes the
	// only predecessor tree-closer than the two nearest.
	tab.SetCoords(wire.Coords{3, 1, 1, 1})
	third := importantNs(tab)
	if slices.Equal(second, third) || !slices.Contains(third, 970) {
		t.Fatalf("cache not invalidated by SetCoords: %v then %v", second, third)
	}
	if got := bruteImportant(tab); !slices.Equal(tab.important(), got) {
		t.Fatalf("stale cache after SetCoords: %v vs %v", third, ptrNs(got))
	}
}

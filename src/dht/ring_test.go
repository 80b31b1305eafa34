package dht

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

func TestCW(t *testing.T) {
	var maxID crypto.NodeID
	for i := range maxID {
		maxID[i] = 0xff
	}
	minusTwo := maxID
	minusTwo[63] = 0xfe
	cases := []struct {
		name     string
		a, b     crypto.NodeID
		wantDist crypto.NodeID
	}{
		{"forward", lowID(5), lowID(7), lowID(2)},
		{"backward wraps", lowID(7), lowID(5), minusTwo},
		{"self", lowID(9), lowID(9), lowID(0)},
		{"top to zero wraps", maxID, lowID(0), lowID(1)},
		{"zero to top", lowID(0), maxID, maxID},
		{"borrow across words", lowID(1 << 63), idN(1), func() crypto.NodeID {
			d := idN(1)
			d[56] = 0x80 // (2^256 − 2^63): borrow runs through bytes 32..55
			for i := 32; i < 56; i++ {
				d[i] = 0xff
			}
			d[31] = 0
			return d
		}()},
	}
	for _, c := range cases {
		got := cw(&c.a, &c.b)
		if got != c.wantDist {
			t.Errorf("%s: cw = %x, want %x", c.name, got, c.wantDist)
		}
		if bigCW(c.a, c.b).Cmp(bigOf(got)) != 0 {
			t.Errorf("%s: disagrees with math/big", c.name)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		a, b := randID(r), randID(r)
		if got := cw(&a, &b); bigCW(a, b).Cmp(bigOf(got)) != 0 {
			t.Fatalf("cw(%x, %x) = %x", a, b, got)
		}
	}
}

func randID(r *rand.Rand) crypto.NodeID {
	var id crypto.NodeID
	for i := range id {
		id[i] = byte(r.Uint32())
	}
	// Sometimes share a long prefix, so near-equal values get exercised.
	if r.IntN(4) == 0 {
		for i := range 60 {
			id[i] = 0x80
		}
	}
	return id
}

func TestOrderedTies(t *testing.T) {
	x, y := lowID(10), lowID(20)
	cases := []struct {
		name    string
		f, s, t crypto.NodeID
		want    bool
	}{
		{"x x y", x, x, y, true},
		{"y y x", y, y, x, true},
		{"x y x", x, y, x, true},
		{"y x y", y, x, y, true},
		{"x y y", x, y, y, true},
		{"x x x", x, x, x, true},
		{"in order", lowID(1), lowID(2), lowID(3), true},
		{"out of order", lowID(1), lowID(3), lowID(2), false},
		{"wrapped in order", lowID(3), lowID(1), lowID(2), true},
		{"wrapped out of order", lowID(3), lowID(2), lowID(1), false},
		{"wrapped second", lowID(3), lowID(0), lowID(2), true},
		{"wrapped third", lowID(2), lowID(3), lowID(1), true},
	}
	for _, c := range cases {
		if got := ordered(&c.f, &c.s, &c.t); got != c.want {
			t.Errorf("ordered(%s) = %v, want %v", c.name, got, c.want)
		}
	}
}

// Away from the ties, ordered means cw(first→second) < cw(first→third).
func TestOrderedMatchesDistance(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		f, s, th := randID(r), randID(r), randID(r)
		switch r.IntN(8) {
		case 0:
			s = f
		case 1:
			th = f
		case 2:
			th = s
		}
		got := ordered(&f, &s, &th)
		var want bool
		switch {
		case f == s || f == th:
			want = true
		default:
			want = bigCW(f, s).Cmp(bigCW(f, th)) <= 0
		}
		if got != want {
			t.Fatalf("ordered(%x,%x,%x) = %v, want %v", f[56:], s[56:], th[56:], got, want)
		}
	}
}

func TestSortByDistance(t *testing.T) {
	origin := lowID(100)
	var list []byDistance[uint64]
	for _, n := range []uint64{99, 100, 101, 0, 250} {
		id := lowID(n)
		list = append(list, byDistance[uint64]{dist: cw(&origin, &id), item: n})
	}
	sortByDistance(list)
	want := []uint64{100, 101, 250, 0, 99}
	for i := range list {
		if list[i].item != want[i] {
			t.Fatalf("order %d = %d, want %v", i, list[i].item, want)
		}
	}
	for i := 1; i < len(list); i++ {
		if bytes.Compare(list[i-1].dist[:], list[i].dist[:]) >= 0 {
			t.Fatal("distances not strictly ascending")
		}
	}
}

package dht

import (
	"slices"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
)

var fullMask = func() (m crypto.NodeID) {
	for i := range m {
		m[i] = 0xff
	}
	return m
}()

// fakeSearch is a search from node 1000 for dest on the fake ring.
func fakeSearch(dest uint64, mask crypto.NodeID) *Search {
	return newSearch(info(1000, 1), idN(dest), mask, t0, fakeIDOf)
}

func resp(from uint64, dest crypto.NodeID, listed ...uint64) *Response {
	r := &Response{From: info(from, 1), Dest: dest}
	for _, n := range listed {
		r.Infos = append(r.Infos, info(n, 2))
	}
	return r
}

func visitedNs(s *Search) []uint64 {
	var out []uint64
	for _, id := range s.visited {
		out = append(out, nOf(crypto.BoxPubKey(id[:32])))
	}
	return out
}

func TestAllowed(t *testing.T) {
	s := fakeSearch(500, fullMask)
	// Visited is [1000]: anything from 500 round to 1000 is allowed, nearest
	// first; 1000 itself (visited) and everything behind 500 are not.
	got := s.Allowed([]Info{info(900), info(1000), info(499), info(500), info(600), info(1001), info(600)})
	mustEqualNs(t, "allowed", got, []uint64{500, 600, 900})

	var many []Info
	for n := uint64(520); n < 520+20; n++ {
		many = append(many, info(539-(n-520))) // descending, to check sorting
	}
	got = s.Allowed(many)
	if len(got) != 16 || nOf(got[0].Key) != 520 || nOf(got[15].Key) != 535 {
		t.Fatalf("allowed(20) = %v", ns(got))
	}

	// When dest's ring neighbourhood wraps past zero.
	s = newSearch(info(10, 1), idN(1<<60), fullMask, t0, fakeIDOf)
	got = s.Allowed([]Info{info(5), info(11), info(1 << 61), info(1 << 59)})
	mustEqualNs(t, "allowed across zero", got, []uint64{1 << 61, 5})
}

func TestSearchProgress(t *testing.T) {
	s := fakeSearch(500, fullMask)
	later := t0.Add(time.Second)
	if done, next := s.HandleResponse(resp(700, s.Dest(), 600, 650, 900, 400), later); done {
		t.Fatal("wrong responder completed the search")
	} else {
		mustEqualNs(t, "next", next, []uint64{600, 650, 900})
	}
	if got := visitedNs(s); !slices.Equal(got, []uint64{700, 1000}) || !s.progress.Equal(later) {
		t.Fatalf("visited %v, progress %v", got, s.progress)
	}
	// A repeat answer is no progress.
	s.HandleResponse(resp(700, s.Dest()), later.Add(time.Second))
	if !s.progress.Equal(later) {
		t.Fatal("repeat responder counted as progress")
	}
	// Nil (a timed-out request) changes nothing.
	if done, next := s.HandleResponse(nil, later); done || next != nil {
		t.Fatal("nil response did something")
	}

	// Fill visited to 16; then a farther node is not recorded but a closer
	// one replaces the farthest.
	for n := uint64(601); n < 615; n++ {
		s.HandleResponse(resp(n, s.Dest()), later)
	}
	if len(s.visited) != 16 {
		t.Fatalf("visited has %d", len(s.visited))
	}
	s.HandleResponse(resp(1100, s.Dest()), later.Add(2*time.Second))
	if slices.Contains(visitedNs(s), 1100) || !s.progress.Equal(later) {
		t.Fatal("farther responder recorded in a full visited list")
	}
	s.HandleResponse(resp(550, s.Dest()), later.Add(2*time.Second))
	got := visitedNs(s)
	if len(got) != 16 || got[0] != 550 || slices.Contains(got, 1000) || !s.progress.Equal(later.Add(2*time.Second)) {
		t.Fatalf("visited after a closer responder: %v", got)
	}
}

func TestSearchSucceedsOnlyOnResponder(t *testing.T) {
	s := fakeSearch(500, fullMask)
	if done, _ := s.HandleResponse(resp(700, s.Dest(), 500), t0); done {
		t.Fatal("a listed entry completed the search")
	}
	if done, _ := s.HandleResponse(resp(500, s.Dest()), t0); !done || !s.Found() {
		t.Fatal("the target's own answer did not complete the search")
	}
	if done, next := s.HandleResponse(resp(501, s.Dest(), 502), t0); done || next != nil {
		t.Fatal("a finished search kept working")
	}

	// Partial: only the first 8 bits matter.
	var mask crypto.NodeID
	mask[0] = 0xff
	var dest crypto.NodeID
	dest[0] = 0x42
	s = newSearch(info(1000, 1), dest, mask, t0, fakeIDOf)
	var k crypto.BoxPubKey
	k[0], k[1] = 0x42, 0x99
	if done, _ := s.HandleResponse(&Response{From: Info{Key: k}, Dest: dest}, t0); !done {
		t.Fatal("a responder matching the masked bits did not complete the search")
	}
	k[0] = 0x43
	s = newSearch(info(1000, 1), dest, mask, t0, fakeIDOf)
	if done, _ := s.HandleResponse(&Response{From: Info{Key: k}, Dest: dest}, t0); done {
		t.Fatal("a responder differing in a masked bit completed the search")
	}
}

func TestSearchTimedOut(t *testing.T) {
	s := fakeSearch(500, fullMask)
	if out, at := s.TimedOut(t0.Add(2 * time.Second)); out || !at.Equal(t0.Add(SearchTimeout)) {
		t.Fatalf("at 2 s: %v, check again at %v", out, at)
	}
	s.HandleResponse(resp(700, s.Dest()), t0.Add(2*time.Second))
	if out, at := s.TimedOut(t0.Add(SearchTimeout)); out || !at.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("after progress: %v, check again at %v", out, at)
	}
	if out, _ := s.TimedOut(t0.Add(5 * time.Second)); !out {
		t.Fatal("no timeout 3 s after the last progress")
	}
}

func TestChain(t *testing.T) {
	s := fakeSearch(500, fullMask)
	first := s.Start()
	if n, ok := first.Next(); !ok || nOf(n.Key) != 1000 {
		t.Fatal("the first question does not go to ourselves")
	}
	if _, ok := first.Next(); ok {
		t.Fatal("the self chain has a second step")
	}

	_, next := s.HandleResponse(resp(1000, s.Dest(), 600, 700, 800, 900), t0)
	c := s.NewChain(next)
	var asked []uint64
	n, _ := c.Next()
	asked = append(asked, nOf(n.Key))
	// Meanwhile 700 answers through another chain, so this one skips it.
	s.HandleResponse(resp(700, s.Dest()), t0)
	for {
		n, ok := c.Next()
		if !ok {
			break
		}
		asked = append(asked, nOf(n.Key))
	}
	if want := []uint64{600, 800, 900}; !slices.Equal(asked, want) {
		t.Fatalf("chain asked %v, want %v", asked, want)
	}

	// Progress can filter a chain's tail out: once 16 nodes closer than 900
	// have answered, 900 is no longer worth asking.
	s = fakeSearch(500, fullMask)
	c = s.NewChain([]Info{info(899), info(900)})
	c.Next()
	for n := uint64(501); n < 517; n++ {
		s.HandleResponse(resp(n, s.Dest()), t0)
	}
	if n, ok := c.Next(); ok {
		t.Fatalf("chain went on to %d", nOf(n.Key))
	}

	// A found search stops its chains.
	s = fakeSearch(500, fullMask)
	c = s.NewChain([]Info{info(600), info(700)})
	c.Next()
	s.HandleResponse(resp(500, s.Dest()), t0)
	if _, ok := c.Next(); ok {
		t.Fatal("chain continued after the search was found")
	}
}

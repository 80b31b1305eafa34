package topology

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestLatencies(t *testing.T) {
	g := BarabasiAlbert(3000, rng(1))
	lo, hi := time.Millisecond, 100*time.Millisecond
	lat := Latencies(g, rng(2), lo, hi)
	if len(lat) != g.NumEdges() {
		t.Fatalf("%d latencies for %d links", len(lat), g.NumEdges())
	}
	if !slices.Equal(lat, Latencies(g, rng(2), lo, hi)) {
		t.Fatal("same seed, different latencies")
	}
	below := 0
	for _, d := range lat {
		if d < lo || d > hi {
			t.Fatalf("latency %v outside [%v, %v]", d, lo, hi)
		}
		if d < 10*time.Millisecond {
			below++
		}
	}
	// Log-uniform: half the draws fall under the geometric mean, 10 ms.
	if share := float64(below) / float64(len(lat)); math.Abs(share-0.5) > 0.05 {
		t.Fatalf("%.3f of latencies under 10 ms, want about half", share)
	}
	for _, d := range Latencies(g, rng(2), 5*time.Millisecond, 5*time.Millisecond) {
		if d != 5*time.Millisecond {
			t.Fatalf("fixed latency drew %v", d)
		}
	}
	for _, d := range Latencies(g, rng(2), 0, time.Millisecond) {
		if d < 0 || d > time.Millisecond {
			t.Fatalf("uniform latency drew %v", d)
		}
	}
}

func TestSamplePairs(t *testing.T) {
	g := Grid(100)
	within := []int{90, 3, 5, 7, 11, 13, 3, 42, 64, 99}
	pairs := g.SamplePairs(30, rng(4), within)
	if len(pairs) != 30 {
		t.Fatalf("%d pairs, want 30", len(pairs))
	}
	seen := map[[2]int]bool{}
	for _, p := range pairs {
		if p[0] == p[1] || seen[p] || !slices.Contains(within, p[0]) || !slices.Contains(within, p[1]) {
			t.Fatalf("bad pair %v in %v", p, pairs)
		}
		seen[p] = true
	}
	// The node set matters, not the order it was given in.
	shuffled := slices.Clone(within)
	slices.Reverse(shuffled)
	if !slices.Equal(pairs, g.SamplePairs(30, rng(4), shuffled)) {
		t.Fatal("result depends on the order of within")
	}
	if slices.Equal(pairs, g.SamplePairs(30, rng(5), within)) {
		t.Fatal("another seed gave the same pairs")
	}
	// 9 distinct nodes make 72 ordered pairs; asking for more gives them all.
	if all := g.SamplePairs(1000, rng(4), within); len(all) != 72 {
		t.Fatalf("%d pairs, want all 72", len(all))
	}
	if got := g.SamplePairs(5, rng(4), []int{8}); got != nil {
		t.Fatalf("one node gave pairs %v", got)
	}
	for _, p := range g.SamplePairs(500, rng(4), nil) {
		if p[0] == p[1] || p[0] < 0 || p[1] >= 100 {
			t.Fatalf("bad pair %v", p)
		}
	}
}

func TestAdjacentNodes(t *testing.T) {
	g := BarabasiAlbert(598, rng(6))
	for seed := range uint64(20) {
		nodes := g.AdjacentNodes(5, rng(seed))
		if len(nodes) != 5 || g.Degree(nodes[0]) < 2 {
			t.Fatalf("seed %d: %v", seed, nodes)
		}
		// Connected: the rest of the graph cut away leaves one component.
		var others []int
		for i := range g.N() {
			if !slices.Contains(nodes, i) {
				others = append(others, i)
			}
		}
		comps := g.WithoutNodes(others).Components()
		if got := comps[0]; len(got) != 5 {
			t.Fatalf("seed %d: %v is not connected (largest piece %v)", seed, nodes, got)
		}
		if !slices.Equal(nodes, g.AdjacentNodes(5, rng(seed))) {
			t.Fatalf("seed %d: not deterministic", seed)
		}
	}
	// A component smaller than k is returned whole.
	if got := New(4, [][2]int{{0, 1}, {1, 2}}).AdjacentNodes(10, rng(1)); len(got) != 3 {
		t.Fatalf("got %v, want the 3-node component", got)
	}
}

func TestChooseEdges(t *testing.T) {
	g := Grid(100) // 180 links
	cut := g.ChooseEdges(0.1, rng(7))
	if len(cut) != 18 {
		t.Fatalf("%d links, want 18", len(cut))
	}
	if !slices.IsSortedFunc(cut, compareEdge) || len(slices.Compact(slices.Clone(cut))) != 18 {
		t.Fatalf("not sorted and distinct: %v", cut)
	}
	for _, e := range cut {
		if !g.HasEdge(e[0], e[1]) || e[0] > e[1] {
			t.Fatalf("%v is not a link", e)
		}
	}
	if !slices.Equal(cut, g.ChooseEdges(0.1, rng(7))) || slices.Equal(cut, g.ChooseEdges(0.1, rng(8))) {
		t.Fatal("not a function of the seed")
	}
	if g.Without(cut).NumEdges() != 162 {
		t.Fatal("Without did not drop the chosen links")
	}
	for frac, want := range map[float64]int{0: 0, 1: 180, 2: 180, -1: 0, math.NaN(): 0} {
		if got := len(g.ChooseEdges(frac, rng(1))); got != want {
			t.Fatalf("frac %v: %d links, want %d", frac, got, want)
		}
	}
}

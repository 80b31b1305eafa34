package topology

import (
	"slices"
	"testing"
)

// small is a graph with two components, {0,1,2,3} (a path 0-1-2-3 plus the
// chord 1-3) and {4,5}, and the isolated node 6.
func small() *Graph {
	return New(7, [][2]int{{3, 2}, {0, 1}, {1, 2}, {1, 3}, {4, 5}, {5, 4}, {6, 6}})
}

func TestNewNormalises(t *testing.T) {
	g := small()
	want := [][2]int{{0, 1}, {1, 2}, {1, 3}, {2, 3}, {4, 5}}
	if got := g.Edges(); !slices.Equal(got, want) {
		t.Fatalf("edges %v, want %v", got, want)
	}
	if g.N() != 7 || g.NumEdges() != 5 {
		t.Fatalf("N %d NumEdges %d", g.N(), g.NumEdges())
	}
	if got := g.Neighbors(1); !slices.Equal(got, []int{0, 2, 3}) {
		t.Fatalf("neighbours of 1: %v", got)
	}
	if g.Degree(1) != 3 || g.Degree(6) != 0 {
		t.Fatalf("degrees %d %d", g.Degree(1), g.Degree(6))
	}
	if !g.HasEdge(3, 1) || g.HasEdge(0, 3) {
		t.Fatal("HasEdge wrong")
	}
	if !slices.Equal(g.Labels, []string{"0", "1", "2", "3", "4", "5", "6"}) {
		t.Fatalf("labels %v", g.Labels)
	}
}

func TestAccessorsReturnCopies(t *testing.T) {
	g := small()
	g.Edges()[0] = [2]int{5, 6}
	g.Neighbors(1)[0] = 6
	if g.Edges()[0] != [2]int{0, 1} || g.Neighbors(1)[0] != 0 {
		t.Fatal("a caller's change to a returned slice reached the graph")
	}
}

func TestNewPanicsOutOfRange(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for an endpoint outside 0..n-1")
		}
	}()
	New(3, [][2]int{{0, 3}})
}

func TestHopsFrom(t *testing.T) {
	g := small()
	if got, want := g.HopsFrom(0), []int{0, 1, 2, 2, -1, -1, -1}; !slices.Equal(got, want) {
		t.Fatalf("hops from 0: %v, want %v", got, want)
	}
	if got, want := g.HopsFrom(5), []int{-1, -1, -1, -1, 1, 0, -1}; !slices.Equal(got, want) {
		t.Fatalf("hops from 5: %v, want %v", got, want)
	}
	// A 10-node ring: the far side is 5 hops away either way round.
	var ring [][2]int
	for i := range 10 {
		ring = append(ring, [2]int{i, (i + 1) % 10})
	}
	if got, want := New(10, ring).HopsFrom(0), []int{0, 1, 2, 3, 4, 5, 4, 3, 2, 1}; !slices.Equal(got, want) {
		t.Fatalf("ring hops %v, want %v", got, want)
	}
}

func TestComponents(t *testing.T) {
	// Sizes 2, 3, 1, 3, 2 in order of smallest node.
	g := New(11, [][2]int{{0, 1}, {2, 4}, {4, 3}, {6, 7}, {8, 7}, {9, 10}})
	want := [][]int{{2, 3, 4}, {6, 7, 8}, {0, 1}, {9, 10}, {5}}
	got := g.Components()
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("components %v, want %v", got, want)
	}
	if g.Connected() || !New(2, [][2]int{{0, 1}}).Connected() || !New(0, nil).Connected() {
		t.Fatal("Connected wrong")
	}
}

func TestWithout(t *testing.T) {
	g := small()
	h := g.Without([][2]int{{3, 1}, {4, 5}, {0, 6}})
	if got, want := h.Edges(), [][2]int{{0, 1}, {1, 2}, {2, 3}}; !slices.Equal(got, want) {
		t.Fatalf("edges %v, want %v", got, want)
	}
	if h.N() != g.N() || !slices.Equal(h.Labels, g.Labels) {
		t.Fatal("numbering changed")
	}
	if g.NumEdges() != 5 {
		t.Fatal("Without changed its receiver")
	}
}

func TestWithoutNodes(t *testing.T) {
	g := small()
	h := g.WithoutNodes([]int{1, 5})
	if got, want := h.Edges(), [][2]int{{2, 3}}; !slices.Equal(got, want) {
		t.Fatalf("edges %v, want %v", got, want)
	}
	if h.N() != 7 || h.Degree(1) != 0 || h.Degree(4) != 0 {
		t.Fatal("stopped nodes should stay, isolated")
	}
}

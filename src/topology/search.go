package topology

import "slices"

// HopsFrom returns the hop count of a shortest path from src to each node,
// -1 where there is none.
func (g *Graph) HopsFrom(src int) []int {
	hops := make([]int, g.N())
	for i := range hops {
		hops[i] = -1
	}
	hops[src] = 0
	queue := []int{src}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range g.adj[v] {
			if hops[w] < 0 {
				hops[w] = hops[v] + 1
				queue = append(queue, w)
			}
		}
	}
	return hops
}

// Components returns the connected components, each sorted by node, largest
// first and equal sizes by their smallest node, so the order is a function of
// the graph alone. An isolated node is a component of its own.
func (g *Graph) Components() [][]int {
	seen := make([]bool, g.N())
	var comps [][]int
	for s := range g.adj {
		if seen[s] {
			continue
		}
		seen[s] = true
		comp := []int{s}
		for k := 0; k < len(comp); k++ {
			for _, w := range g.adj[comp[k]] {
				if !seen[w] {
					seen[w] = true
					comp = append(comp, w)
				}
			}
		}
		slices.Sort(comp)
		comps = append(comps, comp)
	}
	// Components were found in order of their smallest node; a stable sort by
	// size keeps that as the tie-break.
	slices.SortStableFunc(comps, func(a, b []int) int { return len(b) - len(a) })
	return comps
}

// Connected reports whether every node can reach every other one. The empty
// graph counts as connected.
func (g *Graph) Connected() bool {
	return g.N() == 0 || len(g.Components()) == 1
}

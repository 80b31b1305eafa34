// Package topology builds and inspects the undirected network graphs that the
// simulator runs nodes on: graphs read from edge-list files, generated ones
// (preferential attachment, random geometric, grid), and the samples a run
// draws from them (pairs, failed links, killed nodes, link latencies).
//
// Everything here is a pure function of its inputs and of the *rand.Rand it is
// given, so a simulation seeded the same way sees the same network.
package topology

import (
	"slices"
	"strconv"
)

// Graph is an undirected simple graph over nodes 0..N()-1. It is not changed
// after construction; the failure helpers return new graphs.
type Graph struct {
	// Labels names each node: the token from the file it was parsed from, or
	// the decimal index for a generated graph.
	Labels []string

	adj   [][]int  // sorted neighbour lists
	edges [][2]int // each link once, a < b, sorted
}

// New returns the graph on n nodes with the given links, labelled by index.
// Self-loops and repeated links are dropped, so callers can pass raw lists.
// It panics if an endpoint is outside 0..n-1, which is a caller's bug.
func New(n int, links [][2]int) *Graph {
	labels := make([]string, n)
	for i := range labels {
		labels[i] = strconv.Itoa(i)
	}
	return build(labels, links)
}

func build(labels []string, links [][2]int) *Graph {
	n := len(labels)
	edges := make([][2]int, 0, len(links))
	for _, e := range links {
		a, b := e[0], e[1]
		if a < 0 || a >= n || b < 0 || b >= n {
			panic("topology: link endpoint out of range: " + strconv.Itoa(a) + "-" + strconv.Itoa(b))
		}
		if a == b {
			continue
		}
		if a > b {
			a, b = b, a
		}
		edges = append(edges, [2]int{a, b})
	}
	slices.SortFunc(edges, compareEdge)
	edges = slices.Compact(edges)
	adj := make([][]int, n)
	for _, e := range edges {
		adj[e[0]] = append(adj[e[0]], e[1])
		adj[e[1]] = append(adj[e[1]], e[0])
	}
	for _, l := range adj {
		slices.Sort(l)
	}
	return &Graph{Labels: labels, adj: adj, edges: edges}
}

func compareEdge(x, y [2]int) int {
	if x[0] != y[0] {
		return x[0] - y[0]
	}
	return x[1] - y[1]
}

// N is the number of nodes.
func (g *Graph) N() int { return len(g.adj) }

// Edges returns every link once as {a, b} with a < b, sorted by a then b.
// The order is the one Latencies follows. The slice is the caller's.
func (g *Graph) Edges() [][2]int { return slices.Clone(g.edges) }

// NumEdges is len(Edges()) without the copy.
func (g *Graph) NumEdges() int { return len(g.edges) }

// Neighbors returns the sorted neighbours of node i. The slice is the caller's.
func (g *Graph) Neighbors(i int) []int { return slices.Clone(g.adj[i]) }

// Degree is the number of links of node i.
func (g *Graph) Degree(i int) int { return len(g.adj[i]) }

// HasEdge reports whether a and b are linked.
func (g *Graph) HasEdge(a, b int) bool {
	_, found := slices.BinarySearch(g.adj[a], b)
	return found
}

// Without returns the graph with the given links removed, keeping node
// numbering and labels so results on it compare with the original. Links are
// matched in either orientation; ones not in g are ignored.
func (g *Graph) Without(links [][2]int) *Graph {
	drop := make([][2]int, 0, len(links))
	for _, e := range links {
		if e[0] > e[1] {
			e[0], e[1] = e[1], e[0]
		}
		drop = append(drop, e)
	}
	slices.SortFunc(drop, compareEdge)
	kept := make([][2]int, 0, len(g.edges))
	for _, e := range g.edges {
		if _, found := slices.BinarySearchFunc(drop, e, compareEdge); !found {
			kept = append(kept, e)
		}
	}
	return build(slices.Clone(g.Labels), kept)
}

// WithoutNodes returns the graph with every link of the given nodes removed.
// The nodes themselves stay, isolated, so numbering and labels are unchanged.
func (g *Graph) WithoutNodes(nodes []int) *Graph {
	dead := make([]bool, g.N())
	for _, i := range nodes {
		dead[i] = true
	}
	kept := make([][2]int, 0, len(g.edges))
	for _, e := range g.edges {
		if !dead[e[0]] && !dead[e[1]] {
			kept = append(kept, e)
		}
	}
	return build(slices.Clone(g.Labels), kept)
}

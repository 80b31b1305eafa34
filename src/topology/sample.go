package topology

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Latencies draws one latency per link, in Edges() order. Draws are
// log-uniform between min and max, so short and long links are equally
// likely at every scale (a LAN hop and an intercontinental one are both
// common on an overlay); with min == 0 they are uniform instead. It panics
// if min < 0 or max < min.
func Latencies(g *Graph, rng *rand.Rand, min, max time.Duration) []time.Duration {
	if min < 0 || max < min {
		panic("topology: latency range must satisfy 0 <= min <= max")
	}
	out := make([]time.Duration, g.NumEdges())
	lo, hi := math.Log(float64(min)), math.Log(float64(max))
	for i := range out {
		u := rng.Float64()
		switch {
		case min == max:
			out[i] = min
		case min == 0:
			out[i] = time.Duration(u * float64(max))
		default:
			out[i] = time.Duration(math.Exp(lo + u*(hi-lo)))
		}
		// Rounding in Exp must not step outside the range asked for.
		out[i] = clampDuration(out[i], min, max)
	}
	return out
}

func clampDuration(d, min, max time.Duration) time.Duration {
	if d < min {
		return min
	}
	if d > max {
		return max
	}
	return d
}

// SamplePairs draws k distinct ordered pairs {src, dst}, src != dst, from the
// nodes in within (nil means all nodes). {a, b} and {b, a} are different
// pairs, since a route and a session are set up from one end. When fewer than
// k pairs exist, all of them are returned, shuffled. The result depends only
// on the set of nodes in within, not its order or repeats, and on rng.
func (g *Graph) SamplePairs(k int, rng *rand.Rand, within []int) [][2]int {
	var nodes []int
	if within == nil {
		nodes = make([]int, g.N())
		for i := range nodes {
			nodes[i] = i
		}
	} else {
		nodes = slices.Clone(within)
		slices.Sort(nodes)
		nodes = slices.Compact(nodes)
	}
	m := len(nodes)
	total := m * (m - 1)
	if k <= 0 || total <= 0 {
		return nil
	}
	if 2*k >= total {
		// Dense: enumerate and take a shuffled prefix, rejection would stall.
		all := make([][2]int, 0, total)
		for _, a := range nodes {
			for _, b := range nodes {
				if a != b {
					all = append(all, [2]int{a, b})
				}
			}
		}
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		return all[:min(k, total)]
	}
	// The set only answers "seen?"; output order is the draw order.
	seen := make(map[[2]int]bool, k)
	out := make([][2]int, 0, k)
	for len(out) < k {
		p := [2]int{nodes[rng.IntN(m)], nodes[rng.IntN(m)]}
		if p[0] == p[1] || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	return out
}

// AdjacentNodes returns k nodes that form a connected set: a random node of
// degree at least 2 and then the nodes breadth-first from it, for scenarios
// that kill a neighbourhood rather than scattered nodes. Starting at degree 2
// or more avoids a leaf, whose neighbourhood would be mostly its one peer's.
// If no node has degree 2, any node with a link starts; if the start's
// component has fewer than k nodes, the whole component is returned.
func (g *Graph) AdjacentNodes(k int, rng *rand.Rand) []int {
	if k <= 0 {
		return nil
	}
	var starts []int
	for _, minDeg := range []int{2, 1, 0} {
		for i := range g.adj {
			if len(g.adj[i]) >= minDeg {
				starts = append(starts, i)
			}
		}
		if len(starts) > 0 {
			break
		}
	}
	if len(starts) == 0 {
		return nil
	}
	s := starts[rng.IntN(len(starts))]
	seen := map[int]bool{s: true}
	out := []int{s}
	for i := 0; i < len(out) && len(out) < k; i++ {
		for _, w := range g.adj[out[i]] {
			if !seen[w] && len(out) < k {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

// ChooseEdges picks round(frac × links) distinct links uniformly, for
// link-failure scenarios, and returns them in Edges() order. frac is clamped
// to [0, 1].
func (g *Graph) ChooseEdges(frac float64, rng *rand.Rand) [][2]int {
	if !(frac > 0) { // also NaN
		frac = 0
	}
	frac = math.Min(frac, 1)
	k := int(math.Round(frac * float64(len(g.edges))))
	idx := rng.Perm(len(g.edges))[:k]
	slices.Sort(idx)
	out := make([][2]int, k)
	for i, j := range idx {
		out[i] = g.edges[j]
	}
	return out
}

package topology

import "math/rand/v2"

// attachCounts is the distribution of how many links a new node opens in
// BarabasiAlbert, as {links, weight}. It is tuned so the result looks like
// the 2017 fc00 crawl (testdata/fc00-2017-08-12.txt: mean degree 5.3, 29 %
// of nodes with one link, 20 % with two, a few hubs of 50 to 117): most
// newcomers peer once or twice, and a few well-connected operators open many
// links, which both lifts the mean and keeps hubs from being the only
// high-degree nodes. At fc00's size the biggest hub comes out at 60 to 90
// links rather than 117: preferential attachment alone concentrates less
// than the real crawl did.
var attachCounts = [][2]int{
	{1, 44},
	{2, 24},
	{3, 12},
	{4, 6},
	{6, 6},
	{10, 4},
	{16, 2},
}

// BarabasiAlbert grows an n-node graph by preferential attachment: each new
// node opens a number of links drawn from attachCounts (capped by the nodes
// already there) to distinct existing nodes chosen with probability
// proportional to their degree. Every node links to an earlier one, so the
// graph is connected.
func BarabasiAlbert(n int, rng *rand.Rand) *Graph {
	total := 0
	for _, c := range attachCounts {
		total += c[1]
	}
	var links [][2]int
	// Every link's two endpoints; a uniform pick from it is a pick by degree.
	var ends []int
	var picked []int
	for v := 1; v < n; v++ {
		m := drawAttach(rng, total)
		picked = picked[:0]
		if m >= v {
			for t := 0; t < v; t++ {
				picked = append(picked, t)
			}
		} else {
			for len(picked) < m {
				t := ends[rng.IntN(len(ends))]
				if !contains(picked, t) {
					picked = append(picked, t)
				}
			}
		}
		for _, t := range picked {
			links = append(links, [2]int{t, v})
			ends = append(ends, t, v)
		}
	}
	return New(max(n, 0), links)
}

func drawAttach(rng *rand.Rand, total int) int {
	x := rng.IntN(total)
	for _, c := range attachCounts {
		if x < c[1] {
			return c[0]
		}
		x -= c[1]
	}
	panic("unreachable")
}

func contains(s []int, x int) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

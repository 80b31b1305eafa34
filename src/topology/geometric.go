package topology

import (
	"math"
	"math/rand/v2"
)

// geoMeanDegree is the mean degree Geometric aims for before joining
// components: dense enough that the giant component holds nearly every node,
// sparse enough that paths are long, as in a mesh of radio neighbours.
const geoMeanDegree = 6

// Geometric places n nodes uniformly in the unit square and links every pair
// closer than a radius chosen for a mean degree of about 6. The result is
// then made connected: while there are several components, each one but the
// largest is linked to the rest by its closest pair of nodes (the link a
// person would add to join two nearby meshes). A cell grid keeps both steps
// near-linear: 10 000 nodes take well under a second (about 70 ms here).
func Geometric(n int, rng *rand.Rand) *Graph {
	if n <= 0 {
		return New(0, nil)
	}
	pts := make([][2]float64, n)
	for i := range pts {
		pts[i] = [2]float64{rng.Float64(), rng.Float64()}
	}
	return geometric(pts, geoRadius(n))
}

// geometric links points closer than r, then joins components as Geometric
// describes.
func geometric(pts [][2]float64, r float64) *Graph {
	n := len(pts)
	cells := newCellGrid(pts, r)
	var links [][2]int
	for i, p := range pts {
		cells.near(p, 1, func(j int) {
			if j > i && dist2(p, pts[j]) < r*r {
				links = append(links, [2]int{i, j})
			}
		})
	}
	g := New(n, links)
	for {
		comps := g.Components()
		if len(comps) == 1 {
			return g
		}
		compOf := make([]int, n)
		for c, nodes := range comps {
			for _, v := range nodes {
				compOf[v] = c
			}
		}
		// Each component but the largest adds its closest outside link;
		// every add merges it into another, so the count at least halves.
		for _, nodes := range comps[1:] {
			a, b := cells.closestOutside(nodes, compOf)
			links = append(links, [2]int{a, b})
		}
		g = New(n, links)
	}
}

// geoRadius solves (n-1)·P(two uniform points are within r) = geoMeanDegree.
// For the unit square and r <= 1 that probability is πr² − 8r³/3 + r⁴/2; the
// correction for the border matters for small n, where r is large.
func geoRadius(n int) float64 {
	p := func(r float64) float64 { return math.Pi*r*r - 8*r*r*r/3 + r*r*r*r/2 }
	want := geoMeanDegree / float64(max(n-1, 1))
	if want >= 1 {
		return math.Sqrt2 // everyone links to everyone
	}
	lo, hi := 0.0, 1.0
	for range 60 {
		mid := (lo + hi) / 2
		if p(mid) < want {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

func dist2(a, b [2]float64) float64 {
	dx, dy := a[0]-b[0], a[1]-b[1]
	return dx*dx + dy*dy
}

// cellGrid buckets points of the unit square into square cells of a given
// side, so neighbour searches look at nearby cells only.
type cellGrid struct {
	pts  [][2]float64
	side float64
	k    int     // cells per row and column
	cell [][]int // point indexes, row-major by cell, each in index order
}

func newCellGrid(pts [][2]float64, side float64) *cellGrid {
	// Cap the cell count so a tiny radius cannot allocate a huge grid.
	k := max(1, min(int(1/side), int(math.Sqrt(float64(len(pts))))+1))
	c := &cellGrid{pts: pts, side: 1 / float64(k), k: k, cell: make([][]int, k*k)}
	for i, p := range pts {
		x, y := c.coord(p)
		c.cell[y*k+x] = append(c.cell[y*k+x], i)
	}
	return c
}

func (c *cellGrid) coord(p [2]float64) (int, int) {
	x := min(int(p[0]*float64(c.k)), c.k-1)
	y := min(int(p[1]*float64(c.k)), c.k-1)
	return x, y
}

// near calls f for every point in the cells within ring cells (Chebyshev
// distance) of p's cell, nearer rings first.
func (c *cellGrid) near(p [2]float64, ring int, f func(int)) {
	for d := 0; d <= ring; d++ {
		c.ring(p, d, f)
	}
}

// ring calls f for every point in the cells at exactly Chebyshev distance d
// from p's cell.
func (c *cellGrid) ring(p [2]float64, d int, f func(int)) {
	cx, cy := c.coord(p)
	for y := cy - d; y <= cy+d; y++ {
		if y < 0 || y >= c.k {
			continue
		}
		for x := cx - d; x <= cx+d; x++ {
			if x < 0 || x >= c.k {
				continue
			}
			if max(abs(x-cx), abs(y-cy)) != d {
				continue
			}
			for _, j := range c.cell[y*c.k+x] {
				f(j)
			}
		}
	}
}

// closestOutside returns the closest pair (a in nodes, b not in a's
// component). It widens a ring search around each node of the component and
// stops once no unvisited cell can beat the best pair so far.
func (c *cellGrid) closestOutside(nodes []int, compOf []int) (int, int) {
	self := compOf[nodes[0]]
	best := math.Inf(1)
	ba, bb := -1, -1
	for _, a := range nodes {
		p := c.pts[a]
		for d := 0; d <= c.k; d++ {
			// Points in ring d are at least (d-1)·side away.
			if d > 0 {
				reach := float64(d-1) * c.side
				if reach*reach >= best {
					break
				}
			}
			c.ring(p, d, func(b int) {
				if compOf[b] == self {
					return
				}
				// Strictly nearer only: on a tie the first pair met wins, and
				// the visiting order is fixed, so the choice is too.
				if d2 := dist2(p, c.pts[b]); d2 < best {
					best, ba, bb = d2, a, b
				}
			})
		}
	}
	return ba, bb
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

package topology

import "math"

// Grid lays n nodes row by row on a near-square grid, ceil(√n) columns wide,
// each linked to its right and lower neighbours; the last row may be short.
// Every node but the first has a left or upper neighbour, so it is connected.
// Node i sits at row i/cols, column i%cols.
func Grid(n int) *Graph {
	if n <= 0 {
		return New(0, nil)
	}
	cols := int(math.Ceil(math.Sqrt(float64(n))))
	var links [][2]int
	for i := range n {
		if (i+1)%cols != 0 && i+1 < n {
			links = append(links, [2]int{i, i + 1})
		}
		if i+cols < n {
			links = append(links, [2]int{i, i + cols})
		}
	}
	return New(n, links)
}

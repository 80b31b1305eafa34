package topology

import (
	"slices"
	"strings"
	"testing"
)

// FuzzParse: any input either fails with a line number or gives a graph
// that prints back to an edge list parsing to the same labels and links.
func FuzzParse(f *testing.F) {
	f.Add("0 1\n2 3\n2 4\n")
	f.Add("# c\n\na b # x\nb a\nc c\n")
	f.Add("1 2 3\n")
	f.Add("x\r\ny z")
	f.Fuzz(func(t *testing.T, in string) {
		g, err := Parse(strings.NewReader(in))
		if err != nil {
			if !strings.Contains(err.Error(), "line ") {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		var b strings.Builder
		for _, e := range g.Edges() {
			b.WriteString(g.Labels[e[0]] + " " + g.Labels[e[1]] + "\n")
		}
		h, err := Parse(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		// Labels of self-loop-only nodes do not survive printing links, so
		// compare links by label.
		byLabel := func(g *Graph) []string {
			var out []string
			for _, e := range g.Edges() {
				a, b := g.Labels[e[0]], g.Labels[e[1]]
				out = append(out, min(a, b)+" "+max(a, b))
			}
			slices.Sort(out)
			return out
		}
		if !slices.Equal(byLabel(g), byLabel(h)) {
			t.Fatalf("links changed on a round trip")
		}
		for i := range g.N() {
			if !slices.IsSorted(g.adj[i]) || slices.Contains(g.adj[i], i) {
				t.Fatalf("node %d: neighbours %v", i, g.adj[i])
			}
		}
	})
}

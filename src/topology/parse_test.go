package topology

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestParseFC00(t *testing.T) {
	f, err := os.Open("testdata/fc00-2017-08-12.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	// 1593 lines, no self-loop and no repeat: every line is a link.
	if g.N() != 598 || g.NumEdges() != 1593 {
		t.Fatalf("%d nodes %d links, want 598 and 1593", g.N(), g.NumEdges())
	}
	if !g.Connected() {
		t.Fatal("fc00 should be one component")
	}
	s := degreeStats(g)
	if s.max != 117 || s.counts[1] != 172 || s.counts[2] != 122 {
		t.Fatalf("max degree %d, %d of degree 1, %d of degree 2; want 117, 172, 122", s.max, s.counts[1], s.counts[2])
	}
	// Labels are the file's tokens, in order of first appearance.
	if !slices.Equal(g.Labels[:4], []string{"0", "1", "2", "3"}) || len(g.Labels) != 598 {
		t.Fatalf("labels start %v", g.Labels[:4])
	}
	if i := slices.Index(g.Labels, "633"); i < 0 {
		t.Fatal("label 633 missing")
	}
}

func TestParseRules(t *testing.T) {
	in := `# a comment line

alpha beta
beta gamma   # trailing comment
gamma beta
gamma gamma
  7	alpha
beta alpha
`
	g, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Labels, []string{"alpha", "beta", "gamma", "7"}) {
		t.Fatalf("labels %v", g.Labels)
	}
	if got, want := g.Edges(), [][2]int{{0, 1}, {0, 3}, {1, 2}}; !slices.Equal(got, want) {
		t.Fatalf("edges %v, want %v", got, want)
	}
	// CRLF line ends and no final newline.
	g, err = Parse(strings.NewReader("1 2\r\n2 3"))
	if err != nil || g.NumEdges() != 2 {
		t.Fatalf("CRLF: %v, %d links", err, g.NumEdges())
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1 2\n3\n", "line 2:"},
		{"# header\n\n1 2 3\n", "line 3:"},
		{"1 2\n2 3\nx y z # three\n", "line 3:"},
		{"1 2\n" + strings.Repeat("9", 70000) + " 1\n", "line 2:"},
	} {
		_, err := Parse(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("input %.20q: error %v, want one containing %q", tc.in, err, tc.want)
		}
	}
	if g, err := Parse(strings.NewReader("# nothing\n\n")); err != nil || g.N() != 0 {
		t.Fatalf("empty input: %v", err)
	}
}

type stats struct {
	mean   float64
	max    int
	counts map[int]int
}

func degreeStats(g *Graph) stats {
	s := stats{counts: map[int]int{}}
	for i := range g.N() {
		d := g.Degree(i)
		s.counts[d]++
		s.max = max(s.max, d)
	}
	s.mean = 2 * float64(g.NumEdges()) / float64(g.N())
	return s
}

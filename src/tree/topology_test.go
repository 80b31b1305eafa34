package tree

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loadTopology reads an undirected edge list ("A B" per line, labels with
// gaps) and renumbers the labels 0..n-1 in order of first appearance.
func loadTopology(t *testing.T, name string) (n int, edges [][2]int) {
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	index := map[int]int{}
	id := func(label int) int {
		if i, ok := index[label]; ok {
			return i
		}
		index[label] = len(index)
		return len(index) - 1
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			t.Fatalf("bad line %q", sc.Text())
		}
		a, err1 := strconv.Atoi(fields[0])
		b, err2 := strconv.Atoi(fields[1])
		if err1 != nil || err2 != nil {
			t.Fatalf("bad line %q", sc.Text())
		}
		edges = append(edges, [2]int{id(a), id(b)})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return len(index), edges
}

// TestSimFC00 runs the 598-node crawl of the fc00 network: one root, the
// highest TreeID; consistent coords; forwarding from every node to every
// other makes progress at every hop and arrives.
func TestSimFC00(t *testing.T) {
	if testing.Short() {
		t.Skip("598-node simulation skipped in -short mode")
	}
	if raceEnabled {
		t.Skip("598-node simulation skipped under -race (about 4 s without it); " +
			"the smaller simulations cover the same code")
	}
	n, edges := loadTopology(t, "testdata/fc00-2017-08-12.txt")
	if n != 598 || len(edges) != 1593 {
		t.Fatalf("topology has %d nodes, %d links; want 598, 1593", n, len(edges))
	}
	start := time.Now()
	s := newSim(t, n, "fc00")
	s.verify = s.cachedVerify()
	s.connectAll(edges)
	s.run(1)
	t.Logf("converged after %d messages in %v", s.sent, time.Since(start))
	s.check()
	sent := s.sent
	s.run(65)
	s.check()
	t.Logf("65 s of refreshes: %d messages; total %v", s.sent-sent, time.Since(start))
}

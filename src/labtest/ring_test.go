//go:build linux

package labtest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// rerouteDeadline is the bound for traffic to resume after two
// adjacent nodes of the ring stop. It is a functional deadline from the
// issue, not a performance figure.
const rerouteDeadline = 10 * time.Second

// pingPairs pings, for every ordered pair, from the first node to the
// second until a reply comes, all pairs at once, and returns how long each
// took measured from since.
func pingPairs(t *testing.T, pairs [][2]*Node, since time.Time, timeout time.Duration) []time.Duration {
	t.Helper()
	took := make([]time.Duration, len(pairs))
	errs := make([]error, len(pairs))
	var wg sync.WaitGroup
	for i, p := range pairs {
		wg.Go(func() {
			_, errs[i] = p[0].WaitPingNode(p[1], timeout)
			took[i] = time.Since(since)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return took
}

// allPairs lists every ordered pair of distinct nodes.
func allPairs(nodes []*Node) [][2]*Node {
	var pairs [][2]*Node
	for _, a := range nodes {
		for _, b := range nodes {
			if a != b {
				pairs = append(pairs, [2]*Node{a, b})
			}
		}
	}
	return pairs
}

// waitCoords waits until getSelf on n reports coords for which ok holds.
func waitCoords(t *testing.T, n *Node, what string, ok func([]uint64) bool) []uint64 {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		self, err := n.GetSelf()
		if err == nil && ok(self.Coords) {
			return self.Coords
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: coords never %s (last %v, %v)", n.Name, what, self.Coords, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// isChild reports whether child's coords are parent's plus one port.
func isChild(child, parent []uint64) bool {
	return len(child) == len(parent)+1 && slices.Equal(child[:len(parent)], parent)
}

// childOf waits until child's coords show parent as its tree parent.
func childOf(t *testing.T, child, parent *Node) []uint64 {
	t.Helper()
	pc := coordsOf(t, parent)
	return waitCoords(t, child, fmt.Sprintf("those of a child of %s %v", parent.Name, pc), func(c []uint64) bool {
		return isChild(c, coordsOf(t, parent))
	})
}

func coordsOf(t *testing.T, n *Node) []uint64 {
	t.Helper()
	self, err := n.GetSelf()
	must(t, err)
	return self.Coords
}

// Issue 4 test 2c: on a ring of six every node reaches every other; when
// two adjacent nodes stop, traffic between the other four re-routes and
// resumes within 10 s.
//
// The tree is made known so that the stop really forces a re-route. n0 has
// the best TreeID (AddNodes orders by it), so it is the root. Nodes start
// in the order n0 n1 n5 n2 n4 n3, each calling its already running
// neighbours, so n1 and n5 hang under n0, n2 under n1, n4 under n5 and n3
// under n2. n4 also calls n3, but n3 is not running yet: that call is
// refused and retried after the hold-off (6-16 s), long after n3 chose n2.
// The ring edge n3-n4 is therefore the one outside the tree.
//
// Stopping n1 and n2 leaves n3 without a parent while its other neighbour,
// n4, still reaches the root without passing through n3, so n3 re-parents
// under n4 at once (spec 01 §6.7) and sessions move to its new coords. Had
// the root or a whole branch been stopped instead, the survivors could only
// recover through the 60 s root timeout (spec 01 §6.4, §6.7), which no
// 10 s bound can cover; the scenario is the stop of two ordinary
// nodes.
func TestRingReroute(t *testing.T) {
	lab := newLab(t, false)
	nodes, err := lab.Build(6, []Edge{
		{Dialer: 1, Listener: 0}, {Dialer: 5, Listener: 0}, {Dialer: 2, Listener: 1},
		{Dialer: 4, Listener: 5}, {Dialer: 3, Listener: 2}, {Dialer: 4, Listener: 3},
	})
	must(t, err)
	n := nodes
	must(t, n[0].Start())
	for _, step := range [][2]int{{1, 0}, {5, 0}, {2, 1}, {4, 5}, {3, 2}} {
		must(t, n[step[0]].Start())
		must(t, WaitPeered(n[step[0]], n[step[1]], 20*time.Second))
	}
	must(t, WaitPeered(n[4], n[3], 45*time.Second)) // after n4's hold-off

	waitCoords(t, n[0], "[] (root)", func(c []uint64) bool { return len(c) == 0 })
	for _, edge := range [][2]int{{1, 0}, {5, 0}, {2, 1}, {4, 5}, {3, 2}} {
		childOf(t, n[edge[0]], n[edge[1]])
	}

	start := time.Now()
	took := pingPairs(t, allPairs(nodes), start, pingTimeout)
	t.Logf("all 30 ordered pairs answered within %v", slices.Max(took).Round(time.Millisecond))

	stopAt := time.Now()
	var wg sync.WaitGroup
	var stopErrs [2]error
	for i, k := range []int{1, 2} {
		wg.Go(func() { stopErrs[i] = n[k].Stop() })
	}
	wg.Wait()
	must(t, stopErrs[0])
	must(t, stopErrs[1])
	survivors := []*Node{n[0], n[3], n[4], n[5]}
	pairs := allPairs(survivors)
	took = pingPairs(t, pairs, stopAt, 3*rerouteDeadline)
	for i, p := range pairs {
		t.Logf("%s -> %s: first reply %v after the stop", p[0].Name, p[1].Name, took[i].Round(time.Millisecond))
		if took[i] > rerouteDeadline {
			t.Errorf("%s -> %s resumed only %v after the stop; the issue allows %v",
				p[0].Name, p[1].Name, took[i].Round(time.Millisecond), rerouteDeadline)
		}
	}
	// The re-route did happen: n3 now hangs under n4.
	childOf(t, n[3], n[4])

	for _, s := range survivors {
		must(t, s.Stop())
	}
}

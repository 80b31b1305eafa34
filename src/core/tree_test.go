package core

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/tree"
)

// Two nodes over loopback TCP agree on a root and consistent coords.
func TestTwoNodesOverTCP(t *testing.T) {
	tn := newTestNet(t, 0, nil)
	cfg := config.Generate()
	cfg.MulticastInterfaces = nil
	cfg.Listen = []string{"tcp://127.0.0.1:0"}
	a := tn.add("a", cfg)
	b := tn.add("b", nil)
	addr := a.ListenerAddrs()["tcp://127.0.0.1:0"]
	if err := b.CallPeer("tcp://"+addr.String(), ""); err != nil {
		t.Fatal(err)
	}
	root := bestRoot(tn.nodes)
	waitFor(t, 10*time.Second, "tree over TCP", func() error {
		if peersInTable(a) != 1 || peersInTable(b) != 1 {
			return fmt.Errorf("peers in table: %d %d", peersInTable(a), peersInTable(b))
		}
		return treeConsistent(tn.nodes, root)
	})
	pa, pb := a.Peers()[0], b.Peers()[0]
	if pa.BoxPub != b.BoxPub() || pb.BoxPub != a.BoxPub() || pa.Port != 1 || pb.Port != 1 {
		t.Fatalf("peer views wrong: %+v / %+v", pa, pb)
	}
	if !pa.Inbound || pb.Inbound || pa.Proto != "tcp" || pb.Endpoint != "tcp://"+addr.String() {
		t.Fatalf("link info wrong: %+v / %+v", pa, pb)
	}
	if pa.BytesRecvd == 0 || pa.BytesSent == 0 {
		t.Fatalf("no bytes counted: %+v", pa)
	}
}

// connectGraph joins nodes i and j for every edge.
func connectGraph(tn *testNet, edges [][2]int) {
	for _, e := range edges {
		tn.pipe(tn.nodes[e[0]], tn.nodes[e[1]])
	}
}

func line(n int) (edges [][2]int) {
	for i := 0; i+1 < n; i++ {
		edges = append(edges, [2]int{i, i + 1})
	}
	return edges
}

func ring(n int) [][2]int { return append(line(n), [2]int{n - 1, 0}) }

// randomConnected is a random tree plus a few extra edges.
func randomConnected(n, extra int, rng *rand.Rand) (edges [][2]int) {
	seen := map[[2]int]bool{}
	for i := 1; i < n; i++ {
		e := [2]int{rng.IntN(i), i}
		edges = append(edges, e)
		seen[e] = true
	}
	for len(edges) < n-1+extra {
		a, b := rng.IntN(n), rng.IntN(n)
		if a > b {
			a, b = b, a
		}
		if a == b || seen[[2]int{a, b}] {
			continue
		}
		seen[[2]int{a, b}] = true
		edges = append(edges, [2]int{a, b})
	}
	return edges
}

// Cutting a link in a ring re-forms the tree; isolating the root makes the
// rest elect the next best root once the old one times out.
func TestTreeReformsAfterCuts(t *testing.T) {
	tn := newExecNet(t, 6, 1)
	connectGraph(tn, ring(6))
	root := bestRoot(tn.nodes)
	tn.await(time.Second, "initial tree", func() error { return treeConsistent(tn.nodes, root) })

	// Cut one link that the tree uses: the root's link on port 1.
	var rootNode *testNode
	for _, n := range tn.nodes {
		if n.SigPub() == root {
			rootNode = n
		}
	}
	// The node on the other side loses its parent; no other peer qualifies
	// (its other peer is its child), so it keeps the old locator with no
	// parent until the root times out there (tree.RemovePeer). The branch
	// heals a tick after that, when its nodes hear the root through the
	// other side: within two maintenance ticks and the hops.
	slack := 2*tree.MaintainInterval + 10*tn.latency
	rootNode.DisconnectPort(1)
	cut := tn.ex.Now()
	tn.await(tree.RootTimeout+slack, "tree after one cut", func() error {
		if len(rootNode.Peers()) != 1 {
			return fmt.Errorf("root still has %d peers", len(rootNode.Peers()))
		}
		return treeConsistent(tn.nodes, root)
	})
	if took := tn.ex.Now().Sub(cut); took < tree.RootTimeout {
		t.Fatalf("the cut branch healed after %v, before its root timed out", took)
	}

	// Cut the root's other link: the other five must choose the next best
	// root once the old root's last timestamp is tree.RootTimeout old.
	// It refreshes every tree.RefreshInterval, so that is at most that
	// much less after the cut.
	rootNode.DisconnectPort(rootNode.Peers()[0].Port)
	cut = tn.ex.Now()
	var rest []*testNode
	for _, n := range tn.nodes {
		if n != rootNode {
			rest = append(rest, n)
		}
	}
	next := bestRoot(rest)
	tn.await(tree.RootTimeout+slack, "new root among the rest", func() error {
		return treeConsistent(rest, next)
	})
	t.Logf("new root after %v", tn.ex.Now().Sub(cut))
	if took, lo := tn.ex.Now().Sub(cut), tree.RootTimeout-tree.RefreshInterval; took < lo {
		t.Fatalf("new root after %v, before the old one could time out (%v)", took, lo)
	}
	if s := rootNode.Self(); s.Root != root || len(s.Coords) != 0 {
		t.Fatalf("isolated old root should be its own root: %+v", s)
	}
}

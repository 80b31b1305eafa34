package core

import (
	"fmt"
	"net"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/clock"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/transport"
)

// testNode is one Core in a test network.
type testNode struct {
	*Core
	name string
}

// testNet is a set of nodes in one process, optionally on a shared virtual clock.
type testNet struct {
	t     testing.TB
	nodes []*testNode
	clock clock.Clock
	pipes int
}

func newTestNet(t testing.TB, n int, clk clock.Clock) *testNet {
	t.Helper()
	tn := &testNet{t: t, clock: clk}
	for i := 0; i < n; i++ {
		tn.add(fmt.Sprintf("n%d", i), nil)
	}
	return tn
}

func testLogger(name string) *logging.Logger {
	if os.Getenv("YGG_TEST_LOG") != "" {
		return logging.New(&prefixWriter{prefix: name + " "}, logging.LevelDebug)
	}
	return logging.Discard()
}

type prefixWriter struct{ prefix string }

func (p *prefixWriter) Write(b []byte) (int, error) {
	os.Stderr.Write(append([]byte(p.prefix), b...))
	return len(b), nil
}

// add starts a node with cfg (nil: no listeners, no peers).
func (tn *testNet) add(name string, cfg *config.NodeConfig) *testNode {
	tn.t.Helper()
	if cfg == nil {
		cfg = config.Generate()
		cfg.MulticastInterfaces = nil
	}
	c := New(NewIdentity(), Options{Clock: tn.clock, Logger: testLogger(name)})
	if err := c.Start(cfg); err != nil {
		tn.t.Fatalf("start %s: %v", name, err)
	}
	n := &testNode{Core: c, name: name}
	tn.nodes = append(tn.nodes, n)
	tn.t.Cleanup(c.Stop)
	return n
}

// pipe joins a and b with an in-memory stream.
func (tn *testNet) pipe(a, b *testNode) {
	tn.pipes++
	ca, cb := net.Pipe()
	id := fmt.Sprintf("mem%d", tn.pipes)
	a.Connect(ca, transport.LinkInfo{Proto: "tcp", Local: id + "a", Remote: id + "b", Name: "tcp://" + id + "b:1"})
	b.Connect(cb, transport.LinkInfo{Proto: "tcp", Local: id + "b", Remote: id + "a", Name: "tcp://" + id + "a:1", Inbound: true})
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	var err error
	for time.Now().Before(deadline) {
		if err = cond(); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s: %v", what, err)
}

// bestRoot is the highest TreeID among the nodes.
func bestRoot(nodes []*testNode) crypto.SigPubKey {
	best := nodes[0].SigPub()
	for _, n := range nodes[1:] {
		k := n.SigPub()
		if k.Better(&best) {
			best = k
		}
	}
	return best
}

// treeConsistent checks that every node has root `root`, that the root has
// coords [], and that every other node's coords are its parent's coords
// plus the parent's port toward it.
func treeConsistent(nodes []*testNode, root crypto.SigPubKey) error {
	byKey := map[crypto.BoxPubKey]*testNode{}
	selves := map[*testNode]SelfInfo{}
	peers := map[*testNode][]PeerInfo{}
	for _, n := range nodes {
		byKey[n.BoxPub()] = n
		selves[n] = n.Self()
		peers[n] = n.Peers()
	}
	for _, n := range nodes {
		s := selves[n]
		if s.Root != root {
			return fmt.Errorf("%s has root %s, want %s", n.name, s.Root, root)
		}
		if n.SigPub() == root {
			if len(s.Coords) != 0 {
				return fmt.Errorf("root %s has coords %v", n.name, s.Coords)
			}
			continue
		}
		if s.Parent == 0 || len(s.Coords) == 0 {
			return fmt.Errorf("%s has no parent (coords %v)", n.name, s.Coords)
		}
		var parent *testNode
		for _, p := range peers[n] {
			if p.Port == s.Parent {
				parent = byKey[p.BoxPub]
			}
		}
		if parent == nil {
			return fmt.Errorf("%s: parent port %d is not a peer", n.name, s.Parent)
		}
		ps := selves[parent]
		if !ps.Coords.Equal(s.Coords[:len(s.Coords)-1]) {
			return fmt.Errorf("%s coords %v but parent %s has %v", n.name, s.Coords, parent.name, ps.Coords)
		}
		last := s.Coords[len(s.Coords)-1]
		found := false
		for _, p := range peers[parent] {
			if p.Port == last && p.BoxPub == n.BoxPub() {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("%s coords end in %d, which is not %s's port toward it", n.name, last, parent.name)
		}
	}
	return nil
}

// peersInTable counts n's peers that the switch routes through.
func peersInTable(n *testNode) int {
	c := 0
	for _, p := range n.Peers() {
		if p.InTable {
			c++
		}
	}
	return c
}

func names(nodes []*testNode) string {
	var s []string
	for _, n := range nodes {
		s = append(s, n.name)
	}
	sort.Strings(s)
	return fmt.Sprint(s)
}

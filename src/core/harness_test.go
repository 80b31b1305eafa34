package core

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/actor"
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

// testNet is a set of nodes in one process, optionally on a shared virtual
// clock, or all on one deterministic executor (newExecNet).
type testNet struct {
	t     testing.TB
	nodes []*testNode
	clock clock.Clock
	pipes int

	// Executor mode: nodes run on ex, keys and handles come from rng, and
	// pipe joins nodes with frame pipes of latency and bandwidth (bits per
	// second, 0: unlimited).
	ex        *actor.Executor
	rng       *rand.ChaCha8
	latency   time.Duration
	bandwidth float64
	frames    []*FramePipe
}

// newExecNet makes n nodes on one executor, with keys drawn from seed: the
// same seed gives the same run.
func newExecNet(t testing.TB, n int, seed uint64) *testNet {
	t.Helper()
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	ex := actor.NewExecutor(time.Unix(1_700_000_000, 0))
	tn := &testNet{t: t, clock: ex, ex: ex, rng: rand.NewChaCha8(s), latency: 5 * time.Millisecond}
	for i := 0; i < n; i++ {
		tn.add(fmt.Sprintf("n%d", i), nil)
	}
	return tn
}

// await runs the executor until cond holds, or polls for it on the wall
// clock when the net is not on an executor; d bounds either time.
func (tn *testNet) await(d time.Duration, what string, cond func() error) {
	tn.t.Helper()
	if tn.ex == nil {
		waitFor(tn.t.(*testing.T), d, what, cond)
		return
	}
	var err error
	if !tn.ex.RunUntil(d, func() bool { err = cond(); return err == nil }) {
		tn.t.Fatalf("no %s within %v of virtual time: %v", what, d, err)
	}
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
	id, opts := NewIdentity(), Options{Clock: tn.clock, Logger: testLogger(name)}
	if tn.ex != nil {
		id = identityFrom(tn.rng)
		opts = Options{Executor: tn.ex, Rand: tn.rng, Logger: testLogger(name)}
	}
	c := New(id, opts)
	if err := c.Start(cfg); err != nil {
		tn.t.Fatalf("start %s: %v", name, err)
	}
	n := &testNode{Core: c, name: name}
	tn.nodes = append(tn.nodes, n)
	tn.t.Cleanup(c.Stop)
	return n
}

// pipe joins a and b with an in-memory stream, or a frame pipe on an
// executor.
func (tn *testNet) pipe(a, b *testNode) {
	tn.pipes++
	id := fmt.Sprintf("mem%d", tn.pipes)
	if tn.ex != nil {
		tn.frames = append(tn.frames, NewFramePipe(a.Core, b.Core, tn.latency, tn.bandwidth,
			transport.LinkInfo{Proto: "tcp", Local: id + "a", Remote: id + "b", Name: "tcp://" + id + "b:1"},
			transport.LinkInfo{Proto: "tcp", Local: id + "b", Remote: id + "a", Name: "tcp://" + id + "a:1", Inbound: true}))
		return
	}
	ca, cb := net.Pipe()
	a.Connect(ca, transport.LinkInfo{Proto: "tcp", Local: id + "a", Remote: id + "b", Name: "tcp://" + id + "b:1"})
	b.Connect(cb, transport.LinkInfo{Proto: "tcp", Local: id + "b", Remote: id + "a", Name: "tcp://" + id + "a:1", Inbound: true})
}

// identityFrom draws node keys from r.
func identityFrom(r io.Reader) Identity {
	var id Identity
	id.BoxPub, id.BoxPriv = crypto.NewBoxKeysFrom(r)
	id.SigPub, id.SigPriv = crypto.NewSigKeysFrom(r)
	return id
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

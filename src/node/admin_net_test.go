package node

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/crypto"
)

// testNet is the line A = B - C most tests share. A listens on TCP and
// TLS and B calls both, so A and B have two links between them, as in the
// spec's captures; C calls B. A has a session open to C.
type testNet struct {
	a, b, c *testNode
	toC     core.Session // A's session with C
}

var shared struct {
	once sync.Once
	net  *testNet
	err  error
}

// sharedNet starts the shared network on first use; TestMain stops it.
func sharedNet(t *testing.T) *testNet {
	t.Helper()
	shared.once.Do(func() { shared.net, shared.err = buildNet() })
	if shared.err != nil {
		t.Fatalf("building the test network: %v", shared.err)
	}
	return shared.net
}

func stopSharedNet() {
	if n := shared.net; n != nil {
		for _, tn := range []*testNode{n.a, n.b, n.c} {
			tn.stop()
		}
	}
}

func buildNet() (_ *testNet, err error) {
	tn := &testNet{}
	defer func() {
		if err != nil {
			for _, n := range []*testNode{tn.a, tn.b, tn.c} {
				if n != nil {
					n.stop()
				}
			}
		}
	}()
	info := func(name string) func(*config.NodeConfig) {
		return func(cfg *config.NodeConfig) {
			cfg.NodeInfo = map[string]any{"name": name, "location": "lab"}
		}
	}
	if tn.a, err = newNode("A", func(cfg *config.NodeConfig) {
		info("node-a")(cfg)
		cfg.Listen = []string{"tcp://127.0.0.1:0", "tls://127.0.0.1:0"}
	}); err != nil {
		return nil, err
	}
	var tcpA, tlsA string
	for uri, addr := range tn.a.Core.ListenerAddrs() {
		if strings.HasPrefix(uri, "tcp") {
			tcpA = "tcp://" + addr.String()
		} else {
			tlsA = "tls://" + addr.String()
		}
	}
	if tn.b, err = newNode("B", func(cfg *config.NodeConfig) {
		info("node-b")(cfg)
		cfg.Peers = []string{tcpA, tlsA}
	}); err != nil {
		return nil, err
	}
	var tcpB string
	for _, addr := range tn.b.Core.ListenerAddrs() {
		tcpB = "tcp://" + addr.String()
	}
	if tn.c, err = newNode("C", func(cfg *config.NodeConfig) {
		info("node-c")(cfg)
		cfg.Peers = []string{tcpB}
	}); err != nil {
		return nil, err
	}
	if err := poll(15*time.Second, "the tree and the DHT to settle", tn.settled); err != nil {
		return nil, err
	}
	// A search can still hit a dead end while the DHT fills in; retry
	// as a user would.
	deadline := time.Now().Add(15 * time.Second)
	for tn.toC, err = dial(tn.a, tn.c); err != nil; tn.toC, err = dial(tn.a, tn.c) {
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(200 * time.Millisecond)
	}
	tn.toC.Send(nil, []byte("hello C"), 0)
	if err := poll(10*time.Second, "C to receive A's message", func() bool { return tn.c.recv.received() > 0 }); err != nil {
		return nil, err
	}
	return tn, nil
}

// settled holds once every link is in every switch table, the three nodes
// agree on the root, and A's and C's DHTs know somebody and B's both.
func (tn *testNet) settled() bool {
	wantPeers := map[*testNode]int{tn.a: 2, tn.b: 3, tn.c: 1}
	root := tn.a.Core.Self().Root
	for n, want := range wantPeers {
		peers := n.Core.Peers()
		if len(peers) != want || n.Core.Self().Root != root {
			return false
		}
		for _, p := range peers {
			if !p.InTable {
				return false
			}
		}
	}
	return len(tn.a.Core.DHT()) > 0 && len(tn.c.Core.DHT()) > 0 && len(tn.b.Core.DHT()) >= 2
}

// dial opens a session from one node to another.
func dial(from, to *testNode) (core.Session, error) {
	var mask crypto.NodeID
	for i := range mask {
		mask[i] = 0xff
	}
	type result struct {
		s   core.Session
		err error
	}
	done := make(chan result, 1)
	from.Core.Dial(to.Core.NodeID(), mask, func(s core.Session, err error) { done <- result{s, err} })
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("dialling %s from %s: %w", to.name, from.name, r.err)
		}
		return r.s, nil
	case <-time.After(15 * time.Second):
		return nil, errors.New("dial did not finish")
	}
}

func poll(d time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

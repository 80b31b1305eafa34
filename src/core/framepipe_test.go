package core

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/transport"
	"github.com/yggmesh/ygg/src/tree"
)

// The tree forms over frame pipes on the executor, in virtual time, with
// no sleeps and no polling: one root, and every node's coords its parent's
// plus the parent's port toward it.
func TestExecTreeAgreement(t *testing.T) {
	cases := []struct {
		name  string
		n     int
		edges [][2]int
	}{
		{"2 nodes", 2, line(2)},
		{"3-node line", 3, line(3)},
		{"3-node ring", 3, ring(3)},
		{"10 nodes random", 10, randomConnected(10, 5, rand.New(rand.NewPCG(1, 2)))},
		{"30 nodes random", 30, randomConnected(30, 15, rand.New(rand.NewPCG(1, 2)))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tn := newExecNet(t, c.n, 1)
			connectGraph(tn, c.edges)
			root := bestRoot(tn.nodes)
			tn.await(10*time.Second, "one consistent tree", func() error {
				if err := treeConsistent(tn.nodes, root); err != nil {
					return fmt.Errorf("%v\n%s", err, dumpNet(tn.nodes))
				}
				return nil
			})
			t.Logf("converged at %v of virtual time, %d events", tn.ex.Now().Sub(time.Unix(1_700_000_000, 0)), tn.ex.Events())
			// It stays put through three root refreshes and past the root
			// timeout: nothing times out while the root is reachable.
			var coords []string
			for _, n := range tn.nodes {
				coords = append(coords, fmt.Sprint(n.Self().Coords))
			}
			tn.ex.Advance(tree.RootTimeout + tree.RefreshInterval)
			for i, n := range tn.nodes {
				if now := fmt.Sprint(n.Self().Coords); now != coords[i] {
					t.Errorf("%s moved from %s to %s", n.name, coords[i], now)
				}
			}
			if err := treeConsistent(tn.nodes, root); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// execTrace runs 12 nodes for a minute of virtual time and records what
// an observer sees: coords, DHT sizes, bytes carried, events run.
func execTrace(t *testing.T, seed uint64) []string {
	tn := newExecNet(t, 12, seed)
	connectGraph(tn, randomConnected(12, 6, rand.New(rand.NewPCG(seed, 3))))
	tn.ex.Advance(time.Minute)
	var out []string
	for _, n := range tn.nodes {
		s := n.Self()
		out = append(out, fmt.Sprintf("%s coords %v dht %d", n.name, s.Coords, len(n.DHT())))
	}
	for i, p := range tn.frames {
		ab, ba := p.Stats()
		out = append(out, fmt.Sprintf("pipe %d: %+v %+v", i, ab, ba))
	}
	return append(out, fmt.Sprintf("events %d", tn.ex.Events()))
}

// The same seed gives the same run, to the byte and the event; another
// seed gives another.
func TestExecRunsReplay(t *testing.T) {
	first := execTrace(t, 7)
	for range 3 {
		if again := execTrace(t, 7); !slices.Equal(first, again) {
			for i := range first {
				if first[i] != again[i] {
					t.Fatalf("runs differ at %d:\n%s\n%s", i, first[i], again[i])
				}
			}
			t.Fatalf("runs differ")
		}
	}
	if other := execTrace(t, 8); slices.Equal(first, other) {
		t.Fatal("another seed gave the same run")
	}
}

// A connection whose other side never sends its metadata is closed after
// 30 s of the node's clock (it was a socket deadline on the wall clock).
func TestMetadataTimeoutOnClock(t *testing.T) {
	tn := newExecNet(t, 1, 1)
	a := tn.nodes[0]
	end := &pipeEnd{core: a.Core}
	silent := &pipeEnd{core: a.Core, closed: true} // receives nothing, sends nothing
	end.pipe, silent.pipe = &FramePipe{latency: time.Millisecond}, end.pipe
	end.other, silent.other = silent, end
	a.bind(&end.Inbox)
	a.bind(&silent.Inbox)
	a.links.Act(nil, func() {
		a.links._newLinkIO(end, transport.LinkInfo{Proto: "tcp", Name: "tcp://silent:1"}, nil, "", nil)
	})
	tn.ex.Advance(metadataTimeout - time.Second)
	if st := a.LinkStats(); st.Handshaking != 1 {
		t.Fatalf("before the timeout: %+v", st)
	}
	tn.ex.Advance(2 * time.Second)
	if st := a.LinkStats(); st.Handshaking != 0 || st.Up != 0 {
		t.Fatalf("after the timeout: %+v", st)
	}
}

// A peer that goes silent (its frames are lost, the connection stays) is
// dropped after 120 s with nothing received, by the clock.
func TestIdleTimeoutOnClock(t *testing.T) {
	tn := newExecNet(t, 2, 1)
	a, b := tn.nodes[0], tn.nodes[1]
	tn.pipe(a, b)
	tn.await(10*time.Second, "the link", func() error {
		if len(a.Peers()) != 1 {
			return fmt.Errorf("%d peers", len(a.Peers()))
		}
		return nil
	})
	bEnd := tn.frames[0].ends[1]
	actor.Block(bEnd, func() { bEnd.mute = true })
	start := tn.ex.Now()
	tn.await(3*time.Minute, "a dropping the silent peer", func() error {
		if len(a.Peers()) != 0 {
			return fmt.Errorf("%d peers", len(a.Peers()))
		}
		return nil
	})
	if took := tn.ex.Now().Sub(start); took < closeTime || took > closeTime+idleCheck+time.Second {
		t.Fatalf("dropped after %v, want %v to %v", took, closeTime, closeTime+idleCheck)
	}
}

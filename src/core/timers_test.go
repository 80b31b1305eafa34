package core

import (
	"fmt"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/clock"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/wire"
)

// runClock advances a virtual clock 20 times faster than real time until
// the test ends.
func runClock(t testing.TB) *clock.Virtual {
	v := clock.NewVirtual(time.Now())
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				v.Advance(100 * time.Millisecond)
			}
		}
	}()
	return v
}

// readFrame reads the node's next frame from a raw peer within d.
func (p *rawPeer) readFrame(d time.Duration) ([]byte, error) {
	_ = p.conn.SetReadDeadline(time.Now().Add(d))
	return wire.NewFrameReader(p.br).Next(nil)
}

// A received frame is answered by some frame within about 2 s; with
// nothing else to send, that is a keepalive (spec 01 §4.11).
// The real clock is used here: on a fast virtual one the node's 30 s root
// refresh would send a switch message inside the 2 s window, and any write
// rightly cancels the keepalive.
func TestKeepaliveAfterReceivedFrame(t *testing.T) {
	tn := newTestNet(t, 0, nil)
	cfg := config.Generate()
	cfg.MulticastInterfaces = nil
	cfg.Listen = []string{"tcp://127.0.0.1:0"}
	a := tn.add("a", cfg)
	p := dialRaw(t, a.ListenerAddrs()["tcp://127.0.0.1:0"].String())
	// The node's first frame is its switch message.
	if msg, err := p.readFrame(5 * time.Second); err != nil || len(msg) == 0 {
		t.Fatalf("first frame: %v (%d bytes)", err, len(msg))
	}
	p.send(wire.AppendFrame(nil, []byte{0x7f, 1, 2, 3})) // an ignored, non-empty frame
	start := time.Now()
	deadline := start.Add(5 * time.Second)
	for {
		msg, err := p.readFrame(time.Until(deadline))
		if err != nil {
			t.Fatalf("no keepalive after our frame: %v", err)
		}
		if len(msg) == 0 {
			if d := time.Since(start); d < time.Second {
				t.Fatalf("keepalive after %v, want about 2 s", d)
			}
			return
		}
	}
}

// joinTree answers the node's first switch message the way a child would:
// the same message with our hop back to the node appended. Its root is
// the node itself, so it passes the root check whatever our key is, and
// the node routes to us.
func (p *rawPeer) joinTree(t *testing.T) {
	t.Helper()
	for {
		msg, err := p.readFrame(5 * time.Second)
		if err != nil {
			t.Fatalf("waiting for the node's switch message: %v", err)
		}
		inner, err := wire.OpenLinkMessage(&p.shared, &p.linkShar, msg)
		if err != nil {
			continue
		}
		var sm wire.SwitchMsg
		if err := sm.Decode(inner); err != nil {
			t.Fatal(err)
		}
		sm.AddHop(1, &p.remote.Sig, &p.id.SigPriv)
		p.sendSwitchMsg(&sm)
		return
	}
}

// A peer that stops sending after we wrote to it is blocked in the switch
// after 6 s; its next frame unblocks it.
func TestStalledPeerBlocked(t *testing.T) {
	tn := newTestNet(t, 0, runClock(t))
	cfg := config.Generate()
	cfg.MulticastInterfaces = nil
	cfg.Listen = []string{"tcp://127.0.0.1:0"}
	a := tn.add("a", cfg)
	p := dialRaw(t, a.ListenerAddrs()["tcp://127.0.0.1:0"].String())
	p.joinTree(t)
	// Drain what the node sends, so its writes complete.
	go func() {
		fr := wire.NewFrameReader(p.br)
		for {
			if _, err := fr.Next(nil); err != nil {
				return
			}
		}
	}()
	inTable := func(want bool) func() error {
		return func() error {
			for _, info := range a.Peers() {
				if info.BoxPub == p.id.BoxPub && info.InTable == want {
					return nil
				}
			}
			return fmt.Errorf("raw peer not listed with InTable=%v: %+v", want, a.Peers())
		}
	}
	waitFor(t, 5*time.Second, "raw peer in the table", inTable(true))
	// Silence: the node's keepalive (a write) arms the stall timer.
	waitFor(t, 10*time.Second, "raw peer blocked", inTable(false))
	p.send(wire.Keepalive)
	waitFor(t, 5*time.Second, "raw peer unblocked", inTable(true))
}

// Two idle peers keep each other in the switch table: keepalives answer
// messages, and an empty keepalive must not arm the stall timer, since
// nothing answers an empty frame.
func TestQuietLinkStaysInTable(t *testing.T) {
	vclock := runClock(t)
	tn := newTestNet(t, 2, vclock)
	tn.pipe(tn.nodes[0], tn.nodes[1])
	root := bestRoot(tn.nodes)
	waitFor(t, 10*time.Second, "tree", func() error { return treeConsistent(tn.nodes, root) })
	// A blocked write (any write over 1 s, control writes too) may take a
	// peer out of the table for a moment: on this 20x clock a 50 ms pause
	// of the test machine is such a write. What must not happen is the
	// stall timer armed by a keepalive, which keeps the peer out until the
	// next non-empty frame, tens of seconds on an idle link.
	start := vclock.Now()
	out := map[*testNode]time.Time{}
	for vclock.Now().Sub(start) < 90*time.Second {
		now := vclock.Now()
		for _, n := range tn.nodes {
			switch since, wasOut := out[n]; {
			case peersInTable(n) == 1:
				delete(out, n)
			case !wasOut:
				out[n] = now
			case now.Sub(since) > 3*time.Second:
				t.Fatalf("%s dropped its idle peer from the table for over 3 s, at %v", n.name, since.Sub(start))
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

package core

import (
	"fmt"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/bufpool"
	"github.com/yggmesh/ygg/src/wire"
)

// pairInTable is two nodes on a frame pipe, each with the other in its
// switch table.
func pairInTable(t *testing.T) (tn *testNet, a, b *testNode) {
	tn = newExecNet(t, 2, 1)
	a, b = tn.nodes[0], tn.nodes[1]
	tn.pipe(a, b)
	tn.await(time.Second, "tree", func() error {
		if peersInTable(a) != 1 || peersInTable(b) != 1 {
			return fmt.Errorf("peers in table: %d %d", peersInTable(a), peersInTable(b))
		}
		return treeConsistent(tn.nodes, bestRoot(tn.nodes))
	})
	return tn, a, b
}

// quietPair is pairInTable run on to a quiet moment: no frame in flight,
// no control write out and no keepalive or stall timer armed on either
// side. Early on the DHT's pings (1 s, 2 s, 3 s, 5 s, ... apart) and the
// root's refresh every 30 s keep the link busy; with seed 1 the first
// quiet moment after 35 s is 35.015 s in, and nothing is sent until 48 s,
// long enough for the keepalive and stall timers to show alone.
func quietPair(t *testing.T) (tn *testNet, a, b *testNode, pa, pb *peer) {
	tn, a, b = pairInTable(t)
	ends := tn.frames[0].ends
	actor.Block(ends[0], func() { pa = ends[0].peer })
	actor.Block(ends[1], func() { pb = ends[1].peer })
	tn.ex.Advance(35 * time.Second)
	tn.await(time.Minute, "a quiet link", func() error {
		for _, e := range ends {
			var last time.Time
			actor.Block(e, func() { last = e.txFree })
			if !tn.ex.Now().After(last.Add(tn.latency)) {
				return fmt.Errorf("a frame in flight")
			}
		}
		for _, p := range []*peer{pa, pb} {
			var busy bool
			actor.Block(p, func() { busy = p.controlBusy || p.keepalive.armed() || p.stall.armed() })
			if busy {
				return fmt.Errorf("port %d is busy", p.port)
			}
		}
		return nil
	})
	return tn, a, b, pa, pb
}

// sendIgnored sends a non-empty frame of an unknown type from e to the
// other end's node, which ignores it but answers it as any frame.
func sendIgnored(e *pipeEnd) {
	actor.Block(e, func() {
		msg := append(bufpool.Get(4)[:0], 0x7f, 1, 2, 3)
		e._transmit([][]byte{msg}, func(msgs [][]byte) { e.other._arrive(msgs) })
	})
}

// A received frame is answered by a keepalive exactly keepaliveTime later
// when nothing else is written meanwhile (spec 01 §4.11), and a keepalive
// is not answered.
func TestKeepaliveAfterReceivedFrame(t *testing.T) {
	tn, _, _, _, pb := quietPair(t)
	pipe := tn.frames[0]
	bEnd := pipe.ends[1]
	sent := tn.ex.Now()
	sendIgnored(bEnd)
	before, _ := pipe.Stats()
	var after PipeStats
	tn.await(2*keepaliveTime, "a's answer", func() error {
		if after, _ = pipe.Stats(); after.Frames == before.Frames {
			return fmt.Errorf("nothing sent")
		}
		return nil
	})
	if took, want := tn.ex.Now().Sub(sent), pipe.latency+keepaliveTime; took != want {
		t.Fatalf("answered after %v, want %v", took, want)
	}
	if keepalive := wire.FrameHeaderLen(0); after.Frames != before.Frames+1 || after.Bytes != before.Bytes+uint64(keepalive) {
		t.Fatalf("answered with %d frames of %d bytes, want one keepalive of %d", after.Frames-before.Frames, after.Bytes-before.Bytes, keepalive)
	}
	// b's node does not answer the empty frame: it arms no keepalive.
	tn.ex.Advance(pipe.latency)
	var armed bool
	actor.Block(pb, func() { armed = pb.keepalive.armed() })
	if armed {
		t.Fatal("the keepalive armed a keepalive in answer")
	}
}

// A peer that stops sending after we wrote a message to it is blocked in
// the switch exactly stallTime after the write; its next frame, even a
// keepalive, unblocks it once it arrives.
func TestStalledPeerBlocked(t *testing.T) {
	tn, a, _, pa, pb := quietPair(t)
	inTable := func(want bool) func() error {
		return func() error {
			if got := peersInTable(a) == 1; got != want {
				return fmt.Errorf("b in a's table: %v", got)
			}
			return nil
		}
	}
	if err := inTable(true)(); err != nil {
		t.Fatal(err)
	}
	bEnd := tn.frames[0].ends[1]
	actor.Block(bEnd, func() { bEnd.mute = true }) // b's frames are lost from now on
	var base *wire.SwitchMsg
	actor.Block(a.sw, func() { base, _ = a.sw.tree.BaseMessage() })
	wrote := tn.ex.Now()
	actor.Block(pa, func() { pa._sendSwitchMsg(base) })
	tn.await(2*stallTime, "b blocked", inTable(false))
	if took := tn.ex.Now().Sub(wrote); took != stallTime {
		t.Fatalf("blocked after %v, want %v", took, stallTime)
	}
	actor.Block(bEnd, func() { bEnd.mute = false })
	sent := tn.ex.Now()
	actor.Block(pb, pb._sendKeepalive)
	tn.await(time.Second, "b unblocked", inTable(true))
	if took, want := tn.ex.Now().Sub(sent), tn.latency; took != want {
		t.Fatalf("unblocked after %v, want %v", took, want)
	}
}

// Two idle peers keep each other in the switch table. A message is
// answered with a keepalive, and that keepalive must not arm the stall
// timer: nothing answers an empty frame, so every link quiet for 6 s
// after one would be blocked. Here a sends b a message in a quiet moment,
// b answers with a keepalive, and a sends nothing for the next 10 s. No
// write blocks on a frame pipe, so neither node may take its peer out of
// the table even for a moment: this is checked after every event for
// 90 s, three root refreshes.
func TestQuietLinkStaysInTable(t *testing.T) {
	tn, _, _, _, _ := quietPair(t)
	sendIgnored(tn.frames[0].ends[0])
	start := tn.ex.Now()
	var out error
	tn.ex.RunUntil(90*time.Second, func() bool {
		for _, n := range tn.nodes {
			if peersInTable(n) != 1 {
				out = fmt.Errorf("%s took its idle peer out of the table at %v", n.name, tn.ex.Now().Sub(start))
			}
		}
		return out != nil
	})
	if out != nil {
		t.Fatal(out)
	}
}

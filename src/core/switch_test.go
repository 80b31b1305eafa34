package core

import (
	"testing"

	"github.com/Arceliar/phony"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// trafficPacket is a type-0 packet to our own coords with a flow key.
func trafficPacket(flow uint64, size int) []byte {
	var h crypto.Handle
	var n crypto.BoxNonce
	var k crypto.BoxSharedKey
	return wire.SealTraffic(nil, wire.Coords{}, flow, &h, &k, &n, make([]byte, size))
}

// Bulk data queued on all ports stays under MaxTotalQueueSize, and the
// heaviest flow loses packets while a light one keeps its own.
func TestSwitchQueueBound(t *testing.T) {
	c := New(NewIdentity(), Options{})
	sw := c.sw
	phony.Block(sw, func() {
		sw._setMaxQueued(64 << 10)
		sw._publishTable()
	})
	// Hold the router, so port 0 (our coords) cannot drain: two batches go
	// out (the light flow's first packet, then one heavy packet) and the
	// rest waits in the queue.
	release, held := make(chan struct{}), make(chan struct{})
	go phony.Block(c.router, func() {
		close(held)
		<-release
	})
	<-held
	defer close(release)

	phony.Block(sw, func() {
		sw._forward(trafficPacket(1, 1000)) // light flow
		for i := 0; i < 200; i++ {
			sw._forward(trafficPacket(2, 1000)) // heavy flow
		}
		sw._forward(trafficPacket(1, 1000))
	})
	var queued, bulk int
	var dropped uint64
	phony.Block(sw, func() {
		queued = sw.queued
		q := sw.ports[0].queue
		bulk, dropped = q.BulkBytes(), q.Stats().DroppedPkts
	})
	if queued > 64<<10 || queued != bulk {
		t.Fatalf("queued %d (port holds %d), bound %d", queued, bulk, 64<<10)
	}
	if dropped == 0 {
		t.Fatal("nothing dropped over the bound")
	}
	// The light flow's second packet is still queued: only the heavy
	// flow paid for the congestion.
	light := 0
	phony.Block(sw, func() {
		q := sw.ports[0].queue
		for {
			p, ok := q.Pop()
			if !ok {
				break
			}
			raw, _ := wire.PacketCoords(p)
			if _, flow, _ := wire.SplitFlowKey(raw); flow == 1 {
				light++
			}
		}
	})
	if light != 1 {
		t.Fatalf("%d packets of the light flow queued, want 1", light)
	}
}

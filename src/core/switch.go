package core

// The switch forwards every type-0/1 packet by its destination coords and
// keeps the spanning tree. It owns:
//
//   - the tree state (src/tree) and its immutable lookup table;
//   - one queue per port (src/queue), port 0 being our own router.
//
// A packet from a peer is forwarded only while that peer is in the lookup
// table (same root, not blocked). The chosen port's queue takes it; each
// port has at most maxInflight batches handed to its writer (or to the
// router, for port 0), and the next batch goes when one is done. The switch
// never waits on a port.
//
// Bulk data queued on all ports together is bounded by
// SwitchOptions.MaxTotalQueueSize (default 4 MiB; v0.3.16 reads the option
// but never uses it). Over the bound, the oldest packet of the heaviest
// stream on the port holding the most bulk bytes is dropped, so a slow peer
// or a greedy flow pays for congestion, not the others. Control packets
// have their own small bound per port (src/queue).

import (
	"github.com/Arceliar/phony"

	"github.com/yggmesh/ygg/src/bufpool"
	"github.com/yggmesh/ygg/src/clock"
	"github.com/yggmesh/ygg/src/queue"
	"github.com/yggmesh/ygg/src/tree"
	"github.com/yggmesh/ygg/src/wire"
)

const (
	// maxInflight batches per port: one being written, one ready behind it.
	maxInflight = 2
	// batchBytes bounds a batch so control packets that arrive meanwhile
	// wait behind at most this much bulk data.
	batchBytes = 64 << 10
)

// switchActor owns the tree and the port queues; see the file comment.
type switchActor struct {
	phony.Inbox
	core   *Core
	tree   *tree.Tree
	table  *tree.Table
	ports  map[uint64]*switchPort
	byPeer map[*peer]uint64
	// queued is the bulk bytes waiting on all ports; maxQueued bounds it.
	queued    int
	maxQueued int
	ticker    clock.Timer
	stopped   bool
}

// switchPort is one port's queue and its sink.
type switchPort struct {
	peer     *peer // nil for port 0
	queue    *queue.Queue
	inflight int
	dropped  uint64 // packets that found no port or whose port was gone
}

func newSwitch(c *Core) *switchActor {
	sw := &switchActor{core: c, ports: make(map[uint64]*switchPort), byPeer: make(map[*peer]uint64),
		maxQueued: defaultMaxQueued}
	sw.tree = tree.New(c.id.SigPub, c.clock.Now())
	sw.table = sw.tree.Table()
	sw.ports[0] = &switchPort{queue: sw._newQueue()}
	return sw
}

// defaultMaxQueued is the default of SwitchOptions.MaxTotalQueueSize.
const defaultMaxQueued = 4 << 20

// _newQueue makes a port queue; the switch-wide bound is the one that bites.
func (sw *switchActor) _newQueue() *queue.Queue { return queue.New(sw.maxQueued, 0) }

// _setMaxQueued changes the bound on bulk bytes queued on all ports.
func (sw *switchActor) _setMaxQueued(n int) {
	if n <= 0 {
		n = defaultMaxQueued
	}
	sw.maxQueued = n
	sw._enforceBound()
}

func (sw *switchActor) _start() {
	sw._publishTable()
	sw._scheduleMaintenance()
}

func (sw *switchActor) _stop() {
	sw.stopped = true
	if sw.ticker != nil {
		sw.ticker.Stop()
	}
}

func (sw *switchActor) _scheduleMaintenance() {
	sw.ticker = sw.core.clock.AfterFunc(tree.MaintainInterval, func() {
		sw.Act(nil, sw._maintain)
	})
}

func (sw *switchActor) _maintain() {
	if sw.stopped {
		return
	}
	sw._apply(sw.tree.Maintain(sw.core.clock.Now()))
	sw._scheduleMaintenance()
}

// _addPeer gives a new peer the lowest free port and its first switch message.
func (sw *switchActor) _addPeer(p *peer) {
	port := uint64(1)
	for sw.ports[port] != nil {
		port++
	}
	sw.ports[port] = &switchPort{peer: p, queue: sw._newQueue()}
	sw.byPeer[p] = port
	r, key := sw.core.router, p.box
	r.Act(sw, func() { r._peerLinked(key) })
	base, ok := sw.tree.BaseMessage()
	if !ok {
		base = nil
	}
	p.Act(sw, func() { p._start(port, base) })
}

// _removePeer forgets a peer's port and what was queued for it.
func (sw *switchActor) _removePeer(p *peer) {
	port, ok := sw._portOf(p)
	if !ok {
		return
	}
	sw.queued -= sw.ports[port].queue.BulkBytes()
	delete(sw.ports, port)
	delete(sw.byPeer, p)
	r, key := sw.core.router, p.box
	r.Act(sw, func() { r._peerUnlinked(key) })
	sw._apply(sw.tree.RemovePeer(port, sw.core.clock.Now()))
}

// _portOf finds p's port; false once p has been removed (its port may
// already belong to a newer peer, so stale messages must not use it).
func (sw *switchActor) _portOf(p *peer) (uint64, bool) {
	port, ok := sw.byPeer[p]
	return port, ok
}

// _handleMsg applies a verified switch message from p (spec 01 §6.5–6.6)
// and, when accepted, refreshes p's entry in the DHT (§5.4).
func (sw *switchActor) _handleMsg(p *peer, msg *wire.SwitchMsg) {
	port, ok := sw._portOf(p)
	if !ok {
		return
	}
	if !sw.tree.RootCheck(msg) {
		return
	}
	sw._apply(sw.tree.Handle(port, msg, sw.core.clock.Now()))
	if coords, ok := sw.tree.PeerCoords(port); ok && msg.Root == sw.tree.Root() {
		r, key := sw.core.router, p.box
		r.Act(sw, func() { r._peerSeen(key, coords) })
	}
}

func (sw *switchActor) _setBlocked(p *peer, blocked bool) {
	if port, ok := sw._portOf(p); ok {
		sw._apply(sw.tree.SetBlocked(port, blocked, sw.core.clock.Now()))
	}
}

// _apply tells the rest of the node what a tree change means.
func (sw *switchActor) _apply(c tree.Changes) {
	if c.Table {
		sw.table = sw.tree.Table()
		sw._publishTable()
	}
	if c.Reset {
		r := sw.core.router
		r.Act(sw, r._reset)
	}
	if c.SendAll {
		base, ok := sw.tree.BaseMessage()
		if !ok {
			return
		}
		for _, sp := range sw.ports {
			if p := sp.peer; p != nil {
				p.Act(sw, func() { p._sendSwitchMsg(base) })
			}
		}
	}
}

func (sw *switchActor) _publishTable() {
	sw.core.table.Store(sw.table)
	r, table := sw.core.router, sw.table
	r.Act(sw, func() { r._setTable(table) })
}

// _forwardFrom forwards a packet that arrived from peer p.
func (sw *switchActor) _forwardFrom(p *peer, packet []byte) {
	if port, ok := sw._portOf(p); ok && sw.table.Has(port) {
		sw._forward(packet)
		return
	}
	bufpool.Put(packet)
}

// _forward queues a packet for the port its coords lead to. Packets from the
// router (port 0) come here directly.
func (sw *switchActor) _forward(packet []byte) {
	raw, ok := wire.PacketCoords(packet)
	if !ok {
		// v0.3.16 forwards a packet with malformed coords toward the root;
		// nobody can receive it, so it is dropped here.
		sw.ports[0].dropped++
		bufpool.Put(packet)
		return
	}
	port := sw.table.Lookup(raw)
	sp := sw.ports[port]
	if sp == nil {
		sw.ports[0].dropped++
		bufpool.Put(packet)
		return
	}
	if packet[0] == wire.TypeProtocolTraffic {
		sp.queue.PushControl(packet)
	} else {
		before := sp.queue.BulkBytes()
		sp.queue.PushBulk(raw, packet)
		sw.queued += sp.queue.BulkBytes() - before
		sw._enforceBound()
	}
	sw._drain(port, sp)
}

// _enforceBound drops bulk packets while more than maxQueued bytes wait:
// always from the port holding the most, which drops from its heaviest
// stream.
func (sw *switchActor) _enforceBound() {
	for sw.queued > sw.maxQueued {
		var worst *switchPort
		for _, sp := range sw.ports {
			if worst == nil || sp.queue.BulkBytes() > worst.queue.BulkBytes() {
				worst = sp
			}
		}
		n := worst.queue.DropBulk()
		if n == 0 {
			return
		}
		sw.queued -= n
	}
}

// _drain hands batches to the port's sink while it has room for them.
func (sw *switchActor) _drain(port uint64, sp *switchPort) {
	for sp.inflight < maxInflight && !sp.queue.Empty() {
		before := sp.queue.BulkBytes()
		batch := sp.queue.PopBatch(nil, batchBytes)
		sw.queued -= before - sp.queue.BulkBytes()
		sp.inflight++
		done := func() { sw.Act(nil, func() { sw._batchDone(port, sp) }) }
		if sp.peer == nil {
			sw.core.router.deliver(batch, done)
		} else {
			sp.peer.writer.sendBatch(sp.peer, batch, done)
		}
	}
}

func (sw *switchActor) _batchDone(port uint64, sp *switchPort) {
	sp.inflight--
	if sw.ports[port] == sp {
		sw._drain(port, sp)
	}
}

// sendLocal is how packets this node originates enter the switch; the
// sender (the router or a session) passes itself so it is slowed when the
// switch is busy.
func (sw *switchActor) sendLocal(from phony.Actor, packet []byte) {
	sw.Act(from, func() { sw._forward(packet) })
}

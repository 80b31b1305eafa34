package core

// The switch forwards every type-0/1 packet by its destination coords and
// keeps the spanning tree. It owns:
//
//   - the tree state (src/tree) and its immutable lookup table;
//   - one queue per port (src/queue), port 0 being our own router, all in
//     one queue.Set whose byte bounds they share.
//
// A packet from a peer is forwarded only while that peer is in the lookup
// table (same root, not blocked). The chosen port's queue takes it; each
// port has at most maxInflight batches handed to its writer (or to the
// router, for port 0), and the next batch goes when one is done. The switch
// never waits on a port.
//
// Streams: packets are queued by the port they came from (0: this node),
// which no remote can forge, so one peer's traffic competes only with
// itself. Within a source, session traffic is queued per session
// (destination routing ports and the receiver's handle, never the flow
// key), so the packets of one session leave in the order they were sealed;
// its receiver drops any nonce older than the newest it has seen (spec 02
// §6.11), so reordering them here would lose them. A peer that makes up a
// session for every packet gets no more turns than one honest peer.
//
// Within one link nothing in a traffic packet is unforgeable, so a flood of
// made-up sessions mixed into an honest link's traffic would still crowd
// out that link's real sessions. At the destination it can be told apart:
// traffic for this node (port 0) whose handle is not one of our sessions'
// is dropped before it queues (the router would drop it anyway). The router
// tells the switch each handle as its session opens and closes.
//
// Bounds: bulk bytes queued on all ports together are bounded by
// SwitchOptions.MaxTotalQueueSize (default 4 MiB; v0.3.16 reads the option
// but never uses it), control bytes by maxControlQueued; both count the
// buffers packets really hold (queue.Cost). Over a bound the oldest packet
// of the heaviest stream of the heaviest source anywhere is dropped, so a
// slow peer or a greedy sender pays for congestion, not the others.
// Batches handed out are bounded in bytes and in what their buffers hold,
// so the packets in flight are bounded too: at most maxInflight × batchCost
// per port.

import (
	"hash/maphash"
	"slices"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/bufpool"
	"github.com/yggmesh/ygg/src/clock"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/queue"
	"github.com/yggmesh/ygg/src/tree"
	"github.com/yggmesh/ygg/src/wire"
)

const (
	// maxInflight batches per port: one being written, one ready behind it.
	maxInflight = 2
	// batchBytes bounds a batch so control packets that arrive meanwhile
	// wait behind at most this much bulk data; batchCost bounds what its
	// buffers hold (a batch of tiny packets in big buffers).
	batchBytes = 64 << 10
	batchCost  = 128 << 10
	// maxControlQueued bounds the control packets queued on all ports
	// together (counted as queue.Cost). Honest protocol traffic is a few
	// small packets a second per peer.
	maxControlQueued = 512 << 10
)

// switchActor owns the tree and the port queues; see the file comment.
type switchActor struct {
	actor.Inbox
	core   *Core
	tree   *tree.Tree
	table  *tree.Table
	ports  map[uint64]*switchPort
	byPeer map[*peer]uint64
	queues *queue.Set
	// handles are our sessions' handles: the traffic for this node that
	// may queue.
	handles map[crypto.Handle]struct{}
	// streamSeed keys the hash that names a session's stream, so a remote
	// cannot choose packets that land in another session's stream.
	streamSeed maphash.Seed
	drops      switchDrops
	ticker     clock.Timer
	stopped    bool
}

// switchDrops counts packets the switch drops before queueing them.
type switchDrops struct {
	badCoords     uint64 // coords that do not decode (v0.3.16 sends these toward the root)
	noRoute       uint64 // no port for the coords, or the port is gone
	notInTree     uint64 // from a peer that is not in the lookup table
	unknownHandle uint64 // traffic for this node to a handle of no session of ours
}

// switchPort is one port's queue and its sink.
type switchPort struct {
	peer     *peer // nil for port 0
	queue    *queue.Queue
	inflight int
}

func newSwitch(c *Core) *switchActor {
	sw := &switchActor{core: c, ports: make(map[uint64]*switchPort), byPeer: make(map[*peer]uint64),
		queues: queue.NewSet(maxControlQueued, defaultMaxQueued, bufpool.Put), streamSeed: maphash.MakeSeed(),
		handles: make(map[crypto.Handle]struct{})}
	sw.tree = tree.New(c.id.SigPub, c.clock.Now())
	sw.table = sw.tree.Table()
	sw.ports[0] = &switchPort{queue: sw.queues.NewQueue()}
	return sw
}

// defaultMaxQueued is the default of SwitchOptions.MaxTotalQueueSize.
const defaultMaxQueued = 4 << 20

// _setMaxQueued changes the bound on bulk bytes queued on all ports.
func (sw *switchActor) _setMaxQueued(n int) {
	if n <= 0 {
		n = defaultMaxQueued
	}
	sw.queues.SetBound(queue.Bulk, n)
	sw.queues.Trim()
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
	sw.ports[port] = &switchPort{peer: p, queue: sw.queues.NewQueue()}
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
	sw.ports[port].queue.Close() // its packets go back to the pool
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
		for _, p := range sw._peersInOrder() {
			p.Act(sw, func() { p._sendSwitchMsg(base) })
		}
	}
}

// _peersInOrder lists the peers by port: what goes to every peer is sent
// in this order, never a map's, so a run on the executor replays.
func (sw *switchActor) _peersInOrder() []*peer {
	ports := make([]uint64, 0, len(sw.ports))
	for port, sp := range sw.ports {
		if sp.peer != nil {
			ports = append(ports, port)
		}
	}
	slices.Sort(ports)
	peers := make([]*peer, len(ports))
	for i, port := range ports {
		peers[i] = sw.ports[port].peer
	}
	return peers
}

func (sw *switchActor) _publishTable() {
	sw.core.table.Store(sw.table)
	r, table := sw.core.router, sw.table
	r.Act(sw, func() { r._setTable(table) })
}

// _forwardFrom forwards a packet that arrived from peer p.
func (sw *switchActor) _forwardFrom(p *peer, packet []byte) {
	if port, ok := sw._portOf(p); ok && sw.table.Has(port) {
		sw._forward(port, packet)
		return
	}
	sw.drops.notInTree++
	bufpool.Put(packet)
}

// _forward queues a packet that came from port from (0: this node) for the
// port its coords lead to, hands the port what it can take and applies the
// bounds to what is left waiting.
func (sw *switchActor) _forward(from uint64, packet []byte) {
	raw, ok := wire.PacketCoords(packet)
	if !ok {
		// v0.3.16 forwards a packet with malformed coords toward the root;
		// nobody can receive it, so it is dropped here.
		sw.drops.badCoords++
		bufpool.Put(packet)
		return
	}
	port := sw.table.Lookup(raw)
	sp := sw.ports[port]
	if sp == nil {
		sw.drops.noRoute++
		bufpool.Put(packet)
		return
	}
	if packet[0] == wire.TypeProtocolTraffic {
		sp.queue.Push(queue.Control, from, 0, packet)
	} else {
		routing, handle, _ := wire.TrafficSession(packet)
		if port == 0 && !sw._ourHandle(handle) {
			sw.drops.unknownHandle++
			bufpool.Put(packet)
			return
		}
		sp.queue.Push(queue.Bulk, from, sw._sessionStream(routing, handle), packet)
	}
	sw._drain(port, sp)
	sw.queues.Trim()
}

// _sessionStream names the queue stream of a traffic packet: its session
// as a forwarder sees it (destination routing ports and the receiver's
// handle, from wire.TrafficSession), never its flow key.
func (sw *switchActor) _sessionStream(routing, handle []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(sw.streamSeed)
	h.Write(handle)
	h.Write(routing)
	return h.Sum64()
}

// _ourHandle reports whether handle (8 bytes, or nil for a packet too
// short to hold one) is one of our sessions'.
func (sw *switchActor) _ourHandle(handle []byte) bool {
	if len(handle) != crypto.HandleLen {
		return false
	}
	_, ok := sw.handles[crypto.Handle(handle)]
	return ok
}

func (sw *switchActor) _addHandle(h crypto.Handle)    { sw.handles[h] = struct{}{} }
func (sw *switchActor) _removeHandle(h crypto.Handle) { delete(sw.handles, h) }

// _drain hands batches to the port's sink while it has room for them.
func (sw *switchActor) _drain(port uint64, sp *switchPort) {
	for sp.inflight < maxInflight && !sp.queue.Empty() {
		batch := sp.queue.PopBatch(nil, batchBytes, batchCost)
		sp.inflight++
		done := func() { sw.Act(nil, func() { sw._batchDone(port, sp) }) }
		if sp.peer == nil {
			sw.core.router.deliver(batch, done)
		} else {
			sp.peer.io.sendBatch(sp.peer, batch, done)
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
func (sw *switchActor) sendLocal(from actor.Actor, packet []byte) {
	sw.Act(from, func() { sw._forward(0, packet) })
}

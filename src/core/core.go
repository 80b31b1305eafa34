// Package core is the node: a graph of actors that own the links to peers,
// the spanning-tree switch, the router with its DHT, searches and sessions.
//
// Ownership, one actor each (see each type's doc comment):
//
//	links   listeners, outbound calls, the table of established links
//	link    one connection: handshake, teardown; children reader and writer
//	peer    one handshaken link: link crypto, timers, switch messages
//	switch  the spanning tree, the lookup table, the per-port queues
//	router  traffic for this node: DHT, searches, sessions, NodeInfo
//
// Packets flow reader -> peer -> switch -> (port queue) -> writer, or to the
// router on port 0. Senders pass themselves to Act so a slow receiver slows
// its source; the switch never does that to a port (it queues and drops by
// the queue package's policy), so one slow peer cannot stall forwarding.
//
// Every "now" and every timer goes through the Core's clock.
package core

import (
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/clock"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/firewall"
	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/nodeinfo"
	"github.com/yggmesh/ygg/src/transport"
	"github.com/yggmesh/ygg/src/tree"
	"github.com/yggmesh/ygg/src/wire"
)

// Identity is the node's permanent key pairs.
type Identity struct {
	BoxPub  crypto.BoxPubKey
	BoxPriv crypto.BoxPrivKey
	SigPub  crypto.SigPubKey
	SigPriv crypto.SigPrivKey
}

// NewIdentity makes fresh random keys, for tests and -autoconf.
func NewIdentity() Identity {
	var id Identity
	id.BoxPub, id.BoxPriv = crypto.NewBoxKeys()
	id.SigPub, id.SigPriv = crypto.NewSigKeys()
	return id
}

// Options are the seams a test or simulator may replace.
type Options struct {
	Clock  clock.Clock     // default: the real clock, or Executor if set
	Logger *logging.Logger // default: discard
	// Executor, if set, runs every actor of the node on its single worker
	// (tests and the simulator); nil runs them on phony's goroutines.
	Executor *actor.Executor
	// Rand is the source of session handles and redial jitter. The
	// default is crypto/rand; only a simulator passes a seeded one, to
	// replay a run. Keys and nonces never come from it.
	Rand io.Reader
}

// Core is a running node. Its exported methods may be called from any
// goroutine that is not an actor of this package.
type Core struct {
	id      *Identity // a pointer, so printing a Core never shows the private keys
	nodeID  crypto.NodeID
	addr    address.Address
	subnet  address.Subnet
	clock   clock.Clock
	ex      *actor.Executor // nil: phony
	sharer  *crypto.Sharer  // shared keys with our permanent box key
	rand    io.Reader
	log     *logging.Logger
	logs    remoteLogs
	started time.Time

	// gate caps the inbound connections still in their handshake, over
	// all listeners (multicast's included).
	gate *transport.Gate
	// readBuffers counts the links that made their frame read buffer.
	readBuffers atomic.Int64
	// closing counts sockets and listeners being closed in the background
	// (a TLS close can block for seconds); Stop waits for them.
	closing sync.WaitGroup

	links  *links
	sw     *switchActor
	router *router

	// table is the switch's latest lookup table. Only the switch stores it;
	// anyone may load it, since tables are immutable once published.
	table atomic.Pointer[tree.Table]
}

// New builds a node with the given keys. Nothing runs until Start.
func New(id Identity, opts Options) *Core {
	c := &Core{id: &id, clock: opts.Clock, log: opts.Logger, ex: opts.Executor, rand: opts.Rand}
	if c.clock == nil && c.ex != nil {
		c.clock = c.ex
	}
	if c.clock == nil {
		c.clock = clock.Real{}
	}
	if c.rand == nil {
		c.rand = crand.Reader
	}
	if c.log == nil {
		c.log = logging.Discard()
	}
	c.sharer = crypto.NewSharer(&id.BoxPriv)
	c.logs = newRemoteLogs(c.log, c.clock)
	c.gate = transport.NewGate(0, 0, c.log)
	c.gate.SetClock(c.clock.Now)
	c.nodeID = id.BoxPub.NodeID()
	c.addr = address.ForNodeID(&c.nodeID)
	c.subnet = address.SubnetForNodeID(&c.nodeID)
	c.started = c.clock.Now()
	c.sw = newSwitch(c)
	c.router = newRouter(c)
	c.links = newLinks(c)
	c.bind(&c.sw.Inbox)
	c.bind(&c.router.Inbox)
	c.bind(&c.links.Inbox)
	return c
}

// Errors returned by the Core's API.
var (
	ErrStopped = errors.New("node is stopped")
)

// Start starts the switch and router maintenance, opens the listeners and
// dials the configured peers. A listener that cannot be opened is an error.
func (c *Core) Start(cfg *config.NodeConfig) error {
	info, err := nodeinfo.Build(cfg.NodeInfoPrivacy, cfg.NodeInfo, nodeinfo.Current())
	if err != nil {
		c.log.Errorf("NodeInfo not used: %v", err)
		info = []byte("{}")
	}
	rules := firewall.New(cfg.SessionFirewall)
	c.gate.SetCaps(int(cfg.Limits.MaxPendingLinks), int(cfg.Limits.MaxPendingLinksPerSource))
	actor.Block(c.sw, func() {
		c.sw._setMaxQueued(int(min(cfg.SwitchOptions.MaxTotalQueueSize, 1<<40)))
		c.sw._start()
	})
	actor.Block(c.router, func() {
		c.router._setNodeInfo(info)
		c.router._setLimits(cfg.Limits)
		c.router._setFirewall(rules)
		c.router._start()
	})
	actor.Block(c.links, func() { err = c.links._start(cfg) })
	if err != nil {
		c.Stop()
		return err
	}
	return nil
}

// Stop closes listeners and links and stops all timers' work. It returns
// once every link and listener is closed.
func (c *Core) Stop() {
	var open []*link
	actor.Block(c.links, func() { open = c.links._stop() })
	for _, l := range open {
		actor.Block(l, func() { l._close(errShutdown) })
	}
	actor.Block(c.sw, c.sw._stop)
	actor.Block(c.router, c.router._stop)
	c.closing.Wait()
}

// closeInBackground runs close (a socket's or a listener's) outside any
// actor: a TLS close may wait seconds to send its alert, and a listener's
// close waits for its accept goroutines. Stop waits for all of them.
func (c *Core) closeInBackground(close func() error) {
	c.closing.Add(1)
	go func() {
		defer c.closing.Done()
		_ = close()
	}()
}

// remoteLogs are the log lines a remote can cause at will, each kind
// written at a capped rate, so a hostile peer cannot flood the log.
type remoteLogs struct {
	links   *logging.Limited // links up and down
	refused *logging.Limited // links refused after their handshake
	bad     *logging.Limited // links closed for a protocol violation
}

func newRemoteLogs(log *logging.Logger, clk clock.Clock) remoteLogs {
	return remoteLogs{
		links:   log.Limited(10, 50, clk.Now),
		refused: log.Limited(1, 10, clk.Now),
		bad:     log.Limited(1, 10, clk.Now),
	}
}

// bind puts a new actor of this node on the node's runtime.
func (c *Core) bind(in *actor.Inbox) { in.Bind(c.ex) }

// randUint64 draws from the node's random source.
func (c *Core) randUint64() uint64 {
	var b [8]byte
	if _, err := io.ReadFull(c.rand, b[:]); err != nil {
		panic("core: random source failed: " + err.Error())
	}
	return binary.LittleEndian.Uint64(b[:])
}

// Address is the node's IPv6 address.
func (c *Core) Address() address.Address { return c.addr }

// Subnet is the node's routed /64.
func (c *Core) Subnet() address.Subnet { return c.subnet }

// BoxPub is the node's permanent encryption public key.
func (c *Core) BoxPub() crypto.BoxPubKey { return c.id.BoxPub }

// SigPub is the node's permanent signing public key.
func (c *Core) SigPub() crypto.SigPubKey { return c.id.SigPub }

// Started is when the node was made; the admin socket reports the age of
// the "self" peer from it.
func (c *Core) Started() time.Time { return c.started }

// NodeID is SHA-512 of the encryption public key.
func (c *Core) NodeID() crypto.NodeID { return c.nodeID }

// coords is our current position in the tree.
func (c *Core) coords() wire.Coords {
	if t := c.table.Load(); t != nil {
		return t.Self()
	}
	return wire.Coords{}
}

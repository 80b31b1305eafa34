package core

// The session API: what the TUN adapter (or any other user of end-to-end
// sessions) sees of the core. All of it is asynchronous, so actors can use
// it without blocking.

import (
	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/dht"
	"github.com/yggmesh/ygg/src/wire"
)

// Session is an open end-to-end encrypted session with one remote node.
// Its methods may be called from any goroutine or actor.
type Session interface {
	// RemoteKey is the remote node's permanent box public key.
	RemoteKey() crypto.BoxPubKey
	// Send encrypts msg and sends it; msg belongs to the session from the
	// call on. flow is the flow key that keeps this packet's queue stream
	// apart from others (0 for none). A message larger than the session's
	// MTU is not sent: the handler's TooBig gets it instead. from is
	// slowed down when the session falls behind.
	Send(from actor.Actor, msg []byte, flow uint64)
	// Close ends the session locally; the remote is not told (spec 02 §6.13).
	Close()
}

// SessionHandler receives what sessions produce. Its methods are called
// from inside session actors: they must not block, and should hand the work
// on with Act.
type SessionHandler interface {
	// NewSession announces a session a remote node opened with us.
	NewSession(s Session)
	// Receive delivers a decrypted message from s.
	Receive(s Session, msg []byte)
	// TooBig returns a message Send refused because it exceeds mtu.
	TooBig(s Session, msg []byte, mtu uint64)
}

// DialCallback gets the result of Dial: a ready session, or why there is none.
type DialCallback func(s Session, err error)

// SetSessionHandler installs the handler for sessions. Until one is
// installed, pings from unknown nodes open no session (like a node with no
// listener in v0.3.16).
func (c *Core) SetSessionHandler(h SessionHandler) {
	actor.Block(c.router, func() { c.router._setHandler(h) })
}

// Dial finds the node whose NodeID matches target on the bits set in mask
// and opens a session with it. cb runs once, from inside an actor of the
// core (so it must not block), when the session is ready (its first pong
// arrived) or the attempt failed: search dead end, firewall refusal, or no
// pong within 6 s. A ready session with that node is reused.
func (c *Core) Dial(target, mask crypto.NodeID, cb DialCallback) {
	r := c.router
	r.Act(nil, func() { r._dial(target, mask, cb) })
}

// SetMaxSessionMTU sets the MTU this node advertises in sessions (the TUN
// interface MTU) and re-pings every session with it.
func (c *Core) SetMaxSessionMTU(mtu uint64) {
	r := c.router
	r.Act(nil, func() { r._setMaxMTU(mtu) })
}

// SearchCallback gets the result of Search: the node found (its permanent
// key and its coords when it answered), or why none was.
type SearchCallback func(key crypto.BoxPubKey, coords wire.Coords, err error)

// Search runs a DHT search for the node whose NodeID matches target on the
// bits set in mask; cb runs once, inside the core (it must not block). Dial
// is Search followed by Open.
func (c *Core) Search(target, mask crypto.NodeID, cb SearchCallback) {
	r := c.router
	r.Act(nil, func() {
		if r.stopped {
			cb(crypto.BoxPubKey{}, nil, ErrStopped)
			return
		}
		r._search(target, mask, func(res *dht.Response, err error) {
			if err != nil {
				cb(crypto.BoxPubKey{}, nil, err)
				return
			}
			cb(res.From.Key, res.From.Coords.Clone(), nil)
		})
	})
}

// Open makes (or reuses) a session with the node key at coords, as Dial
// does once its search has found the node, and answers cb when the session
// is ready or failed.
func (c *Core) Open(key crypto.BoxPubKey, coords wire.Coords, cb DialCallback) {
	r := c.router
	coords = coords.Clone()
	r.Act(nil, func() {
		if r.stopped {
			cb(nil, ErrStopped)
			return
		}
		s := r._sessionFound(&dht.Response{From: dht.Info{Key: key, Coords: coords}})
		if s == nil {
			cb(nil, ErrSessionNotAllowed)
			return
		}
		s.Act(r, func() { s._whenReady(cb) })
	})
}

// NextHop is the switch port a packet for coords leaves on now (0: this
// node), from the latest lookup table; the simulator walks paths with it.
func (c *Core) NextHop(coords wire.Coords) uint64 {
	t := c.table.Load()
	if t == nil {
		return 0
	}
	return t.Lookup(wire.AppendCoordsRaw(nil, coords))
}

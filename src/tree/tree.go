// Package tree is the spanning-tree state of the switch (spec 01 §6): which
// root we follow, our parent and coords, what every peer last announced,
// the dropped-roots table, and the lookup table that forwards by coords.
//
// A Tree is a pure, deterministic state machine with a single owner: the
// switch actor in core holds one and calls it from its behaviours, so it has
// no locks, starts no goroutines, never reads the clock (every method takes
// now), does no I/O and never signs or verifies anything. Callers hand it
// switch messages whose signature chains they have already verified, and act
// on the Changes it returns (send switch messages, reset sessions and the
// DHT, publish the new Table).
//
// Where the reference iterates Go maps (random order) to break ties or to
// order re-selection, Tree uses ascending port order so runs are
// reproducible; the spec leaves that order open [local].
package tree

import (
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// Port is a switch port: 0 is this node itself, peers get 1 and up.
type Port = uint64

// Timing and scoring constants of spec 01 §7.
const (
	// MaintainInterval is how often the owner should call Maintain.
	MaintainInterval = time.Second
	// RootTimeout drops a root whose timestamp has not moved for this long.
	RootTimeout = 60 * time.Second
	// RefreshInterval is how often a root issues a new timestamp.
	RefreshInterval = 30 * time.Second
	// Throttle is the minimum gap between timestamps adopted from the parent.
	Throttle = 15 * time.Second
	// FasterThreshold is the score a peer needs to take over from our parent.
	FasterThreshold = 240
	// PortChangeThrottle is the least time between two messages from one
	// peer that differ from its last only in the last hop's port, the one
	// part no signature covers. An honest peer never does that on a link
	// (its port toward us is fixed for the link's life), but a hostile one
	// can, for free, and each time move our coords, reset our DHT and
	// sessions and make us sign a message for every peer.
	PortChangeThrottle = 30 * time.Second
)

// Changes tells the owner what a call did, so it knows what to tell others.
type Changes struct {
	// SendAll: our locator was updated (new parent, root or timestamp), so
	// send a switch message to every peer.
	SendAll bool
	// Reset: our root or coords changed, so sessions re-ping and the DHT
	// resets (§6.9). Timestamp-only updates do not set it.
	Reset bool
	// Table: the lookup table was rebuilt; publish Tree.Table().
	Table bool
}

// Tree is the switch's view of the spanning tree. The zero value is not
// usable; call New.
type Tree struct {
	self crypto.SigPubKey

	// Our locator. While parent is 0 but root is not self (our parent was
	// lost and nobody else qualified) we keep the old locator until the
	// root times out, as the reference does (§6.7).
	root   crypto.SigPubKey
	tstamp int64
	coords wire.Coords
	parent Port
	// switchTime is when our timestamp last changed or we became root.
	switchTime time.Time

	peers   []*record // sorted by port
	dropped map[crypto.SigPubKey]int64

	table *Table
	dirty bool

	// portChangesIgnored counts messages dropped by PortChangeThrottle.
	portChangesIgnored uint64
}

// PortChangesIgnored is how many messages PortChangeThrottle dropped.
func (t *Tree) PortChangesIgnored() uint64 { return t.portChangesIgnored }

// New returns a tree in which self is its own root, with timestamp now.
func New(self crypto.SigPubKey, now time.Time) *Tree {
	t := &Tree{
		self:       self,
		root:       self,
		tstamp:     now.Unix(),
		switchTime: now,
		dropped:    make(map[crypto.SigPubKey]int64),
	}
	t.rebuild()
	return t
}

// Self is our own signing key.
func (t *Tree) Self() crypto.SigPubKey { return t.self }

// Root is the key of the root we follow.
func (t *Tree) Root() crypto.SigPubKey { return t.root }

// TStamp is the root timestamp of our locator.
func (t *Tree) TStamp() int64 { return t.tstamp }

// Coords is a copy of our coords; [] when we are root.
func (t *Tree) Coords() wire.Coords { return t.coords.Clone() }

// Parent is the port of our parent, or 0 when we have none.
func (t *Tree) Parent() Port { return t.parent }

// Table is the current lookup table. It is immutable, so the owner may hand
// it to other goroutines.
func (t *Tree) Table() *Table { return t.table }

// PeerCoords returns the coords a peer announced for itself (its message's
// coords without the last port, §5.7), whatever its root or blocked state.
func (t *Tree) PeerCoords(port Port) (wire.Coords, bool) {
	r := t.peer(port)
	if r == nil {
		return nil, false
	}
	return r.ownCoords().Clone(), true
}

// BaseMessage is the message we extend with a hop for each peer (§6.8): our
// own root announcement when we have no parent, otherwise a copy of our
// parent's message. ok is false when nothing should be sent.
func (t *Tree) BaseMessage() (msg *wire.SwitchMsg, ok bool) {
	if t.parent == 0 {
		// With no parent we announce ourselves as root, even while we still
		// hold an old root's timestamp (§6.7): peers that follow the old
		// root reject it in the root check.
		return &wire.SwitchMsg{Root: t.self, TStamp: t.tstamp}, true
	}
	r := t.peer(t.parent)
	if r == nil {
		return nil, false
	}
	return r.msg.Clone(), true
}

// finish rebuilds the table if the call changed anything it shows.
func (t *Tree) finish(c *Changes) {
	if t.dirty {
		t.rebuild()
		c.Table = true
	}
}

func (t *Tree) rebuild() {
	t.table = buildTable(t)
	t.dirty = false
}

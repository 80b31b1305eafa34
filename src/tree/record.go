package tree

import (
	"slices"
	"sort"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// record is what we keep of the last accepted switch message from a peer.
type record struct {
	port   Port
	msg    *wire.SwitchMsg // owned: never shared with callers
	sender crypto.SigPubKey

	// The locator the message implies: the path root -> ... -> peer -> us.
	root   crypto.SigPubKey
	tstamp int64
	coords wire.Coords

	received time.Time
	blocked  bool
	// portChanged is when a message from this peer last differed from the
	// one before only in the last hop's port.
	portChanged time.Time
	// faster[q] counts how often this peer delivered a root timestamp
	// before the peer on port q (§6.6). Keyed by port, as in the reference,
	// so a stale entry for a reused port survives until the next fresh
	// message rebuilds the map.
	faster map[Port]uint64
}

// newRecord builds the sender record of a message with at least one hop.
func newRecord(port Port, msg *wire.SwitchMsg, now time.Time) *record {
	return &record{
		port:     port,
		msg:      msg,
		sender:   *msg.Sender(),
		root:     msg.Root,
		tstamp:   msg.TStamp,
		coords:   msg.Coords(),
		received: now,
	}
}

// onlyLastPortDiffers reports whether b is a with nothing changed but the
// port of the last hop, which no signature covers.
func onlyLastPortDiffers(a, b *wire.SwitchMsg) bool {
	if a.Root != b.Root || a.TStamp != b.TStamp || len(a.Hops) != len(b.Hops) || len(a.Hops) == 0 {
		return false
	}
	last := len(a.Hops) - 1
	for i := range last {
		if a.Hops[i] != b.Hops[i] {
			return false
		}
	}
	ha, hb := a.Hops[last], b.Hops[last]
	return ha.Port != hb.Port && ha.Next == hb.Next && ha.Sig == hb.Sig
}

// ownCoords is the peer's own position: the message coords minus the last
// port, which is the peer's port toward us.
func (r *record) ownCoords() wire.Coords { return r.coords[:len(r.coords)-1] }

// sameLocator compares root and coords; timestamps do not count.
func (r *record) sameLocator(root *crypto.SigPubKey, coords wire.Coords) bool {
	return r.root == *root && r.coords.Equal(coords)
}

func (t *Tree) find(port Port) int {
	return sort.Search(len(t.peers), func(i int) bool { return t.peers[i].port >= port })
}

// peer returns the stored record for port, or nil.
func (t *Tree) peer(port Port) *record {
	i := t.find(port)
	if i < len(t.peers) && t.peers[i].port == port {
		return t.peers[i]
	}
	return nil
}

// store inserts or replaces the record for r.port, keeping port order.
func (t *Tree) store(r *record) {
	i := t.find(r.port)
	if i < len(t.peers) && t.peers[i].port == r.port {
		t.peers[i] = r
		return
	}
	t.peers = slices.Insert(t.peers, i, r)
}

// remove deletes the record for port and reports whether there was one.
func (t *Tree) remove(port Port) bool {
	i := t.find(port)
	if i == len(t.peers) || t.peers[i].port != port {
		return false
	}
	t.peers = slices.Delete(t.peers, i, i+1)
	return true
}

// ports lists the stored ports in ascending order, a snapshot that stays
// valid while re-selection replaces records.
func (t *Tree) ports() []Port {
	ps := make([]Port, len(t.peers))
	for i, r := range t.peers {
		ps[i] = r.port
	}
	return ps
}

package dht

import (
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// Maintain runs one maintenance pass (spec 02 §3.10); call it
// MaintainInterval after the previous pass finished. It expires requests and
// callbacks, drops dead entries, and returns the important nodes due for a
// ping. Those pings are recorded; the caller sends them.
//
// An important node is pinged when the time since it last answered exceeds
// its throttle, which doubles (between 1 s and 5 min) with every such ping,
// so a healthy node is probed at 1, 2, 4 … 256 s and then every 5 min, and a
// silent one is dropped after 7 unanswered pings or 6 min.
func (t *Table) Maintain(now time.Time) (toPing []Info) {
	t.expireRequests(now)
	t.dropDead(now)
	pinged := make(map[crypto.NodeID]bool)
	// An entry may sit in the important list twice; like the reference it
	// is then checked twice and its count can rise by two, but it gets one
	// ping packet.
	for _, e := range t.important() {
		age := now.Sub(e.recv)
		switch {
		case age > e.throttle:
			e.throttle = min(max(2*e.throttle, minPingInterval), maxPingInterval)
		case e.dirty && age > dirtyTimeout:
		default:
			continue
		}
		e.pings++
		if !pinged[e.id] {
			pinged[e.id] = true
			t.SentRequest(e.info.Key, t.selfID, now)
			toPing = append(toPing, e.info)
		}
	}
	return toPing
}

// dropDead removes entries that stopped answering, went unrefreshed for too
// long, or were handed out in an answer, not refreshed since, and are not
// worth keeping.
func (t *Table) dropDead(now time.Time) {
	for id, e := range t.entries {
		if e.pings > maxPings || now.Sub(e.recv) > entryTimeout {
			delete(t.entries, id)
			t.impValid = false
		}
	}
	// Judged against the important set after the hard drops. Removing an
	// entry outside that set cannot change it, so the order does not matter.
	for id, e := range t.entries {
		if e.dirty && now.Sub(e.recv) > dirtyTimeout && !t.isImportant(&e.id, &e.info) {
			delete(t.entries, id)
			t.impValid = false
		}
	}
}

// Reset handles a change of our locator (root or coords; spec 02 §3.11). It
// returns the important nodes, judged from the old position, which the
// caller pings from the new coords; then it forgets every entry and
// outstanding request and adopts coords. Callbacks survive. As in the
// reference the reset pings are not recorded, so their answers are ignored
// and the table regrows from the peers' next switch messages.
func (t *Table) Reset(coords wire.Coords) (toPing []Info) {
	seen := make(map[crypto.NodeID]bool)
	for _, e := range t.important() {
		if !seen[e.id] {
			seen[e.id] = true
			toPing = append(toPing, e.info)
		}
	}
	clear(t.entries)
	clear(t.reqs)
	t.imp, t.impValid = nil, false
	t.coords = coords.Clone()
	return toPing
}

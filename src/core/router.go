package core

// The router receives what the switch delivers to port 0 and originates
// this node's own packets. It owns our view of the lookup table (our
// coords). The DHT, searches, sessions and NodeInfo build on it.

import (
	"errors"

	"github.com/Arceliar/phony"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/tree"
	"github.com/yggmesh/ygg/src/wire"
)

// router owns everything addressed to this node; see the file comment.
type router struct {
	phony.Inbox
	core    *Core
	table   *tree.Table
	handler SessionHandler
	maxMTU  uint64
	stopped bool
}

func newRouter(c *Core) *router {
	return &router{core: c}
}

func (r *router) _start() {}

func (r *router) _stop() { r.stopped = true }

// _setTable takes a new lookup table from the switch.
func (r *router) _setTable(t *tree.Table) { r.table = t }

// _reset runs when our root or coords changed.
func (r *router) _reset() {}

// _peerSeen runs for every accepted switch message from a direct peer.
func (r *router) _peerSeen(key crypto.BoxPubKey, coords wire.Coords) {}

// coords is our current position in the tree.
func (r *router) _coords() wire.Coords {
	if r.table == nil {
		return wire.Coords{}
	}
	return r.table.Self()
}

// deliver hands the router a batch the switch routed to port 0; done tells
// the switch it may send the next one.
func (r *router) deliver(batch [][]byte, done func()) {
	r.Act(nil, func() {
		for _, p := range batch {
			r._handlePacket(p)
		}
		done()
	})
}

func (r *router) _handlePacket(p []byte) {}

// _setHandler installs the session handler.
func (r *router) _setHandler(h SessionHandler) { r.handler = h }

// _dial starts a search for target/mask and a session with what it finds.
func (r *router) _dial(target, mask crypto.NodeID, cb DialCallback) {
	cb(nil, errors.New("sessions are not implemented yet"))
}

// _setMaxMTU changes the MTU we advertise.
func (r *router) _setMaxMTU(mtu uint64) { r.maxMTU = mtu }

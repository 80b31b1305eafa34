package dht

import (
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// Timing and size constants of the DHT and search (spec 02 §9).
const (
	// LookupSize is the most entries a lookup answer holds: 8 predecessors
	// and 8 successors of the target once the table is larger than that.
	LookupSize = 16
	// MaintainInterval is the pause between the end of one Maintain pass
	// and the start of the next.
	MaintainInterval = time.Second
	// RequestTimeout is how long an outstanding request may be answered and
	// how long a callback waits before it is called with nil.
	RequestTimeout = 6 * time.Second
	// SearchStep is the pause before a search chain asks its next candidate.
	SearchStep = time.Second
	// SearchTimeout is how long a search may go without progress.
	SearchTimeout = 3 * time.Second

	entryTimeout    = 6 * time.Minute
	dirtyTimeout    = 30 * time.Second
	minPingInterval = time.Second
	maxPingInterval = 5 * time.Minute
	maxPings        = 6
)

// Info is a node as the DHT knows it: its permanent box key and its coords.
// Coords slices handed out by this package are shared and must not be
// modified.
type Info struct {
	Key    crypto.BoxPubKey
	Coords wire.Coords
}

// Response is a decoded dhtRes: the responder (envelope key and header
// coords), the Dest it echoed and the entries it listed.
type Response struct {
	From  Info
	Dest  crypto.NodeID
	Infos []Info
}

// EntryInfo describes one table entry for the admin getDHT call.
type EntryInfo struct {
	Info
	NodeID crypto.NodeID
	// LastSeen is when the entry was last inserted or refreshed.
	LastSeen time.Time
}

// idFunc maps a key to its NodeID. It is SHA-512 in production; tests swap
// in an identity map so that they can place nodes anywhere on the ring.
type idFunc func(*crypto.BoxPubKey) crypto.NodeID

func realNodeID(k *crypto.BoxPubKey) crypto.NodeID { return k.NodeID() }

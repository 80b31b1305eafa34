package dht

import (
	"bytes"
	"slices"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// Table is one node's DHT state: the entries it keeps alive, the cached
// important set, outstanding requests and callbacks. It has a single owner
// (the router's DHT actor) and is not safe for concurrent use.
type Table struct {
	idOf   idFunc
	selfID crypto.NodeID
	self   crypto.BoxPubKey
	coords wire.Coords

	entries map[crypto.NodeID]*entry
	// imp caches the important set; impValid is false whenever the entries
	// or our coords changed since it was computed.
	imp      []*entry
	impValid bool

	reqs      map[reqKey]time.Time
	callbacks map[reqKey][]callback
	cbSeq     uint64
}

// entry is a table slot (spec 02 §3.4).
type entry struct {
	info     Info
	id       crypto.NodeID
	recv     time.Time
	pings    int
	throttle time.Duration
	dirty    bool
}

// New makes an empty table for the node with permanent key self.
func New(self crypto.BoxPubKey) *Table { return newTable(self, realNodeID) }

func newTable(self crypto.BoxPubKey, idOf idFunc) *Table {
	return &Table{
		idOf:      idOf,
		selfID:    idOf(&self),
		self:      self,
		entries:   make(map[crypto.NodeID]*entry),
		reqs:      make(map[reqKey]time.Time),
		callbacks: make(map[reqKey][]callback),
	}
}

// SelfID is our NodeID, the Dest of every DHT ping we send.
func (t *Table) SelfID() crypto.NodeID { return t.selfID }

// SetCoords records our own coords, from which tree distances are measured.
// Use Reset instead when our locator changes.
func (t *Table) SetCoords(c wire.Coords) {
	if !t.coords.Equal(c) {
		t.impValid = false
	}
	t.coords = c.Clone()
}

// Coords returns our coords as last set.
func (t *Table) Coords() wire.Coords { return t.coords }

// Len is the number of entries.
func (t *Table) Len() int { return len(t.entries) }

// Insert adds or refreshes an entry (spec 02 §3.7): the entry counts as
// just seen, with no unanswered pings and not dirty. The ping interval is
// kept only when the coords are unchanged, so a node that moved is probed
// again quickly. Our own NodeID is never stored.
func (t *Table) Insert(info Info, now time.Time) {
	t.insert(t.idOf(&info.Key), info, now)
}

func (t *Table) insert(id crypto.NodeID, info Info, now time.Time) {
	if id == t.selfID {
		return
	}
	e := &entry{info: Info{Key: info.Key, Coords: info.Coords.Clone()}, id: id, recv: now}
	if old, ok := t.entries[id]; ok && old.info.Coords.Equal(info.Coords) {
		e.throttle = old.throttle
	}
	t.entries[id] = e
	t.impValid = false
}

// AddPeer inserts a direct peer whose switch message was just accepted and
// records the DHT ping the caller must now send it. Peers are inserted
// whether or not they are important: they are how the table bootstraps.
func (t *Table) AddPeer(info Info, now time.Time) {
	id := t.idOf(&info.Key)
	if id == t.selfID {
		return
	}
	t.insert(id, info, now)
	t.SentRequest(info.Key, t.selfID, now)
}

// Lookup answers a lookup for target (spec 02 §3.5): every entry when there
// are at most LookupSize, otherwise the 8 closest predecessors and the 8
// closest successors of target, an exact match counting as a successor.
func (t *Table) Lookup(target crypto.NodeID) []Info {
	return infosOf(t.lookup(&target))
}

func (t *Table) lookup(target *crypto.NodeID) []*entry {
	list := make([]byDistance[*entry], 0, len(t.entries))
	for id, e := range t.entries {
		list = append(list, byDistance[*entry]{dist: cw(target, &id), item: e})
	}
	sortByDistance(list)
	if len(list) > LookupSize {
		half := LookupSize / 2
		list = append(list[len(list)-half:], list[:half]...)
	}
	out := make([]*entry, len(list))
	for i := range list {
		out[i] = list[i].item
	}
	return out
}

// HandleRequest answers a dhtReq from the requester (its envelope key and
// the coords inside the request) for dest. A real search, as opposed to a
// ping for the requester's own NodeID, marks the returned entries dirty so
// that they are re-checked. ping is true when the requester is unknown and
// important; the ping is already recorded and the caller must send it.
func (t *Table) HandleRequest(from Info, dest crypto.NodeID, now time.Time) (answer []Info, ping bool) {
	found := t.lookup(&dest)
	fromID := t.idOf(&from.Key)
	if dest != fromID {
		for _, e := range found {
			e.dirty = true
		}
	}
	if _, known := t.entries[fromID]; !known && t.isImportant(&fromID, &from) {
		t.SentRequest(from.Key, t.selfID, now)
		ping = true
	}
	return infosOf(found), ping
}

// Entries lists the table for getDHT, ordered by NodeID.
func (t *Table) Entries() []EntryInfo {
	out := make([]EntryInfo, 0, len(t.entries))
	for _, e := range t.entries {
		out = append(out, EntryInfo{Info: e.info, NodeID: e.id, LastSeen: e.recv})
	}
	slices.SortFunc(out, func(a, b EntryInfo) int { return bytes.Compare(a.NodeID[:], b.NodeID[:]) })
	return out
}

func infosOf(list []*entry) []Info {
	out := make([]Info, len(list))
	for i, e := range list {
		out[i] = e.info
	}
	return out
}

package tree

import (
	"sort"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// Table is an immutable snapshot of where to forward by coords (§6.10). It
// is rebuilt whenever the tree changes and is safe to share between
// goroutines.
//
// It holds ourselves (port 0) and every stored peer that is not blocked and
// follows our root, keyed by that peer's own coords. Lookup is a walk down
// a trie of coord prefixes: the longest prefix of the destination that
// exists, then the entry nearest to that prefix inside its subtree. That is
// not a global minimum of tree distance, and it is what the reference does.
type Table struct {
	root   crypto.SigPubKey
	tstamp int64
	self   wire.Coords
	peers  []TableEntry // ascending port
	nodes  []trieNode   // nodes[0] is the prefix []
}

// TableEntry is a peer in the lookup table.
type TableEntry struct {
	Port   Port
	Coords wire.Coords // the peer's own coords
}

type trieNode struct {
	best     Port
	children []trieChild // ascending port
}

type trieChild struct {
	port uint64
	node int32
}

// entry is a candidate while building the trie.
type entry struct {
	port     Port
	coords   wire.Coords
	tstamp   int64
	received time.Time
}

// beats reports whether e is a better choice than cur for the trie node at
// depth: nearer to the node, then the newer timestamp, then the earlier
// receive time. A full tie keeps cur, the one inserted first.
func (e *entry) beats(cur *entry, depth int) bool {
	de, dc := len(e.coords)-depth, len(cur.coords)-depth
	if de != dc {
		return de < dc
	}
	if e.tstamp != cur.tstamp {
		return e.tstamp > cur.tstamp
	}
	return e.received.Before(cur.received)
}

func buildTable(t *Tree) *Table {
	tab := &Table{root: t.root, tstamp: t.tstamp, self: t.coords.Clone()}
	// Self goes in first with the zero time, so it wins every full tie.
	entries := []entry{{port: 0, coords: tab.self, tstamp: t.tstamp}}
	for _, r := range t.peers {
		if r.blocked || r.root != t.root {
			continue
		}
		own := r.ownCoords().Clone()
		tab.peers = append(tab.peers, TableEntry{Port: r.port, Coords: own})
		entries = append(entries, entry{port: r.port, coords: own, tstamp: r.tstamp, received: r.received})
	}
	tab.nodes = []trieNode{{}}
	best := []int{0} // per trie node, the index into entries of its best entry
	for i := range entries {
		e := &entries[i]
		n := 0
		for depth := 0; ; depth++ {
			if i != 0 && e.beats(&entries[best[n]], depth) {
				best[n] = i
			}
			if depth == len(e.coords) {
				break
			}
			next, ok := tab.child(n, e.coords[depth])
			if !ok {
				next = tab.addChild(n, e.coords[depth])
				best = append(best, i)
			}
			n = next
		}
	}
	for n := range tab.nodes {
		tab.nodes[n].best = entries[best[n]].port
	}
	return tab
}

func (tab *Table) child(n int, port uint64) (int, bool) {
	cs := tab.nodes[n].children
	i := sort.Search(len(cs), func(i int) bool { return cs[i].port >= port })
	if i < len(cs) && cs[i].port == port {
		return int(cs[i].node), true
	}
	return 0, false
}

func (tab *Table) addChild(n int, port uint64) int {
	idx := len(tab.nodes)
	tab.nodes = append(tab.nodes, trieNode{})
	cs := tab.nodes[n].children
	i := sort.Search(len(cs), func(i int) bool { return cs[i].port >= port })
	cs = append(cs, trieChild{})
	copy(cs[i+1:], cs[i:])
	cs[i] = trieChild{port: port, node: int32(idx)}
	tab.nodes[n].children = cs
	return idx
}

// Lookup returns the port to forward a packet to, given the raw bytes of its
// destination coords (without the length prefix). The walk stops at a 0
// port (the flow-key suffix), at a truncated port, at the end of the coords
// or where no longer prefix exists. Port 0 means deliver to ourselves.
func (tab *Table) Lookup(raw []byte) Port {
	n := 0
	for len(raw) > 0 {
		p, k := wire.Uvarint(raw)
		if k == 0 || p == 0 {
			break
		}
		next, ok := tab.child(n, p)
		if !ok {
			break
		}
		n = next
		raw = raw[k:]
	}
	return tab.nodes[n].best
}

// Has reports whether traffic arriving on port may be forwarded: port 0
// (ourselves) always, a peer only while it is in the table, i.e. it follows
// our root and is not blocked (§5.4).
func (tab *Table) Has(port Port) bool {
	if port == 0 {
		return true
	}
	i := sort.Search(len(tab.peers), func(i int) bool { return tab.peers[i].Port >= port })
	return i < len(tab.peers) && tab.peers[i].Port == port
}

// Self returns a copy of our coords as of this table.
func (tab *Table) Self() wire.Coords { return tab.self.Clone() }

// Root returns the root this table was built for.
func (tab *Table) Root() crypto.SigPubKey { return tab.root }

// TStamp returns our root timestamp as of this table.
func (tab *Table) TStamp() int64 { return tab.tstamp }

// Peers lists the peers in the table in ascending port order, with copies
// of their coords (for the admin's getSwitchPeers).
func (tab *Table) Peers() []TableEntry {
	out := make([]TableEntry, len(tab.peers))
	for i, e := range tab.peers {
		out[i] = TableEntry{Port: e.Port, Coords: e.Coords.Clone()}
	}
	return out
}

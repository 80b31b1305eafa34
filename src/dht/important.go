package dht

import (
	"math"
	"slices"

	"github.com/yggmesh/ygg/src/crypto"
)

// The important set (spec 02 §3.6) is what keeps the ring connected: our
// nearest predecessors and successors, plus, further round the ring, each
// node that is strictly closer to us in the tree than every nearer one. Only
// important nodes are pinged, kept when dirty, and learned from responses.

// important returns the cached important set, recomputing it after any
// change. The list may hold an entry twice (once from each side).
func (t *Table) important() []*entry {
	if t.impValid {
		return t.imp
	}
	// L: entries ordered by how far they lie behind us, so L[0] is our
	// immediate predecessor and the last one our immediate successor.
	list := make([]byDistance[*entry], 0, len(t.entries))
	for id, e := range t.entries {
		list = append(list, byDistance[*entry]{dist: cw(&id, &t.selfID), item: e})
	}
	sortByDistance(list)
	sorted := make([]*entry, len(list))
	for i := range list {
		sorted[i] = list[i].item
	}
	// The backward pass walks the unmodified L, the alternative §3.6 allows
	// to the reference's in-place overwrite.
	fwd := t.keepCloser(sorted)
	slices.Reverse(sorted)
	bwd := t.keepCloser(sorted)
	slices.Reverse(bwd)
	t.imp = append(fwd, bwd...)
	t.impValid = true
	return t.imp
}

// keepCloser walks list in order and keeps the first two entries, then each
// entry strictly tree-closer to us than every entry kept before it.
func (t *Table) keepCloser(list []*entry) []*entry {
	var kept []*entry
	best := math.MaxInt
	for _, e := range list {
		td := t.coords.Dist(e.info.Coords)
		switch {
		case td < best:
			kept = append(kept, e)
			best = td
		case len(kept) < 2:
			kept = append(kept, e)
		}
	}
	return kept
}

// isImportant reports whether a candidate node (id is its NodeID) would
// belong to the important set: it is in it already, or it lies on the ring
// between us and some important node while being strictly tree-closer than
// every important node visited before that one. An empty table finds
// nothing important, so growth starts only from direct peers.
func (t *Table) isImportant(id *crypto.NodeID, info *Info) bool {
	if info.Key == t.self {
		return false
	}
	imp := t.important()
	if len(imp) == 0 {
		return false
	}
	td := t.coords.Dist(info.Coords)
	best := math.MaxInt
	for _, e := range imp {
		if e.id == *id || (td < best && ordered(&e.id, id, &t.selfID)) {
			return true
		}
		best = min(best, t.coords.Dist(e.info.Coords))
	}
	best = math.MaxInt
	for i := len(imp) - 1; i >= 0; i-- {
		e := imp[i]
		if e.id == *id || (td < best && ordered(&t.selfID, id, &e.id)) {
			return true
		}
		best = min(best, t.coords.Dist(e.info.Coords))
	}
	return false
}

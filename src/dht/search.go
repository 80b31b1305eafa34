package dht

import (
	"slices"
	"time"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/crypto"
)

// A search (spec 02 §4) looks for the node whose NodeID matches dest on the
// bits set in mask. It asks nodes ever closer to dest, measured clockwise
// from dest, so it converges on dest's successor, the node that owns dest;
// that is why the zero-filled unknown bits of a partial NodeID are safe.
//
// The owning actor drives it: Start gives the first chain (a question to
// ourselves, i.e. a lookup in our own table); each chain asks one candidate
// now and, SearchStep later, its next still-useful candidate; every answer
// goes to HandleResponse, which either ends the search or hands back the
// candidates for a new, parallel chain. TimedOut ends a search that made no
// progress for SearchTimeout.

// maxVisited bounds the visited list and a chain's candidate list.
const maxVisited = 16

// Search is the state of one search. Like Table it has a single owner.
type Search struct {
	idOf  idFunc
	self  Info
	dest  crypto.NodeID
	mask  crypto.NodeID
	found bool
	// visited holds the responders closest to dest, nearest first. It
	// starts as our own NodeID, so nothing behind us is ever asked.
	visited  []crypto.NodeID
	progress time.Time
}

// NewSearch starts a search from self (our key and current coords) for the
// node matching dest on the bits set in mask.
func NewSearch(self Info, dest, mask crypto.NodeID, now time.Time) *Search {
	return newSearch(self, dest, mask, now, realNodeID)
}

func newSearch(self Info, dest, mask crypto.NodeID, now time.Time, idOf idFunc) *Search {
	return &Search{
		idOf:     idOf,
		self:     self,
		dest:     dest,
		mask:     mask,
		visited:  []crypto.NodeID{idOf(&self.Key)},
		progress: now,
	}
}

// Dest is the (possibly partial) NodeID searched for.
func (s *Search) Dest() crypto.NodeID { return s.dest }

// Mask has a bit set for every bit of Dest that must match.
func (s *Search) Mask() crypto.NodeID { return s.mask }

// Found reports whether a responder has matched.
func (s *Search) Found() bool { return s.found }

// Start returns the first chain, whose only candidate is ourselves.
func (s *Search) Start() *Chain { return s.NewChain([]Info{s.self}) }

// Allowed keeps the candidates not yet visited that are no farther from dest
// than the farthest visited node, nearest first, at most 16 (spec 02 §4.2).
func (s *Search) Allowed(list []Info) []Info {
	last := &s.visited[len(s.visited)-1]
	kept := make([]byDistance[Info], 0, len(list))
	for _, info := range list {
		id := s.idOf(&info.Key)
		if slices.Contains(s.visited, id) || !ordered(&s.dest, &id, last) {
			continue
		}
		// A node listed twice would only be asked twice.
		if slices.ContainsFunc(kept, func(k byDistance[Info]) bool { return k.item.Key == info.Key }) {
			continue
		}
		kept = append(kept, byDistance[Info]{dist: cw(&s.dest, &id), item: info})
	}
	sortByDistance(kept)
	out := make([]Info, 0, min(len(kept), maxVisited))
	for i := 0; i < len(kept) && i < maxVisited; i++ {
		out = append(out, kept[i].item)
	}
	return out
}

// HandleResponse processes an answer to one of this search's requests (spec
// 02 §4.4); nil, a timed-out request, is ignored. done is true when the
// responder itself matches dest under the mask: listed entries never count,
// because only the owner's own answer proves it is reachable at the coords
// it gave. Otherwise next holds the candidates for a new chain, if any.
func (s *Search) HandleResponse(res *Response, now time.Time) (done bool, next []Info) {
	if res == nil || s.found {
		return false, nil
	}
	them := s.idOf(&res.From.Key)
	s.visit(them, now)
	if address.Matches(&them, &s.dest, &s.mask) {
		s.found = true
		return true, nil
	}
	return false, s.Allowed(res.Infos)
}

// visit records a responder if it is among the 16 closest seen so far; only
// that counts as progress.
func (s *Search) visit(them crypto.NodeID, now time.Time) {
	if slices.Contains(s.visited, them) {
		return
	}
	if len(s.visited) >= maxVisited && !ordered(&s.dest, &them, &s.visited[len(s.visited)-1]) {
		return
	}
	list := make([]byDistance[crypto.NodeID], 0, len(s.visited)+1)
	for _, id := range append(s.visited, them) {
		list = append(list, byDistance[crypto.NodeID]{dist: cw(&s.dest, &id), item: id})
	}
	sortByDistance(list)
	s.visited = s.visited[:0]
	for i := 0; i < len(list) && i < maxVisited; i++ {
		s.visited = append(s.visited, list[i].item)
	}
	s.progress = now
}

// TimedOut reports whether the search has gone SearchTimeout without
// progress; if not, checkAt is when to ask again. Reaching the deadline
// exactly counts as timed out, so a virtual clock cannot spin on it.
func (s *Search) TimedOut(now time.Time) (timedOut bool, checkAt time.Time) {
	deadline := s.progress.Add(SearchTimeout)
	if !now.Before(deadline) {
		return true, time.Time{}
	}
	return false, deadline
}

// Chain is one thread of a search: a candidate list asked one at a time, a
// SearchStep apart, re-filtered against the search's progress before each
// step so that it stops when nothing in it can help any more.
type Chain struct {
	search  *Search
	list    []Info
	started bool
}

// NewChain makes a chain over list, normally what HandleResponse returned.
func (s *Search) NewChain(list []Info) *Chain { return &Chain{search: s, list: list} }

// Next returns the node to ask now, or ok false when the chain is finished
// (or the search is). The caller registers a callback for (next.Key, Dest),
// records the request, sends it, and calls Next again SearchStep later.
func (c *Chain) Next() (next Info, ok bool) {
	if c.started && len(c.list) > 0 {
		c.list = c.search.Allowed(c.list[1:])
	}
	c.started = true
	if c.search.found || len(c.list) == 0 {
		return Info{}, false
	}
	return c.list[0], true
}

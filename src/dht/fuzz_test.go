package dht

import (
	"bytes"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// opReader hands out small numbers from fuzz input, zeros once it runs out.
type opReader struct{ b []byte }

func (r *opReader) next(n int) int {
	if len(r.b) == 0 {
		return 0
	}
	v := int(r.b[0]) % n
	r.b = r.b[1:]
	return v
}

func (r *opReader) node() uint64 { return uint64(r.next(12)) * 10 }

func (r *opReader) coords() wire.Coords {
	c := make(wire.Coords, r.next(4))
	for i := range c {
		c[i] = uint64(1 + r.next(3))
	}
	return c
}

func (r *opReader) info() Info { return Info{Key: keyN(r.node()), Coords: r.coords()} }

// FuzzTableOps runs random operation sequences on a table in a small
// keyspace (so collisions with ourselves and between entries are common)
// and checks the invariants after every step.
func FuzzTableOps(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0, 3, 1, 7, 0, 10, 200, 7})
	f.Add([]byte{1, 2, 1, 1, 4, 2, 4, 3, 2, 0, 6, 3, 2, 0, 4, 1, 2, 7, 8, 1, 1})
	f.Add(bytes.Repeat([]byte{5, 3, 9, 0, 1, 6, 3, 9, 2, 10, 70}, 8))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &opReader{b: data}
		tab := fakeTable(50, 1)
		now := t0
		calls := map[int]int{}
		registered := 0
		for len(r.b) > 0 {
			switch r.next(11) {
			case 0:
				tab.Insert(r.info(), now)
			case 1:
				tab.AddPeer(r.info(), now)
			case 2:
				checkLookup(t, tab, idN(r.node()+uint64(r.next(3))))
			case 3:
				from := r.info()
				answer, _ := tab.HandleRequest(from, idN(r.node()), now)
				if len(answer) > LookupSize {
					t.Fatalf("answer of %d", len(answer))
				}
			case 4:
				tab.SentRequest(keyN(r.node()), idN(r.node()), now)
			case 5:
				id := registered
				registered++
				tab.AddCallback(keyN(r.node()), idN(r.node()), now, func(*Response) { calls[id]++ })
			case 6:
				res := &Response{From: r.info(), Dest: idN(r.node())}
				for range r.next(20) {
					res.Infos = append(res.Infos, r.info())
				}
				for _, p := range tab.HandleResponse(res, now) {
					checkPing(t, tab, p)
				}
			case 7:
				for _, p := range tab.Maintain(now) {
					checkPing(t, tab, p)
				}
			case 8:
				tab.Reset(r.coords())
			case 9:
				tab.SetCoords(r.coords())
			case 10:
				now = now.Add(time.Duration(r.next(256)) * 250 * time.Millisecond)
			}
			checkTable(t, tab)
		}
		tab.Maintain(now.Add(time.Hour))
		for id := range registered {
			if calls[id] != 1 {
				t.Fatalf("callback %d called %d times", id, calls[id])
			}
		}
		if tab.Len() != 0 || len(tab.reqs) != 0 {
			t.Fatal("an hour of silence left entries or requests behind")
		}
	})
}

func checkTable(t *testing.T, tab *Table) {
	t.Helper()
	if _, ok := tab.entries[tab.selfID]; ok {
		t.Fatal("own NodeID in the table")
	}
	for id, e := range tab.entries {
		if id != e.id || id != fakeIDOf(&e.info.Key) {
			t.Fatal("entry filed under the wrong NodeID")
		}
	}
	for _, e := range tab.important() {
		if tab.entries[e.id] != e {
			t.Fatal("important set holds an entry that is not in the table")
		}
	}
	checkLookup(t, tab, tab.selfID)
}

func checkLookup(t *testing.T, tab *Table, target crypto.NodeID) {
	t.Helper()
	got := tab.Lookup(target)
	if len(got) != min(tab.Len(), LookupSize) {
		t.Fatalf("lookup gave %d of %d entries", len(got), tab.Len())
	}
	seen := map[crypto.BoxPubKey]bool{}
	for _, in := range got {
		if seen[in.Key] || in.Key == tab.self {
			t.Fatal("lookup repeated an entry or listed us")
		}
		seen[in.Key] = true
	}
	if _, ok := tab.entries[target]; ok && !seen[tab.entries[target].info.Key] {
		t.Fatal("lookup left out an exact match")
	}
}

func checkPing(t *testing.T, tab *Table, p Info) {
	t.Helper()
	if p.Key == tab.self {
		t.Fatal("asked to ping ourselves")
	}
	if _, ok := tab.reqs[reqKey{p.Key, tab.selfID}]; !ok {
		t.Fatal("ping not recorded")
	}
}

// FuzzSearch feeds a search random responses and chain steps and checks
// its visited list and candidate filter.
func FuzzSearch(f *testing.F) {
	f.Add([]byte{0, 3, 5, 1, 2, 0, 7, 9, 1, 2})
	f.Add(bytes.Repeat([]byte{0, 9, 4, 1, 1, 2, 3}, 10))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &opReader{b: data}
		var mask crypto.NodeID
		for i := range r.next(64) {
			mask[i] = 0xff
		}
		s := newSearch(info(50), idN(r.node()+1), mask, t0, fakeIDOf)
		now := t0
		chains := []*Chain{s.Start()}
		for len(r.b) > 0 {
			switch r.next(4) {
			case 0:
				res := &Response{From: info(r.node() + uint64(r.next(7))), Dest: s.Dest()}
				for range r.next(24) {
					res.Infos = append(res.Infos, info(r.node()+uint64(r.next(7))))
				}
				wasFound := s.Found()
				done, next := s.HandleResponse(res, now)
				if done && (wasFound || !s.Found()) {
					t.Fatal("done twice, or done without Found")
				}
				if wasFound && !s.Found() {
					t.Fatal("search un-found itself")
				}
				checkAllowed(t, s, next)
				if len(next) > 0 {
					chains = append(chains, s.NewChain(next))
				}
			case 1:
				c := chains[r.next(len(chains))]
				if next, ok := c.Next(); ok && s.Found() {
					t.Fatalf("chain of a found search asked %d", nOf(next.Key))
				}
			case 2:
				if out, at := s.TimedOut(now); !out && !at.After(now) {
					t.Fatal("check-again time not in the future")
				}
			case 3:
				now = now.Add(time.Duration(r.next(8)) * 500 * time.Millisecond)
			}
			checkVisited(t, s)
		}
	})
}

func checkVisited(t *testing.T, s *Search) {
	t.Helper()
	if len(s.visited) == 0 || len(s.visited) > maxVisited {
		t.Fatalf("visited has %d", len(s.visited))
	}
	for i := 1; i < len(s.visited); i++ {
		a, b := cw(&s.dest, &s.visited[i-1]), cw(&s.dest, &s.visited[i])
		if bytes.Compare(a[:], b[:]) >= 0 {
			t.Fatal("visited not strictly ascending by distance from dest")
		}
	}
}

func checkAllowed(t *testing.T, s *Search, list []Info) {
	t.Helper()
	if len(list) > maxVisited {
		t.Fatalf("%d candidates", len(list))
	}
	last := &s.visited[len(s.visited)-1]
	var prev *crypto.NodeID
	for _, in := range list {
		id := fakeIDOf(&in.Key)
		if !ordered(&s.dest, &id, last) {
			t.Fatal("candidate farther than the farthest visited node")
		}
		for _, v := range s.visited {
			if v == id {
				t.Fatal("visited node offered again")
			}
		}
		if prev != nil {
			a, b := cw(&s.dest, prev), cw(&s.dest, &id)
			if bytes.Compare(a[:], b[:]) >= 0 {
				t.Fatal("candidates not strictly ascending")
			}
		}
		prev = &id
	}
}

package tree

import (
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/wire"
)

// fuzzInput hands out bytes, then zeros once they run out.
type fuzzInput []byte

func (in *fuzzInput) next() byte {
	if len(*in) == 0 {
		return 0
	}
	b := (*in)[0]
	*in = (*in)[1:]
	return b
}

func (in *fuzzInput) take(n int) []byte {
	n = min(n, len(*in))
	b := (*in)[:n]
	*in = (*in)[n:]
	return b
}

// craft builds a message from a small alphabet of keys, ports and stamps
// near now, so that roots, loops and timestamps collide often.
func (in *fuzzInput) craft(now time.Time) *wire.SwitchMsg {
	m := &wire.SwitchMsg{
		Root:   keys[in.next()%8],
		TStamp: now.Unix() - 3 + int64(in.next()%8),
	}
	flags := in.next()
	for n := int(flags % 5); n > 0; n-- {
		b := in.next()
		m.Hops = append(m.Hops, wire.SwitchHop{Port: Port(b % 4), Next: keys[(b>>2)%8]})
	}
	if len(m.Hops) > 0 && flags&0x80 == 0 {
		m.Hops[len(m.Hops)-1].Next = us
	}
	return m
}

// FuzzTree drives a Tree with arbitrary messages, removals, blocks and
// clock jumps, and checks its invariants after every step.
func FuzzTree(f *testing.F) {
	f.Add([]byte{0, 1, 7, 3, 1, 4, 1})
	f.Add([]byte{0, 1, 7, 3, 1, 4, 0, 2, 7, 3, 2, 8, 4, 2, 1, 4, 61, 4, 61})
	f.Add([]byte{0, 1, 7, 3, 2, 4, 5, 3, 1, 1, 0, 2, 7, 3, 1, 8, 2, 1, 4, 20, 0, 1, 7, 5, 2, 4, 5})
	f.Add([]byte{5, 40, 3, 1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzzInput(data)
		now := at(0)
		tr := New(us, now)
		for step := 0; len(in) > 0 && step < 300; step++ {
			before := snapshot(tr)
			var c Changes
			switch op := in.next(); op % 6 {
			case 0, 1:
				port := Port(in.next() % 5)
				m := in.craft(now)
				// Usually root-check first, as a node does; sometimes not,
				// to reach states only a careless caller could.
				if op&0x80 != 0 || len(m.Hops) == 0 || tr.RootCheck(m) {
					c = tr.Handle(port, m, now)
				}
			case 2:
				c = tr.RemovePeer(Port(in.next()%5), now)
			case 3:
				c = tr.SetBlocked(Port(in.next()%5), in.next()&1 == 1, now)
			case 4:
				now = now.Add(time.Duration(in.next()%70) * time.Second)
				c = tr.Maintain(now)
				for root := range tr.dropped {
					if !root.Better(&tr.root) {
						t.Fatalf("dropped keeps a root no better than ours")
					}
				}
			case 5:
				var m wire.SwitchMsg
				raw := in.take(int(in.next()))
				if m.Decode(raw) == nil {
					c = tr.Handle(Port(in.next()%5), &m, now)
				}
			}
			if err := invariants(tr); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			before.check(t, tr, c)
			if p := tr.Table().Lookup(in.take(3)); !tr.Table().Has(p) {
				t.Fatalf("lookup returned port %d, not in the table", p)
			}
		}
	})
}

type treeState struct {
	table  *Table
	root   string
	coords string
	tstamp int64
}

func snapshot(tr *Tree) treeState {
	return treeState{tr.Table(), tr.Root().String(), tr.Coords().String(), tr.TStamp()}
}

// check asserts that Changes reports what actually changed.
func (s treeState) check(t *testing.T, tr *Tree, c Changes) {
	t.Helper()
	if c.Table != (tr.Table() != s.table) {
		t.Fatalf("Changes.Table = %v but table replaced = %v", c.Table, !c.Table)
	}
	locMoved := tr.Root().String() != s.root || tr.Coords().String() != s.coords
	if locMoved && !c.Reset {
		t.Fatalf("root or coords changed without Reset")
	}
	if (locMoved || tr.TStamp() != s.tstamp) && !c.SendAll {
		t.Fatalf("locator changed without SendAll")
	}
}

// FuzzLookup walks arbitrary destination bytes through the spec's example
// table: it must never panic and must agree with a plain longest-prefix
// search over the entries.
func FuzzLookup(f *testing.F) {
	f.Add(raw(1, 2, 4, 9))
	f.Add(raw(1, 2, 0, 77))
	f.Add([]byte{0x81})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, dest []byte) {
		tr := exampleTree(t)
		tab := tr.Table()
		got := tab.Lookup(dest)
		want := slowLookup(tab, wire.RoutingPorts(dest, nil))
		if got != want {
			t.Fatalf("Lookup(%x) = %d, want %d", dest, got, want)
		}
	})
}

// slowLookup is the definition of §6.10 without a trie: find the longest
// prefix of d that is a prefix of some entry, then the best entry under it.
// The example table has distinct timestamps-and-times, so ties resolve as
// the table's tie-breaks say.
func slowLookup(tab *Table, d wire.Coords) Port {
	type cand struct {
		port   Port
		coords wire.Coords
	}
	cands := []cand{{0, tab.self}}
	for _, e := range tab.peers {
		cands = append(cands, cand{e.Port, e.Coords})
	}
	depth := 0
	for _, c := range cands {
		depth = max(depth, common(c.coords, d))
	}
	best, bestLen := Port(0), -1
	for _, c := range cands { // self first, then ascending port = receive order here
		if common(c.coords, d) >= depth && (bestLen < 0 || len(c.coords) < bestLen) {
			best, bestLen = c.port, len(c.coords)
		}
	}
	return best
}

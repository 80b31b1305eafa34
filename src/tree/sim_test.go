package tree

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// sim is a network of Trees joined by in-memory links. Each switch message
// is built exactly as a node builds it (BaseMessage, then AddHop with the
// sender's port toward the receiver and the receiver's key), encoded,
// decoded, verified, root-checked and handled. Delivery is FIFO and
// instant; time moves in 1 s ticks, each tick calling Maintain on every
// node in index order.
type sim struct {
	tb     testing.TB
	now    time.Time
	nodes  []*simNode
	queue  []delivery
	sent   int
	verify func(*wire.SwitchMsg) error
}

type simNode struct {
	pub   crypto.SigPubKey
	priv  crypto.SigPrivKey
	tree  *Tree
	links map[Port]simLink
}

// simLink is our end of a link: the neighbour and its port toward us.
type simLink struct {
	to   int
	back Port
}

type delivery struct {
	to   int
	port Port
	msg  []byte
}

func newSim(tb testing.TB, n int, label string) *sim {
	s := &sim{tb: tb, now: t0}
	s.verify = (*wire.SwitchMsg).Verify
	for i := 0; i < n; i++ {
		pub, priv := testKey(fmt.Sprintf("%s-%d", label, i))
		s.nodes = append(s.nodes, &simNode{pub: pub, priv: priv, tree: New(pub, s.now), links: map[Port]simLink{}})
	}
	return s
}

// freePort is the lowest unused port >= 1 (§5.3).
// cachedVerify checks the same things as wire.SwitchMsg.Verify, but
// verifies each distinct (signer, signed bytes, signature) only once per
// simulation. A node's message repeats its parent's hops, so in a big
// network almost every signature has been checked before, by someone; only
// the new last hop costs an ed25519 verification.
func (s *sim) cachedVerify() func(*wire.SwitchMsg) error {
	seen := map[string]bool{}
	var buf []byte
	return func(m *wire.SwitchMsg) error {
		if len(m.Hops) == 0 {
			return wire.ErrNoHops
		}
		for i := range m.Hops {
			buf = append(buf[:0], m.Signer(i)[:]...)
			buf = m.AppendSigBytes(buf, i)
			signed := buf[crypto.SigPubKeyLen:]
			buf = append(buf, m.Hops[i].Sig[:]...)
			if seen[string(buf)] {
				continue
			}
			if !crypto.Verify(m.Signer(i), signed, &m.Hops[i].Sig) {
				return wire.ErrBadSignature
			}
			seen[string(buf)] = true
		}
		return nil
	}
}

func (n *simNode) freePort() Port {
	for p := Port(1); ; p++ {
		if _, used := n.links[p]; !used {
			return p
		}
	}
}

// connect links a and b; each side sends its switch message at once (§5.4).
func (s *sim) connect(a, b int) {
	pa, pb := s.nodes[a].freePort(), s.nodes[b].freePort()
	s.nodes[a].links[pa] = simLink{to: b, back: pb}
	s.nodes[b].links[pb] = simLink{to: a, back: pa}
	s.send(a, pa)
	s.send(b, pb)
}

// disconnect closes the link between a and b on both ends.
func (s *sim) disconnect(a, b int) {
	for p, l := range s.nodes[a].links {
		if l.to == b {
			delete(s.nodes[a].links, p)
			delete(s.nodes[b].links, l.back)
			s.apply(a, s.nodes[a].tree.RemovePeer(p, s.now))
			s.apply(b, s.nodes[b].tree.RemovePeer(l.back, s.now))
			return
		}
	}
	s.tb.Fatalf("no link %d-%d", a, b)
}

func (s *sim) send(from int, port Port) {
	n := s.nodes[from]
	base, ok := n.tree.BaseMessage()
	if !ok {
		return
	}
	l := n.links[port]
	base.AddHop(port, &s.nodes[l.to].pub, &n.priv)
	s.queue = append(s.queue, delivery{to: l.to, port: l.back, msg: base.Encode(nil)})
	s.sent++
}

func (s *sim) apply(i int, c Changes) {
	if c.Table && s.nodes[i].tree.Table() == nil {
		s.tb.Fatal("table rebuilt but missing")
	}
	if !c.SendAll {
		return
	}
	for _, p := range s.nodes[i].ports() {
		s.send(i, p)
	}
}

// ports lists the node's link ports in ascending order, so runs repeat.
func (n *simNode) ports() []Port {
	ps := make([]Port, 0, len(n.links))
	for p := range n.links {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// drain delivers queued messages, and the ones they cause, until none are left.
func (s *sim) drain() {
	for len(s.queue) > 0 {
		d := s.queue[0]
		s.queue = s.queue[1:]
		n := s.nodes[d.to]
		if _, up := n.links[d.port]; !up {
			continue // the link closed while the message was in flight
		}
		var msg wire.SwitchMsg
		if err := msg.Decode(d.msg); err != nil {
			s.tb.Fatalf("node %d: decode: %v", d.to, err)
		}
		if err := s.verify(&msg); err != nil {
			s.tb.Fatalf("node %d: verify: %v", d.to, err)
		}
		if last := msg.Hops[len(msg.Hops)-1].Next; last != n.pub {
			s.tb.Fatalf("node %d got a message addressed to someone else", d.to)
		}
		if !n.tree.RootCheck(&msg) {
			continue
		}
		s.apply(d.to, n.tree.Handle(d.port, &msg, s.now))
	}
}

// run advances virtual time by secs ticks.
func (s *sim) run(secs int) {
	s.drain()
	for i := 0; i < secs; i++ {
		s.now = s.now.Add(MaintainInterval)
		for j, n := range s.nodes {
			s.apply(j, n.tree.Maintain(s.now))
		}
		s.drain()
	}
}

// components lists the connected components of the link graph.
func (s *sim) components() [][]int {
	seen := make([]bool, len(s.nodes))
	var out [][]int
	for i := range s.nodes {
		if seen[i] {
			continue
		}
		comp := []int{i}
		seen[i] = true
		for k := 0; k < len(comp); k++ {
			for _, l := range s.nodes[comp[k]].links {
				if !seen[l.to] {
					seen[l.to] = true
					comp = append(comp, l.to)
				}
			}
		}
		out = append(out, comp)
	}
	return out
}

// best is the node of comp with the highest TreeID.
func (s *sim) best(comp []int) int {
	b := comp[0]
	for _, i := range comp[1:] {
		if s.nodes[i].pub.Better(&s.nodes[b].pub) {
			b = i
		}
	}
	return b
}

// check asserts a converged, consistent tree in every component, and that
// forwarding by coords delivers between every pair.
func (s *sim) check() {
	s.tb.Helper()
	for _, comp := range s.components() {
		root := s.nodes[s.best(comp)].pub
		seen := map[string]int{}
		for _, i := range comp {
			n := s.nodes[i]
			checkInvariants(s.tb, n.tree)
			if n.tree.Root() != root {
				s.tb.Fatalf("node %d follows root %s…, want %s…", i, n.tree.Root().String()[:8], root.String()[:8])
			}
			c := n.tree.Coords()
			if j, dup := seen[c.String()]; dup {
				s.tb.Fatalf("nodes %d and %d share coords %v", j, i, c)
			}
			seen[c.String()] = i
			if n.pub == root {
				if n.tree.Parent() != 0 || len(c) != 0 {
					s.tb.Fatalf("root %d has parent %d coords %v", i, n.tree.Parent(), c)
				}
				continue
			}
			l, ok := n.links[n.tree.Parent()]
			if !ok {
				s.tb.Fatalf("node %d: parent port %d is not a link", i, n.tree.Parent())
			}
			want := append(s.nodes[l.to].tree.Coords(), l.back)
			if !c.Equal(want) {
				s.tb.Fatalf("node %d coords %v, parent %d coords+port %v", i, c, l.to, want)
			}
		}
		links := 0
		for _, i := range comp {
			links += len(s.nodes[i].links)
		}
		strict := links/2 == len(comp)-1
		for _, src := range comp {
			for _, dst := range comp {
				s.route(src, dst, strict)
			}
		}
	}
}

// route forwards a packet from src toward dst's coords, with a flow-key
// suffix, and checks every hop makes progress: the common prefix with the
// destination grows, or it stays and the tree distance shrinks. That is the
// general guarantee of §6.10 and rules out loops.
//
// Only where the links form a tree (strict) is the route also no longer than
// the tree distance: elsewhere a neighbour inside the destination's subtree
// wins on prefix even when the parent is nearer (TestLookupPrefixBeatsDistance).
func (s *sim) route(src, dst int, strict bool) {
	d := s.nodes[dst].tree.Coords()
	rawDest := wire.AppendCoordsRaw(nil, append(d.Clone(), 0, 12345))
	cur, hops := src, 0
	for {
		port := s.nodes[cur].tree.Table().Lookup(rawDest)
		if port == 0 {
			break
		}
		l, ok := s.nodes[cur].links[port]
		if !ok {
			s.tb.Fatalf("route %d->%d: node %d chose port %d, not a link", src, dst, cur, port)
		}
		cc, nc := s.nodes[cur].tree.Coords(), s.nodes[l.to].tree.Coords()
		pc, pn := common(cc, d), common(nc, d)
		if pn < pc || (pn == pc && nc.Dist(d) >= cc.Dist(d)) {
			s.tb.Fatalf("route %d->%d: hop %v -> %v makes no progress toward %v", src, dst, cc, nc, d)
		}
		cur = l.to
		hops++
	}
	if cur != dst {
		s.tb.Fatalf("route %d->%d ends at %d (coords %v, want %v)", src, dst, cur, s.nodes[cur].tree.Coords(), d)
	}
	if dist := s.nodes[src].tree.Coords().Dist(d); strict && hops > dist {
		s.tb.Fatalf("route %d->%d took %d hops, tree distance %d", src, dst, hops, dist)
	}
}

func common(a, b wire.Coords) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func (s *sim) connectAll(edges [][2]int) {
	for _, e := range edges {
		s.connect(e[0], e[1])
	}
}

func lineEdges(n int) [][2]int {
	var e [][2]int
	for i := 1; i < n; i++ {
		e = append(e, [2]int{i - 1, i})
	}
	return e
}

func ringEdges(n int) [][2]int { return append(lineEdges(n), [2]int{n - 1, 0}) }

// randomEdges is a reproducible connected graph: a random spanning tree plus
// extra random links.
func randomEdges(n, extra int, seed uint64) [][2]int {
	x := seed
	next := func(m int) int { // xorshift, so runs never depend on the Go version
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return int(x % uint64(m))
	}
	var e [][2]int
	have := map[[2]int]bool{}
	add := func(a, b int) {
		if a == b || have[[2]int{a, b}] || have[[2]int{b, a}] {
			return
		}
		have[[2]int{a, b}] = true
		e = append(e, [2]int{a, b})
	}
	for i := 1; i < n; i++ {
		add(next(i), i)
	}
	for len(e) < n-1+extra {
		add(next(n), next(n))
	}
	return e
}

func TestSimConverges(t *testing.T) {
	cases := []struct {
		name  string
		n     int
		edges [][2]int
	}{
		{"2 line", 2, lineEdges(2)},
		{"3 line", 3, lineEdges(3)},
		{"3 ring", 3, ringEdges(3)},
		{"10 line", 10, lineEdges(10)},
		{"10 ring", 10, ringEdges(10)},
		{"10 random", 10, randomEdges(10, 8, 7)},
		{"40 random", 40, randomEdges(40, 40, 11)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSim(t, c.n, c.name)
			s.connectAll(c.edges)
			s.run(1)
			s.check()
			// Several root refreshes later nothing has broken, and the
			// refreshes reached every node.
			s.run(100)
			s.check()
			for i, n := range s.nodes {
				if s.now.Unix()-n.tree.TStamp() > 31+15 {
					t.Fatalf("node %d stuck on timestamp %d at %d", i, n.tree.TStamp(), s.now.Unix())
				}
			}
		})
	}
}

func TestSimCutLink(t *testing.T) {
	cases := []struct {
		name  string
		n     int
		edges [][2]int
	}{
		{"10 ring", 10, ringEdges(10)},
		{"10 random", 10, randomEdges(10, 8, 7)},
		{"10 line (splits)", 10, lineEdges(10)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSim(t, c.n, c.name)
			s.verify = s.cachedVerify() // long run; TestSimConverges uses Verify itself
			s.connectAll(c.edges)
			s.run(40)
			s.check()
			// Cut every tree link in turn, letting the tree heal in between:
			// at worst a stranded node waits out the 60 s root timeout and
			// then the next 30 s refresh from the root.
			for i := range s.nodes {
				p := s.nodes[i].tree.Parent()
				if p == 0 {
					continue
				}
				l := s.nodes[i].links[p]
				s.disconnect(i, l.to)
				s.run(int((RootTimeout+RefreshInterval)/time.Second) + 10)
				s.check()
				s.connect(i, l.to)
				s.run(5)
				s.check()
			}
		})
	}
}

func TestSimRootLoss(t *testing.T) {
	cases := []struct {
		name  string
		n     int
		edges [][2]int
	}{
		{"10 ring", 10, ringEdges(10)},
		{"10 random", 10, randomEdges(10, 8, 3)},
		{"10 line", 10, lineEdges(10)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSim(t, c.n, c.name)
			s.connectAll(c.edges)
			s.run(40)
			s.check()
			all := make([]int, c.n)
			for i := range all {
				all[i] = i
			}
			old := s.best(all)
			oldStamp := s.nodes[old].tree.TStamp()
			for _, p := range s.nodes[old].ports() {
				s.disconnect(old, s.nodes[old].links[p].to)
			}
			// Each node keeps the lost root until RootTimeout after the
			// last timestamp it took from it, and not a tick longer.
			deadline := make([]time.Time, c.n)
			for i, n := range s.nodes {
				deadline[i] = n.tree.switchTime.Add(RootTimeout)
			}
			for tick := 0; tick < 150; tick++ {
				s.run(1)
				for i, n := range s.nodes {
					gone := n.tree.Root() != s.nodes[old].pub
					if i != old && gone != s.now.After(deadline[i]) {
						t.Fatalf("node %d: old root given up = %v at %v, timeout at %v", i, gone, s.now.Sub(t0), deadline[i].Sub(t0))
					}
				}
			}
			s.check()
			// The old root's last timestamp is now refused everywhere.
			stale := &wire.SwitchMsg{Root: s.nodes[old].pub, TStamp: oldStamp}
			for i, n := range s.nodes {
				if i != old && n.tree.RootCheck(stale) {
					t.Fatalf("node %d would take the dropped root back", i)
				}
			}
			// The old root comes back with fresh timestamps and wins again.
			for _, e := range c.edges {
				if e[0] == old || e[1] == old {
					s.connect(e[0], e[1])
				}
			}
			s.run(40)
			s.check()
			if s.nodes[0].tree.Root() != s.nodes[old].pub {
				t.Fatal("the returning best root did not win")
			}
		})
	}
}

// TestSimDeterministic runs the same network twice and expects the same
// trees, message for message.
func TestSimDeterministic(t *testing.T) {
	state := func() string {
		s := newSim(t, 12, "det")
		s.connectAll(randomEdges(12, 12, 5))
		s.run(70)
		var b bytes.Buffer
		for _, n := range s.nodes {
			fmt.Fprintf(&b, "%d %v %d|", n.tree.Parent(), n.tree.Coords(), n.tree.TStamp())
		}
		fmt.Fprintf(&b, "sent %d", s.sent)
		return b.String()
	}
	if a, b := state(), state(); a != b {
		t.Fatalf("two runs differ:\n%s\n%s", a, b)
	}
}

// The cached verifier must still refuse what Verify refuses.
func TestCachedVerify(t *testing.T) {
	s := newSim(t, 3, "cache")
	verify := s.cachedVerify()
	m := &wire.SwitchMsg{Root: s.nodes[0].pub, TStamp: T}
	m.AddHop(1, &s.nodes[1].pub, &s.nodes[0].priv)
	m.AddHop(2, &s.nodes[2].pub, &s.nodes[1].priv)
	if err := verify(m); err != nil {
		t.Fatal(err)
	}
	if err := verify(m); err != nil {
		t.Fatal("cached message:", err)
	}
	for _, tamper := range []func(*wire.SwitchMsg){
		func(m *wire.SwitchMsg) { m.Hops[1].Sig[5] ^= 1 },
		func(m *wire.SwitchMsg) { m.Hops[0].Port = 3 }, // covered by hop 1's signature
		func(m *wire.SwitchMsg) { m.TStamp++ },
		func(m *wire.SwitchMsg) { m.Hops = m.Hops[:0] },
	} {
		bad := m.Clone()
		tamper(bad)
		if verify(bad) == nil || bad.Verify() == nil {
			t.Fatalf("tampered message %+v verified", bad)
		}
	}
}

package dht

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/clock"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// A whole network of Tables on virtual time. Nodes sit on a random spanning
// tree; a tiny router delivers each dhtReq/dhtRes to whichever node holds
// the destination coords (as the switch would), after a delay of 5 ms per
// tree hop, and drops it if that node's key is not the one addressed (as
// the box would). Each node runs maintenance every second at its own phase
// and hears a switch message from each tree neighbour every 30 s.

type simNode struct {
	key    crypto.BoxPubKey
	coords wire.Coords
	peers  []*simNode
	table  *Table
}

func (n *simNode) info() Info { return Info{Key: n.key, Coords: n.coords} }

type simNet struct {
	t        *testing.T
	clk      *clock.Virtual
	nodes    []*simNode
	byCoords map[string]*simNode
}

func newSimNet(t *testing.T, r *rand.Rand, size int) *simNet {
	net := &simNet{t: t, clk: clock.NewVirtual(t0), byCoords: make(map[string]*simNode)}
	nextPort := make(map[*simNode]uint64)
	for i := range size {
		n := &simNode{}
		for j := range n.key {
			n.key[j] = byte(r.Uint32())
		}
		n.coords = wire.Coords{}
		if i > 0 {
			parent := net.nodes[r.IntN(i)]
			nextPort[parent]++
			n.coords = append(parent.coords.Clone(), nextPort[parent])
			n.peers = append(n.peers, parent)
			parent.peers = append(parent.peers, n)
		}
		n.table = New(n.key)
		n.table.SetCoords(n.coords)
		net.nodes = append(net.nodes, n)
		net.byCoords[n.coords.String()] = n
	}
	for _, n := range net.nodes {
		net.every(time.Duration(r.Int64N(int64(time.Second))), MaintainInterval, func() {
			for _, p := range n.table.Maintain(net.clk.Now()) {
				net.sendReq(n, p, n.table.SelfID())
			}
		})
		for _, p := range n.peers {
			net.link(r, n, p)
		}
	}
	return net
}

// link makes n hear p's switch messages every 30 s while they are peers.
func (net *simNet) link(r *rand.Rand, n, p *simNode) {
	var run func()
	run = func() {
		if !slices.Contains(n.peers, p) {
			return
		}
		n.table.AddPeer(p.info(), net.clk.Now())
		net.sendReq(n, p.info(), n.table.SelfID())
		net.clk.AfterFunc(30*time.Second, run)
	}
	net.clk.AfterFunc(time.Duration(r.Int64N(int64(time.Second))), run)
}

// move re-attaches leaf under parent: its locator changes, so its table
// resets and it pings its old important nodes from the new coords.
func (net *simNet) move(r *rand.Rand, leaf, parent *simNode) {
	old := leaf.peers[0]
	old.peers = slices.DeleteFunc(old.peers, func(x *simNode) bool { return x == leaf })
	delete(net.byCoords, leaf.coords.String())
	port := uint64(1000)
	for net.byCoords[append(parent.coords.Clone(), port).String()] != nil {
		port++
	}
	leaf.coords = append(parent.coords.Clone(), port)
	net.byCoords[leaf.coords.String()] = leaf
	leaf.peers = []*simNode{parent}
	parent.peers = append(parent.peers, leaf)
	for _, p := range leaf.table.Reset(leaf.coords) {
		net.sendReq(leaf, p, leaf.table.SelfID())
	}
	net.link(r, leaf, parent)
	net.link(r, parent, leaf)
}

func (net *simNet) every(first, period time.Duration, f func()) {
	var run func()
	run = func() {
		f()
		net.clk.AfterFunc(period, run)
	}
	net.clk.AfterFunc(first, run)
}

// deliver runs f at the node holding coords, if that is the node with key.
func (net *simNet) deliver(from wire.Coords, to Info, f func(*simNode)) {
	delay := time.Duration(from.Dist(to.Coords)) * 5 * time.Millisecond
	net.clk.AfterFunc(delay, func() {
		if n := net.byCoords[to.Coords.String()]; n != nil && n.key == to.Key {
			f(n)
		}
	})
}

func (net *simNet) sendReq(from *simNode, to Info, dest crypto.NodeID) {
	requester := from.info()
	net.deliver(from.coords, to, func(n *simNode) {
		answer, ping := n.table.HandleRequest(requester, dest, net.clk.Now())
		res := &Response{From: n.info(), Dest: dest, Infos: answer}
		net.deliver(n.coords, requester, func(back *simNode) {
			for _, p := range back.table.HandleResponse(res, net.clk.Now()) {
				net.sendReq(back, p, back.table.SelfID())
			}
		})
		if ping {
			net.sendReq(n, requester, n.table.SelfID())
		}
	})
}

// simSearch drives one Search the way the router actor will.
type simSearch struct {
	net      *simNet
	node     *simNode
	s        *Search
	found    bool
	failed   bool
	winner   crypto.BoxPubKey
	requests int
	started  time.Time
	ended    time.Time
}

func (net *simNet) search(from *simNode, dest, mask crypto.NodeID) *simSearch {
	now := net.clk.Now()
	ss := &simSearch{net: net, node: from, s: NewSearch(from.info(), dest, mask, now), started: now}
	ss.step(ss.s.Start())
	net.clk.AfterFunc(SearchTimeout, ss.checkTimeout)
	for !ss.found && !ss.failed && net.clk.Now().Sub(now) < time.Minute {
		net.clk.Advance(100 * time.Millisecond)
	}
	return ss
}

func (ss *simSearch) over() bool { return ss.found || ss.failed }

func (ss *simSearch) step(c *Chain) {
	if ss.over() {
		return
	}
	target, ok := c.Next()
	if !ok {
		return
	}
	now := ss.net.clk.Now()
	ss.requests++
	ss.node.table.AddCallback(target.Key, ss.s.Dest(), now, ss.onResponse)
	ss.node.table.SentRequest(target.Key, ss.s.Dest(), now)
	ss.net.sendReq(ss.node, target, ss.s.Dest())
	ss.net.clk.AfterFunc(SearchStep, func() { ss.step(c) })
}

func (ss *simSearch) onResponse(res *Response) {
	if ss.over() || res == nil {
		return
	}
	done, next := ss.s.HandleResponse(res, ss.net.clk.Now())
	if done {
		ss.found, ss.winner, ss.ended = true, res.From.Key, ss.net.clk.Now()
		return
	}
	if len(next) > 0 {
		ss.step(ss.s.NewChain(next))
	}
}

func (ss *simSearch) checkTimeout() {
	if ss.over() {
		return
	}
	now := ss.net.clk.Now()
	if out, at := ss.s.TimedOut(now); out {
		ss.failed, ss.ended = true, now
	} else {
		ss.net.clk.AfterFunc(at.Sub(now), ss.checkTimeout)
	}
}

func TestSimulatedNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation skipped in -short mode")
	}
	r := rand.New(rand.NewPCG(7, 8))
	const size = 128
	net := newSimNet(t, r, size)
	net.clk.Advance(2 * time.Minute)

	// Every node should by now know its ring successor and predecessor.
	var total int
	for _, n := range net.nodes {
		total += n.table.Len()
		succ, pred := ringNeighbours(net, n)
		ids := map[crypto.NodeID]bool{}
		for _, e := range n.table.Entries() {
			ids[e.NodeID] = true
		}
		if !ids[succ.table.SelfID()] || !ids[pred.table.SelfID()] {
			t.Errorf("node %s does not know its ring neighbours", n.coords)
		}
	}
	t.Logf("%d nodes, mean table size %.1f", size, float64(total)/size)

	var searches, requests int
	run := func(kind string, from, target *simNode, dest, mask crypto.NodeID) {
		ss := net.search(from, dest, mask)
		searches++
		requests += ss.requests
		if !ss.found || ss.winner != target.key {
			t.Errorf("%s search from %s for %s: found %v by %x", kind, from.coords, target.coords, ss.found, ss.winner[:4])
		}
		net.clk.Advance(2 * time.Second)
	}
	for range 40 {
		from, target := pickTwo(r, net)
		run("full", from, target, target.table.SelfID(), fullMask)
		addr := address.ForKey(&target.key)
		id, mask := addr.NodeIDAndMask()
		run("address", from, target, id, mask)
		subnet := address.SubnetForKey(&target.key)
		id, mask = subnet.NodeIDAndMask()
		run("subnet", from, target, id, mask)
	}
	t.Logf("%d searches, mean %.2f requests per search", searches, float64(requests)/float64(searches))

	// A leaf moves deep into another branch. Its old ring neighbours keep
	// the stale entry for minutes (they know its NodeID, so its pings from
	// the new coords do not refresh it), but nodes near its new tree
	// position find it important and learn the new coords, so searches
	// still reach it.
	var leaf *simNode
	for _, n := range net.nodes[size/2:] {
		if len(n.peers) == 1 {
			leaf = n
			break
		}
	}
	if leaf == nil {
		t.Fatal("no leaf in the tree")
	}
	newParent := net.nodes[size-1]
	if newParent == leaf || newParent == leaf.peers[0] {
		newParent = net.nodes[size-2]
	}
	net.move(r, leaf, newParent)
	net.clk.Advance(30 * time.Second)
	for range 10 {
		from := net.nodes[r.IntN(size)]
		if from == leaf {
			continue
		}
		run("moved", from, leaf, leaf.table.SelfID(), fullMask)
		run("from moved", leaf, from, from.table.SelfID(), fullMask)
	}

	// A NodeID nobody holds: the search runs dry and ends 3 s after its
	// last progress.
	for range 10 {
		var dest crypto.NodeID
		for i := range dest {
			dest[i] = byte(r.Uint32())
		}
		ss := net.search(net.nodes[r.IntN(size)], dest, fullMask)
		if ss.found || !ss.failed {
			t.Fatalf("search for an absent NodeID: found %v failed %v", ss.found, ss.failed)
		}
		if quiet := ss.ended.Sub(ss.s.progress); quiet < SearchTimeout || quiet > SearchTimeout+100*time.Millisecond {
			t.Fatalf("absent search ended %v after its last progress", quiet)
		}
		if took := ss.ended.Sub(ss.started); took > 10*time.Second {
			t.Errorf("absent search took %v", took)
		}
		net.clk.Advance(2 * time.Second)
	}
}

func pickTwo(r *rand.Rand, net *simNet) (a, b *simNode) {
	i := r.IntN(len(net.nodes))
	j := (i + 1 + r.IntN(len(net.nodes)-1)) % len(net.nodes)
	return net.nodes[i], net.nodes[j]
}

// ringNeighbours finds n's true successor and predecessor by brute force.
func ringNeighbours(net *simNet, n *simNode) (succ, pred *simNode) {
	self := n.table.SelfID()
	for _, o := range net.nodes {
		if o == n {
			continue
		}
		id := o.table.SelfID()
		if succ == nil || bigCW(self, id).Cmp(bigCW(self, succ.table.SelfID())) < 0 {
			succ = o
		}
		if pred == nil || bigCW(id, self).Cmp(bigCW(pred.table.SelfID(), self)) < 0 {
			pred = o
		}
	}
	return succ, pred
}

// Package sim runs a network of real nodes (handshakes, link crypto,
// switch, DHT, searches, sessions) in one process, every actor of every
// node on one deterministic executor, joined by frame pipes that deliver
// on the virtual clock. The same graph and seed give the same run, to the
// event; cmd/yggdrasilsim drives it and prints what it measured.
//
// Everything here runs on the driver's goroutine: the executor runs the
// nodes' behaviours there too, so the session handler's bookkeeping needs
// no locks.
package sim

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/bufpool"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/topology"
	"github.com/yggmesh/ygg/src/transport"
)

// epoch is where virtual time starts; reports give times relative to it.
var epoch = time.Unix(1_500_000_000, 0).UTC()

// Link latencies are drawn log-uniformly from this range, per link.
const (
	minLatency = 2 * time.Millisecond
	maxLatency = 80 * time.Millisecond
	// linkSpread is how long it takes for all links to come up: nodes that
	// start at once would all hit a hub together, past its new-links rate.
	linkSpread = 10 * time.Second
)

// node is one simulated node.
type node struct {
	idx     int
	id      core.Identity // kept for a restart with the same keys
	core    *core.Core
	alive   bool
	handler *handler
	byPort  map[uint64]int // neighbour by switch port, for path walks
}

// network is the nodes, the links between them and the executor they run on.
type network struct {
	ex      *actor.Executor
	graph   *topology.Graph
	nodes   []*node
	byKey   map[crypto.BoxPubKey]int
	pipes   []*core.FramePipe // by edge index, nil until the link is up
	edges   [][2]int
	latency []time.Duration
	cut     map[[2]int]bool
	pairs   []*pair // sessions the report follows, indexed by pair id
	random  io.Reader
	cfg     *config.NodeConfig
}

func (n *network) now() time.Duration { return n.ex.Now().Sub(epoch) }

// seedReader is a ChaCha8 stream from the seed: node keys, handles and
// jitter, so the run replays. A simulator only; never in production.
func seedReader(seed uint64, stream byte) *rand.ChaCha8 {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	s[31] = stream
	return rand.NewChaCha8(s)
}

// simConfig is the node config every simulated node runs: no listeners,
// no multicast, no admin socket, and no cap on links (a hub of the graph
// has as many links as the graph gives it).
func simConfig() *config.NodeConfig {
	cfg := config.Generate()
	cfg.Listen = nil
	cfg.Peers = nil
	cfg.MulticastInterfaces = nil
	cfg.AdminListen = "none"
	cfg.Limits.MaxLinks = 1 << 30
	cfg.Limits.MaxLinksPerKey = 1 << 30
	return cfg
}

// build starts every node and schedules every link to come up within
// linkSpread, in an order and at times drawn from rng.
func build(g *topology.Graph, seed uint64, rng *rand.Rand) (*network, error) {
	n := &network{
		ex:    actor.NewExecutor(epoch),
		graph: g,
		byKey: make(map[crypto.BoxPubKey]int, g.N()),
		edges: g.Edges(),
		cut:   make(map[[2]int]bool),
	}
	keys := seedReader(seed, 1)
	n.random = seedReader(seed, 2)
	n.cfg = simConfig()
	for i := range g.N() {
		nd := &node{idx: i}
		nd.id.BoxPub, nd.id.BoxPriv = crypto.NewBoxKeysFrom(keys)
		nd.id.SigPub, nd.id.SigPriv = crypto.NewSigKeysFrom(keys)
		nd.handler = &handler{net: n, node: nd}
		if err := n.start(nd); err != nil {
			return nil, err
		}
		n.nodes = append(n.nodes, nd)
		n.byKey[nd.id.BoxPub] = i
	}
	n.latency = topology.Latencies(g, rng, minLatency, maxLatency)
	n.pipes = make([]*core.FramePipe, len(n.edges))
	for i, e := range n.edges {
		at := time.Duration(rng.Int64N(int64(linkSpread)))
		n.ex.AfterFunc(at, func() { n.connect(i, e) })
	}
	return n, nil
}

// start starts nd's node with its keys.
func (n *network) start(nd *node) error {
	c := core.New(nd.id, core.Options{Executor: n.ex, Rand: n.random})
	if err := c.Start(n.cfg); err != nil {
		return fmt.Errorf("node %d: %w", nd.idx, err)
	}
	c.SetSessionHandler(nd.handler)
	nd.core, nd.alive = c, true
	return nil
}

// restart starts stopped node i again with the same keys, and brings up
// its links that are not cut to live neighbours, as their redials would.
func (n *network) restart(i int) error {
	nd := n.nodes[i]
	if nd.alive {
		return nil
	}
	if err := n.start(nd); err != nil {
		return err
	}
	for k, e := range n.edges {
		if (e[0] == i || e[1] == i) && !n.cut[e] && n.nodes[e[0]].alive && n.nodes[e[1]].alive {
			n.connect(k, e)
		}
	}
	return nil
}

// restore brings a cut link up again, if both its nodes are alive.
func (n *network) restore(e [2]int) {
	delete(n.cut, e)
	for k, x := range n.edges {
		if x == e && n.nodes[e[0]].alive && n.nodes[e[1]].alive {
			n.connect(k, e)
		}
	}
}

// connect brings up the link of edge i.
func (n *network) connect(i int, e [2]int) {
	a, b := n.nodes[e[0]], n.nodes[e[1]]
	la, lb := fmt.Sprintf("sim%d", e[0]), fmt.Sprintf("sim%d", e[1])
	n.pipes[i] = core.NewFramePipe(a.core, b.core, n.latency[i], 0,
		transport.LinkInfo{Proto: "tcp", Local: la, Remote: lb, Name: "tcp://" + lb + ":1"},
		transport.LinkInfo{Proto: "tcp", Local: lb, Remote: la, Name: "tcp://" + la + ":1", Inbound: true})
}

// current is the graph as it stands: without cut links and stopped nodes.
func (n *network) current() *topology.Graph {
	var cut [][2]int
	for e := range n.cut {
		cut = append(cut, e)
	}
	var dead []int
	for _, nd := range n.nodes {
		if !nd.alive {
			dead = append(dead, nd.idx)
		}
	}
	return n.graph.Without(cut).WithoutNodes(dead)
}

// aliveComponents are the connected components of the current graph that
// hold live nodes, largest first.
func (n *network) aliveComponents() [][]int {
	var out [][]int
	for _, comp := range n.current().Components() {
		if n.nodes[comp[0]].alive {
			out = append(out, comp)
		}
	}
	return out
}

// stop stops node i.
func (n *network) stop(i int) {
	nd := n.nodes[i]
	nd.alive = false
	nd.core.Stop()
}

// refreshPorts records each live node's neighbours by port, for walks.
func (n *network) refreshPorts() {
	for _, nd := range n.nodes {
		if !nd.alive {
			continue
		}
		nd.byPort = make(map[uint64]int)
		for _, p := range nd.core.Peers() {
			if j, ok := n.byKey[p.BoxPub]; ok {
				nd.byPort[p.Port] = j
			}
		}
	}
}

// traffic sums what every link has carried, both ways.
func (n *network) traffic() (frames, bytes uint64) {
	for _, p := range n.pipes {
		if p == nil {
			continue
		}
		ab, ba := p.Stats()
		frames += ab.Frames + ba.Frames
		bytes += ab.Bytes + ba.Bytes
	}
	return
}

// Messages the sampled sessions carry: a kind, the pair, a sequence number.
const (
	msgHello = 1 // source to destination, once the session is ready
	msgReply = 2 // destination back to source
	msgProbe = 3 // source to destination, every second after a fault
	msgLen   = 9
)

func encodeMsg(kind byte, pair, seq uint32) []byte {
	b := bufpool.Get(msgLen)[:msgLen]
	b[0] = kind
	binary.BigEndian.PutUint32(b[1:], pair)
	binary.BigEndian.PutUint32(b[5:], seq)
	return b
}

// handler is a node's session handler: it answers hellos and records what
// arrives for the pairs. Its methods run inside the node's session actors.
type handler struct {
	net  *network
	node *node
}

func (h *handler) NewSession(s core.Session) {}

func (h *handler) TooBig(s core.Session, msg []byte, mtu uint64) { bufpool.Put(msg) }

func (h *handler) Receive(s core.Session, msg []byte) {
	defer bufpool.Put(msg)
	if len(msg) != msgLen {
		return
	}
	id := binary.BigEndian.Uint32(msg[1:])
	seq := binary.BigEndian.Uint32(msg[5:])
	if int(id) >= len(h.net.pairs) {
		return
	}
	p := h.net.pairs[id]
	key := s.RemoteKey()
	switch msg[0] {
	case msgHello:
		if h.node.idx == p.dst && bytes.Equal(key[:], p.srcKey[:]) {
			s.Send(nil, encodeMsg(msgReply, id, seq), 0)
		}
	case msgReply:
		if h.node.idx == p.src {
			p.replied(seq, h.net.now())
		}
	case msgProbe:
		if h.node.idx == p.dst {
			p.probeArrived(seq, h.net.now())
		}
	}
}

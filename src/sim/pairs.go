package sim

// The sampled pairs: each source finds its destination by a DHT search,
// opens a session with the node found, sends a hello and waits for the
// reply. The sessions stay open, so after a fault the same sessions are
// asked to carry traffic again.

import (
	"time"

	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// pairTimeout bounds one attempt (search, session, hello and reply).
const pairTimeout = 30 * time.Second

// attempt is one search-session-hello round of a pair.
type attempt struct {
	started  time.Duration
	searched time.Duration // search answered (0: not yet)
	opened   time.Duration // session ready
	answered time.Duration // reply to the hello received
	failed   bool
	coords   wire.Coords // the destination's coords, as its answer gave them
}

func (a *attempt) done() bool { return a.failed || a.answered > 0 }

// pair is one source and destination the report follows.
type pair struct {
	id       int
	src, dst int
	srcKey   crypto.BoxPubKey
	dstID    crypto.NodeID
	session  core.Session
	try      *attempt
	seq      uint32
	probing  bool
	faultAt  time.Duration
	recovery time.Duration // first probe to arrive after the fault, from the fault (0: none)
}

func (p *pair) replied(seq uint32, now time.Duration) {
	if p.try != nil && seq == p.seq && p.try.answered == 0 && !p.try.failed {
		p.try.answered = now
	}
}

func (p *pair) probeArrived(seq uint32, now time.Duration) {
	if p.probing && p.recovery == 0 && now > p.faultAt {
		p.recovery = now - p.faultAt
	}
}

var fullMask = func() (m crypto.NodeID) {
	for i := range m {
		m[i] = 0xff
	}
	return m
}()

// newPairs makes the pairs for the sampled (source, destination) indexes.
func (n *network) newPairs(sampled [][2]int) {
	n.pairs = n.pairs[:0]
	for i, sd := range sampled {
		src, dst := n.nodes[sd[0]], n.nodes[sd[1]]
		n.pairs = append(n.pairs, &pair{id: i, src: sd[0], dst: sd[1], srcKey: src.core.BoxPub(), dstID: dst.core.NodeID()})
	}
}

// dial starts a new attempt for p: search, then open, then hello.
func (n *network) dial(p *pair) {
	a := &attempt{started: n.now()}
	p.try = a
	p.seq++
	seq := p.seq
	src := n.nodes[p.src].core
	src.Search(p.dstID, fullMask, func(key crypto.BoxPubKey, coords wire.Coords, err error) {
		if p.try != a {
			return
		}
		if err != nil {
			a.failed = true
			return
		}
		a.searched, a.coords = n.now(), coords
		src.Open(key, coords, func(s core.Session, err error) {
			if p.try != a {
				return
			}
			if err != nil {
				a.failed = true
				return
			}
			a.opened = n.now()
			p.session = s
			s.Send(nil, encodeMsg(msgHello, uint32(p.id), seq), 0)
		})
	})
}

// dialAll runs one attempt for every pair whose ends are both alive,
// spread over spread, and returns once all are done or have timed out.
func (n *network) dialAll(spread time.Duration, pick func(*pair) bool) {
	var started []*pair
	for i, p := range n.pairs {
		if !pick(p) {
			continue
		}
		started = append(started, p)
		at := spread * time.Duration(i) / time.Duration(max(len(n.pairs), 1))
		n.ex.AfterFunc(at, func() { n.dial(p) })
	}
	deadline := spread + pairTimeout
	n.ex.RunUntil(deadline, func() bool {
		for _, p := range started {
			if p.try == nil || !p.try.done() {
				return false
			}
		}
		return true
	})
	for _, p := range started {
		if p.try != nil && !p.try.done() {
			p.try.failed = true
		}
	}
}

// overlayHops walks the path a packet from src to coords takes, through
// each node's real lookup table, and returns the hops to dst (-1: lost or
// looping).
func (n *network) overlayHops(src, dst int, coords wire.Coords) int {
	at := src
	for hops := 0; hops <= 2*len(n.nodes); hops++ {
		port := n.nodes[at].core.NextHop(coords)
		if port == 0 {
			if at == dst {
				return hops
			}
			return -1
		}
		next, ok := n.nodes[at].byPort[port]
		if !ok || !n.nodes[next].alive {
			return -1
		}
		at = next
	}
	return -1
}

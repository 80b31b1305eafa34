package hostiletest

// Answers to what the node asks of the kit's keys, and the pool of
// made-up nodes the kit lists in DHT answers. Made-up nodes' keys are in
// the keyring, so when the node DHT-pings them (at coords under ours) the
// reader opens those pings, and a Handler can answer them too.

import (
	"errors"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// MadeUp returns the next n made-up nodes. The pool grows with fresh keys
// from Keys (added to the keyring) until it holds Options.MaxMadeUp, and
// from then on the listing cycles through it.
func (p *Peer) MadeUp(n int) []BoxKeyPair {
	idx := p.madeUpIndexes(n)
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]BoxKeyPair, len(idx))
	for i, j := range idx {
		out[i] = p.madeUp[j]
	}
	return out
}

// MadeUpEntries lists the next n made-up nodes as DHT entries, the node
// with pool index i at coords base + [i+1]. With base = our coords the
// node's packets toward them come to us.
func (p *Peer) MadeUpEntries(n int, base wire.Coords) []wire.DHTEntry {
	idx := p.madeUpIndexes(n)
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]wire.DHTEntry, len(idx))
	for i, j := range idx {
		coords := append(base.Clone(), uint64(j)+1)
		out[i] = wire.DHTEntry{Key: p.madeUp[j].Pub, Coords: coords}
	}
	return out
}

// madeUpIndexes advances the pool's cursor by n, growing the pool as
// needed, and returns the pool indexes passed. Keys are made under the
// lock; that briefly holds up the reader, which is fine for a test kit.
func (p *Peer) madeUpIndexes(n int) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	idx := make([]int, 0, n)
	for range n {
		if p.nextUp == len(p.madeUp) {
			if len(p.madeUp) < p.maxMadeUp {
				kp := p.keys.BoxKeyPair()
				p.madeUpIdx[kp.Pub] = len(p.madeUp)
				p.madeUp = append(p.madeUp, kp)
				p.ring[kp.Pub] = &kp.Priv
			} else {
				p.nextUp = 0
			}
		}
		idx = append(idx, p.nextUp)
		p.nextUp++
	}
	return idx
}

// MadeUpIndex is key's index in the made-up pool; ok is false when key
// is not a made-up node's.
func (p *Peer) MadeUpIndex(key crypto.BoxPubKey) (i int, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i, ok = p.madeUpIdx[key]
	return i, ok
}

// Errors from the answer helpers.
var (
	ErrNotOurs  = errors.New("the packet was not addressed to one of our keys")
	ErrWrongAsk = errors.New("the packet does not carry that kind of request")
)

// Reply seals inner from the kit key that pr was addressed to and sends it
// back to pr's sender at coords.
func (p *Peer) Reply(pr *Protocol, coords wire.Coords, inner []byte) error {
	own, ok := p.ownKey(&pr.ToKey)
	if !ok {
		return ErrNotOurs
	}
	return p.SendProtocol(own, pr.FromKey, coords, inner)
}

// AnswerDHT answers a DHT request with entries. The answer claims the
// coords the request was sent to and echoes its Dest, as the node needs
// to accept it (spec 02 §3.8), and goes to the coords in the request.
func (p *Peer) AnswerDHT(pr *Protocol, entries []wire.DHTEntry) error {
	if pr.DHTReq == nil {
		return ErrWrongAsk
	}
	res := wire.DHTRes{Coords: pr.Coords, Dest: pr.DHTReq.Dest, Entries: entries}
	return p.Reply(pr, pr.DHTReq.Coords, res.Encode(nil))
}

// AnswerPing answers a session ping with a pong from a new session (fresh
// handle and session key, the current time).
func (p *Peer) AnswerPing(pr *Protocol) error {
	if pr.Ping == nil || pr.Ping.IsPong {
		return ErrWrongAsk
	}
	pong := p.keys.SessionPing(time.Now().Unix(), pr.Coords)
	pong.IsPong = true
	return p.Reply(pr, pr.Ping.Coords, pong.Encode(nil))
}

// AnswerNodeInfo answers a NodeInfo request with info (a JSON object).
func (p *Peer) AnswerNodeInfo(pr *Protocol, info []byte) error {
	if pr.NodeInfoReq == nil {
		return ErrWrongAsk
	}
	res := wire.NodeInfoRes{Coords: pr.Coords, NodeInfo: info}
	return p.Reply(pr, pr.NodeInfoReq.Coords, res.Encode(nil))
}

// AnswerDHTRequests is a Handler that answers every DHT request to one of
// our keys (made-up ones included) with the next n made-up nodes, listed
// under our coords: the node then DHT-pings them through us.
func AnswerDHTRequests(n int) Handler {
	return func(p *Peer, ev Event) {
		pr := ev.Protocol
		if pr == nil || pr.DHTReq == nil {
			return
		}
		base, err := p.OurCoords()
		if err != nil {
			base = pr.Coords
		}
		_ = p.AnswerDHT(pr, p.MadeUpEntries(n, base))
	}
}

// AnswerPings is a Handler that answers every session ping to one of our
// keys with a pong.
func AnswerPings() Handler {
	return func(p *Peer, ev Event) {
		if pr := ev.Protocol; pr != nil && pr.Ping != nil && !pr.Ping.IsPong {
			_ = p.AnswerPing(pr)
		}
	}
}

// Handlers runs each handler in turn.
func Handlers(hs ...Handler) Handler {
	return func(p *Peer, ev Event) {
		for _, h := range hs {
			h(p, ev)
		}
	}
}

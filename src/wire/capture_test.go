package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

// TestCapture decodes, opens, verifies and re-encodes every frame of the
// v0.3.16 capture, then checks the totals against the capture's event list.
// Routed frames between n0 and n2 cross n1 and so appear on two streams;
// they are tallied once, by sender and nonce.
func TestCapture(t *testing.T) {
	for _, e := range checkCapture(loadCapture(t)) {
		t.Error(e)
	}
}

// checkCapture runs every check and returns what failed.
func checkCapture(c *capture) []string {
	k := &capChecker{
		c:          c,
		sessions:   map[crypto.Handle]capSession{},
		packets:    map[packetKey]*capPacket{},
		lastNonce:  map[nonceKey]crypto.BoxNonce{},
		sharedKeys: map[sharedKey]crypto.BoxSharedKey{},
		inner:      map[dirKey]map[uint64]int{},
		ip:         map[dirKey]map[ipKind]int{},
	}
	// Sessions are announced in protocol traffic, which may sit in another
	// stream than the traffic that uses them, so take protocol traffic first.
	for _, pass := range []func(*capStream, int, []byte){k.linkFrame, k.protocolFrame, k.trafficFrame} {
		for _, s := range k.c.streams {
			for i, f := range s.frames {
				pass(s, i, f)
			}
		}
	}
	k.checkRoutes()
	k.checkSwitchTotals()
	k.checkTotals()
	return k.errs
}

type capSession struct {
	owner, peer *capNode // owner picked the handle; peer puts it in traffic to owner
	key         crypto.BoxPubKey
}

type packetKey struct {
	from  *capNode
	typ   byte
	nonce crypto.BoxNonce
}

// capPacket is one routed packet and the streams it was seen on.
type capPacket struct {
	from, to *capNode
	bytes    []byte
	streams  []*capStream
	where    string // stream and frame of the first sighting
}

type nonceKey struct {
	stream *capStream
	from   *capNode
}

type dirKey struct{ from, to *capNode }

type sharedKey struct {
	priv crypto.BoxPrivKey
	pub  crypto.BoxPubKey
}

type capChecker struct {
	errs       []string
	c          *capture
	sessions   map[crypto.Handle]capSession
	packets    map[packetKey]*capPacket
	lastNonce  map[nonceKey]crypto.BoxNonce
	sharedKeys map[sharedKey]crypto.BoxSharedKey

	keepalives int
	switchMsgs map[*capStream][]*SwitchMsg
	inner      map[dirKey]map[uint64]int // inner protocol message types, per direction
	ip         map[dirKey]map[ipKind]int
	echoes     map[dirKey][][]byte // echo request id/seq/data, to pair replies
	replies    map[dirKey][][]byte
	nodeInfo   []byte
}

// shared memoises crypto.Shared: the same few key pairs open every frame,
// and X25519 is slow under the race detector.
func (k *capChecker) shared(priv *crypto.BoxPrivKey, pub *crypto.BoxPubKey) crypto.BoxSharedKey {
	key := sharedKey{*priv, *pub}
	if s, ok := k.sharedKeys[key]; ok {
		return s
	}
	s := crypto.Shared(priv, pub)
	k.sharedKeys[key] = s
	return s
}

func (k *capChecker) errorf(format string, args ...any) {
	k.errs = append(k.errs, fmt.Sprintf(format, args...))
}

func (k *capChecker) fail(s *capStream, i int, format string, args ...any) {
	k.errorf("%v frame %d: %s", s, i, fmt.Sprintf(format, args...))
}

// linkFrame counts keepalives and checks type-2 frames: both crypto layers,
// the switch message's signatures and destination, and byte-identical
// re-encoding of the message and of the whole sealed payload.
func (k *capChecker) linkFrame(s *capStream, i int, f []byte) {
	if len(f) == 0 {
		k.keepalives++
		return
	}
	switch f[0] {
	case TypeTraffic, TypeProtocolTraffic:
		return
	case TypeLinkProtocolTraffic:
	default:
		k.fail(s, i, "unexpected frame type %d", f[0])
		return
	}
	back := k.c.stream(s.to, s.from)
	toLink := k.c.ephemeral[back.meta.Link]
	if toLink.kind != "link" || toLink.owner != s.to {
		k.fail(s, i, "receiver's link key %s is not a link key of %s", back.meta.Link, s.to.name)
		return
	}
	shared := k.shared(&s.to.boxPriv, &s.from.boxPub)
	linkShared := k.shared(&toLink.priv, &s.meta.Link)
	msg, err := OpenLinkMessage(&shared, &linkShared, f)
	if err != nil {
		k.fail(s, i, "opening link message: %v", err)
		return
	}
	if len(f) != len(msg)+LinkMessageOverhead {
		k.fail(s, i, "link payload is %d bytes for a %d-byte message", len(f), len(msg))
	}
	var sm SwitchMsg
	if err := sm.Decode(msg); err != nil {
		k.fail(s, i, "switch message: %v", err)
		return
	}
	if err := sm.Verify(); err != nil {
		k.fail(s, i, "switch message: %v", err)
	}
	if last := sm.Hops[len(sm.Hops)-1].Next; last != s.to.sigPub {
		k.fail(s, i, "switch message ends at %s, not at the receiver %s", last, s.to.name)
	}
	if *sm.Sender() != s.from.sigPub {
		k.fail(s, i, "switch message signed last by %s, not by the sender %s", sm.Sender(), s.from.name)
	}
	if enc := sm.Encode(nil); !bytes.Equal(enc, msg) {
		k.fail(s, i, "switch message re-encodes as %x, captured %x", enc, msg)
	}

	// Re-seal from the sender's side with the captured nonces.
	var outer, inner LinkProtocolTraffic
	if err := outer.Decode(f); err != nil {
		k.fail(s, i, "outer layer: %v", err)
		return
	}
	sendShared := k.shared(&s.from.boxPriv, &s.to.boxPub)
	fromLink := k.c.ephemeral[s.meta.Link]
	sendLinkShared := k.shared(&fromLink.priv, &back.meta.Link)
	mid, err := outer.Open(nil, &sendShared)
	if err != nil || inner.Decode(mid) != nil {
		k.fail(s, i, "outer layer does not open with the sender's keys")
		return
	}
	if enc := sealLinkMessage(&sendShared, &sendLinkShared, &outer, &inner, msg); !bytes.Equal(enc, f) {
		k.fail(s, i, "re-sealed link payload differs from the capture")
	}
	if k.switchMsgs == nil {
		k.switchMsgs = map[*capStream][]*SwitchMsg{}
	}
	k.switchMsgs[s] = append(k.switchMsgs[s], &sm)
}

// routed records a type-0/1 packet by sender and nonce. It returns false
// when the packet was already seen on another stream (it must then be
// byte-identical: forwarding never changes a packet).
func (k *capChecker) routed(s *capStream, i int, f []byte, from, to *capNode, nonce *crypto.BoxNonce) bool {
	key := packetKey{from: from, typ: f[0], nonce: *nonce}
	if p, ok := k.packets[key]; ok {
		if !bytes.Equal(p.bytes, f) {
			k.fail(s, i, "forwarded copy of the packet first seen at %s differs", p.where)
		}
		p.streams = append(p.streams, s)
		return false
	}
	k.packets[key] = &capPacket{from: from, to: to, bytes: f, streams: []*capStream{s},
		where: fmt.Sprintf("%v frame %d", s, i)}
	return true
}

// protocolFrame checks a type-1 frame: envelope, decryption with the
// permanent keys, the inner message and byte-identical re-encoding.
func (k *capChecker) protocolFrame(s *capStream, i int, f []byte) {
	if len(f) == 0 || f[0] != TypeProtocolTraffic {
		return
	}
	var p ProtocolTraffic
	if err := p.Decode(f); err != nil {
		k.fail(s, i, "protocol traffic: %v", err)
		return
	}
	if enc := p.Encode(nil); !bytes.Equal(enc, f) {
		k.fail(s, i, "protocol traffic re-encodes differently")
	}
	from, to := k.c.nodeByBox(&p.FromKey), k.c.nodeByBox(&p.ToKey)
	if from == nil || to == nil || from == to {
		k.fail(s, i, "protocol traffic between unknown keys %s -> %s", p.FromKey, p.ToKey)
		return
	}
	if raw, ok := PacketCoords(f); !ok || !bytes.Equal(raw, p.Coords) {
		k.fail(s, i, "PacketCoords disagrees with the decoded envelope")
	}
	if !k.routed(s, i, f, from, to, &p.Nonce) {
		return
	}
	if c, ok := ParseCoordsRaw(p.Coords); !ok || !c.Equal(to.coords) {
		k.fail(s, i, "envelope coords %x, want %s's coords %v", p.Coords, to.name, to.coords)
	}
	shared := k.shared(&to.boxPriv, &from.boxPub)
	plain, err := p.Open(nil, &shared)
	if err != nil {
		k.fail(s, i, "protocol traffic %s->%s: %v", from.name, to.name, err)
		return
	}
	sendShared := k.shared(&from.boxPriv, &to.boxPub)
	if enc := p.Seal(nil, &sendShared, plain); !bytes.Equal(enc, f) {
		k.fail(s, i, "re-sealed protocol traffic differs from the capture")
	}
	typ, _ := PacketType(plain)
	enc, err := k.innerMessage(from, to, typ, plain)
	if err != nil {
		k.fail(s, i, "inner message type %d %s->%s: %v", typ, from.name, to.name, err)
		return
	}
	if !bytes.Equal(enc, plain) {
		k.fail(s, i, "inner message type %d re-encodes as %x, captured %x", typ, enc, plain)
	}
	d := dirKey{from, to}
	if k.inner[d] == nil {
		k.inner[d] = map[uint64]int{}
	}
	k.inner[d][typ]++
}

// innerMessage decodes an opened protocol-traffic payload, checks what the
// capture lets us check, and returns its re-encoding.
func (k *capChecker) innerMessage(from, to *capNode, typ uint64, plain []byte) ([]byte, error) {
	senderCoords := func(c Coords) error {
		if !c.Equal(from.coords) {
			return fmt.Errorf("carries coords %v, the sender's are %v", c, from.coords)
		}
		return nil
	}
	switch typ {
	case TypeSessionPing, TypeSessionPong:
		var m SessionPing
		if err := m.Decode(plain); err != nil {
			return nil, err
		}
		if e, ok := k.c.ephemeral[m.SesKey]; !ok || e.kind != "session" || e.owner != from {
			return nil, fmt.Errorf("session key %s is not a session key of %s", m.SesKey, from.name)
		}
		sess := capSession{owner: from, peer: to, key: m.SesKey}
		if old, ok := k.sessions[m.Handle]; ok && old != sess {
			return nil, fmt.Errorf("handle %s announced for two sessions", m.Handle)
		}
		k.sessions[m.Handle] = sess
		return m.Encode(nil), senderCoords(m.Coords)
	case TypeDHTLookupRequest:
		var m DHTReq
		if err := m.Decode(plain); err != nil {
			return nil, err
		}
		return m.Encode(nil), senderCoords(m.Coords)
	case TypeDHTLookupResponse:
		var m DHTRes
		if err := m.Decode(plain); err != nil {
			return nil, err
		}
		for _, e := range m.Entries {
			n := k.c.nodeByBox(&e.Key)
			if n == nil || n == from {
				return nil, fmt.Errorf("response lists key %s", e.Key)
			}
			if !e.Coords.Equal(n.coords) {
				return nil, fmt.Errorf("response gives %s coords %v, want %v", n.name, e.Coords, n.coords)
			}
		}
		return m.Encode(nil), senderCoords(m.Coords)
	case TypeNodeInfoRequest:
		var m NodeInfoReq
		if err := m.Decode(plain); err != nil {
			return nil, err
		}
		return m.Encode(nil), senderCoords(m.Coords)
	case TypeNodeInfoResponse:
		var m NodeInfoRes
		if err := m.Decode(plain); err != nil {
			return nil, err
		}
		var obj map[string]any
		if err := json.Unmarshal(m.NodeInfo, &obj); err != nil {
			return nil, fmt.Errorf("nodeinfo is not a JSON object: %v", err)
		}
		k.nodeInfo = m.NodeInfo
		return m.Encode(nil), senderCoords(m.Coords)
	default:
		return nil, fmt.Errorf("unknown inner type")
	}
}

// trafficFrame checks a type-0 frame: the session is found by handle, its
// key derived from both sides' session keys, nonce parity and order, the
// IPv6 packet inside, and byte-identical re-encoding and re-sealing.
func (k *capChecker) trafficFrame(s *capStream, i int, f []byte) {
	if len(f) == 0 || f[0] != TypeTraffic {
		return
	}
	var p Traffic
	if err := p.Decode(f); err != nil {
		k.fail(s, i, "traffic: %v", err)
		return
	}
	if enc := p.Encode(nil); !bytes.Equal(enc, f) {
		k.fail(s, i, "traffic re-encodes differently")
	}
	if raw, ok := PacketCoords(f); !ok || !bytes.Equal(raw, p.Coords) {
		k.fail(s, i, "PacketCoords disagrees with the decoded packet")
	}
	recv, ok := k.sessions[p.Handle]
	if !ok {
		k.fail(s, i, "traffic to unannounced handle %s", p.Handle)
		return
	}
	from, to := recv.peer, recv.owner
	var send capSession
	for _, sess := range k.sessions {
		if sess.owner == from && sess.peer == to {
			send = sess
		}
	}
	if send.owner == nil {
		k.fail(s, i, "no session announced by %s to %s", from.name, to.name)
		return
	}

	// Nonce parity and order hold per stream, before any de-duplication.
	odd := p.Nonce[len(p.Nonce)-1]&1 == 1
	if wantOdd := bytes.Compare(from.boxPub[:], to.boxPub[:]) > 0; odd != wantOdd {
		k.fail(s, i, "nonce %s from %s has the wrong parity", p.Nonce, from.name)
	}
	nk := nonceKey{s, from}
	if last, ok := k.lastNonce[nk]; ok && bytes.Compare(p.Nonce[:], last[:]) <= 0 {
		k.fail(s, i, "nonce %s from %s does not increase (last %s)", p.Nonce, from.name, last)
	}
	k.lastNonce[nk] = p.Nonce
	if !k.routed(s, i, f, from, to, &p.Nonce) {
		return
	}

	ports, flow, ok := SplitFlowKey(p.Coords)
	if !ok || !ports.Equal(to.coords) {
		k.fail(s, i, "traffic coords %x, want %s's coords %v", p.Coords, to.name, to.coords)
		return
	}
	recvPriv, sendPriv := k.c.ephemeral[recv.key].priv, k.c.ephemeral[send.key].priv
	shared := k.shared(&recvPriv, &send.key)
	plain, err := p.Open(nil, &shared)
	if err != nil {
		k.fail(s, i, "traffic %s->%s: %v", from.name, to.name, err)
		return
	}
	sendShared := k.shared(&sendPriv, &recv.key)
	if enc := SealTraffic(nil, ports, flow, &p.Handle, &sendShared, &p.Nonce, plain); !bytes.Equal(enc, f) {
		k.fail(s, i, "re-sealed traffic differs from the capture")
	}
	if n := TrafficLen(ports, flow, len(plain)); n != len(f) {
		k.fail(s, i, "TrafficLen = %d, packet has %d bytes", n, len(f))
	}
	pkt, err := parseIPv6(plain, &from.addr, &to.addr)
	if err != nil {
		k.fail(s, i, "IPv6 %s->%s: %v", from.name, to.name, err)
		return
	}
	d := dirKey{from, to}
	if k.ip[d] == nil {
		k.ip[d] = map[ipKind]int{}
	}
	k.ip[d][pkt.kind]++
	switch pkt.kind {
	case ipEchoRequest:
		k.echoes = appendDir(k.echoes, d, pkt.echo)
	case ipEchoReply:
		k.replies = appendDir(k.replies, d, pkt.echo)
	}
}

func appendDir(m map[dirKey][][]byte, d dirKey, b []byte) map[dirKey][][]byte {
	if m == nil {
		m = map[dirKey][][]byte{}
	}
	m[d] = append(m[d], b)
	return m
}

// checkRoutes requires every routed packet to appear exactly on the links of
// the line between its endpoints, each once, in its direction of travel.
func (k *capChecker) checkRoutes() {
	for _, p := range k.packets {
		var want []*capStream
		step := 1
		if p.to.index < p.from.index {
			step = -1
		}
		for n := p.from.index; n != p.to.index; n += step {
			want = append(want, k.c.stream(k.c.nodes[n], k.c.nodes[n+step]))
		}
		// Sightings are in the order the test walks the streams.
		slices.SortFunc(want, func(a, b *capStream) int { return a.index - b.index })
		if fmt.Sprint(p.streams) != fmt.Sprint(want) {
			k.errorf("packet %s->%s first seen at %s was seen on %v, want %v", p.from.name, p.to.name, p.where, p.streams, want)
		}
	}
}

// checkSwitchTotals requires switch messages on every stream, the last of
// which agrees with the tree at the end: n1 root, the sender's coords as the
// path up to the last hop, and a child's coords from its parent's message.
func (k *capChecker) checkSwitchTotals() {
	root := k.c.nodes[1]
	if len(root.coords) != 0 {
		k.errorf("coordsAtEnd: n1 is not the root (%v)", root.coords)
		return
	}
	for _, s := range k.c.streams {
		msgs := k.switchMsgs[s]
		if len(msgs) == 0 {
			k.errorf("%v: no switch messages", s)
			continue
		}
		m := msgs[len(msgs)-1]
		c := m.Coords()
		switch {
		case m.Root != root.sigPub:
			k.errorf("%v: last switch message has root %s, not n1", s, m.Root)
		case !c[:len(c)-1].Equal(s.from.coords):
			k.errorf("%v: last switch message implies sender coords %v, want %v", s, c[:len(c)-1], s.from.coords)
		case s.from == root && !c.Equal(s.to.coords):
			k.errorf("%v: last switch message gives %s coords %v, want %v", s, s.to.name, c, s.to.coords)
		}
	}
	if k.keepalives == 0 {
		k.errorf("no keepalive frames in the capture")
	}
}

// checkTotals compares what was decoded with the capture's event list.
func (k *capChecker) checkTotals() {
	n0, n2 := k.c.nodes[0], k.c.nodes[2]
	wantIP := map[dirKey]map[ipKind]int{
		{n0, n2}: {ipEchoRequest: 3, ipEchoReply: 2, ipUDPHello: 1},
		{n2, n0}: {ipEchoRequest: 2, ipEchoReply: 3, ipPortUnreachable: 1},
	}
	if fmt.Sprint(k.ip) != fmt.Sprint(wantIP) {
		k.errorf("session traffic %v, want %v", k.ip, wantIP)
	}
	for d, replies := range k.replies {
		for _, r := range replies {
			if !containsBytes(k.echoes[dirKey{d.to, d.from}], r) {
				k.errorf("echo reply %s->%s answers no request", d.from.name, d.to.name)
			}
		}
	}
	counts := func(from, to *capNode, typ uint64) int { return k.inner[dirKey{from, to}][typ] }
	if counts(n0, n2, TypeNodeInfoRequest) != 1 || counts(n2, n0, TypeNodeInfoResponse) != 1 {
		k.errorf("want one nodeinfo request n0->n2 and one response back, got %v", k.inner)
	}
	for _, d := range []dirKey{{n0, n2}, {n2, n0}} {
		if counts(d.from, d.to, TypeDHTLookupRequest) == 0 || counts(d.to, d.from, TypeDHTLookupResponse) == 0 {
			k.errorf("no DHT lookup %s->%s answered", d.from.name, d.to.name)
		}
		if counts(d.from, d.to, TypeSessionPing)+counts(d.from, d.to, TypeSessionPong) == 0 {
			k.errorf("no session ping or pong %s->%s", d.from.name, d.to.name)
		}
	}
	if k.nodeInfo == nil {
		k.errorf("no nodeinfo response decoded")
	}
}

func containsBytes(list [][]byte, b []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}

package hostiletest

// The reader goroutine is the only reader of the socket. For each frame it
// decodes what it can (switch messages opened with the link keys, protocol
// traffic for one of our keys opened with that key), counts it, shows it
// to the Handler and then offers it to the Events channel, dropping it
// (counted) when the channel is full. Between frames it waits while the
// peer is paused, which is how a test stops reading entirely.

import (
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// Kind says what a frame from the node was.
type Kind int

// Frame kinds, by the frame's type and what could be opened.
const (
	KindKeepalive    Kind = iota // an empty frame
	KindSwitch                   // a switch message, opened with the link keys
	KindLinkUnopened             // type 2 that did not open or was not a switch message
	KindProtocol                 // protocol traffic (type 1), opened when addressed to one of our keys
	KindTraffic                  // session traffic (type 0)
	KindOther                    // anything else: unknown type, undecodable packet
	numKinds
)

func (k Kind) String() string {
	names := [...]string{"keepalive", "switch", "link-unopened", "protocol", "traffic", "other"}
	if k >= 0 && int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Event is one frame the node sent, decoded as far as the kit can.
type Event struct {
	Kind     Kind
	Msg      []byte          // the frame's message; the event owns it
	Switch   *wire.SwitchMsg // KindSwitch
	Protocol *Protocol       // KindProtocol
	Traffic  *wire.Traffic   // KindTraffic; its slices alias Msg
}

// Protocol is a protocol-traffic envelope from the node and, when it was
// addressed to one of the kit's keys and opened, its inner message.
type Protocol struct {
	Coords  wire.Coords // destination coords: where the node sent it
	ToKey   crypto.BoxPubKey
	FromKey crypto.BoxPubKey
	Opened  bool   // ToKey is in the keyring and the box opened
	Inner   []byte // the plaintext, when Opened
	Type    uint64 // the inner type, when Opened
	// At most one of these is set, by Type, when the inner message decodes.
	DHTReq      *wire.DHTReq
	DHTRes      *wire.DHTRes
	Ping        *wire.SessionPing // a ping or (IsPong) a pong
	NodeInfoReq *wire.NodeInfoReq
	NodeInfoRes *wire.NodeInfoRes
}

// Handler sees each frame the node sends, on the reader goroutine.
type Handler func(p *Peer, ev Event)

// Stats are the peer's counters since the handshake.
type Stats struct {
	FramesSent, BytesSent uint64 // frames and bytes we wrote (raw writes count bytes only)
	FramesRead, BytesRead uint64 // frames the reader took, and their message bytes
	ByKind                [numKinds]uint64
	Opened                uint64     // protocol packets opened with one of our keys
	ByInnerType           [10]uint64 // opened protocol packets by inner type (4-9)
	EventsDropped         uint64     // events that found the Events channel full
}

// Read counts frames of one kind.
func (s *Stats) Read(k Kind) uint64 { return s.ByKind[k] }

type counters struct {
	framesSent, bytesSent atomic.Uint64
	framesRead, bytesRead atomic.Uint64
	byKind                [numKinds]atomic.Uint64
	opened                atomic.Uint64
	byInnerType           [10]atomic.Uint64
	eventsDropped         atomic.Uint64
}

// Stats returns a snapshot of the counters.
func (p *Peer) Stats() Stats {
	c := &p.stats
	s := Stats{
		FramesSent: c.framesSent.Load(), BytesSent: c.bytesSent.Load(),
		FramesRead: c.framesRead.Load(), BytesRead: c.bytesRead.Load(),
		Opened: c.opened.Load(), EventsDropped: c.eventsDropped.Load(),
	}
	for i := range s.ByKind {
		s.ByKind[i] = c.byKind[i].Load()
	}
	for i := range s.ByInnerType {
		s.ByInnerType[i] = c.byInnerType[i].Load()
	}
	return s
}

// Events delivers the decoded frames; it is closed when the reader stops.
func (p *Peer) Events() <-chan Event { return p.events }

// Done is closed when the reader has stopped: the node closed the link,
// a frame was malformed, or Close was called.
func (p *Peer) Done() <-chan struct{} { return p.done }

// Err is why the reader stopped (io.EOF when the node closed the link),
// or nil while it runs.
func (p *Peer) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// Pause stops reading: after the frame being read now (if any), nothing
// more is taken off the socket until Resume, so the node's writes to us
// fill the socket buffers and then block.
func (p *Peer) Pause() {
	p.mu.Lock()
	p.paused = true
	p.mu.Unlock()
}

// Resume starts reading again after Pause or Options.Paused.
func (p *Peer) Resume() {
	p.mu.Lock()
	p.paused = false
	p.resumed.Broadcast()
	p.mu.Unlock()
}

// waitUnpaused blocks while paused; false once the peer is closed.
func (p *Peer) waitUnpaused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.paused && !p.closed {
		p.resumed.Wait()
	}
	return !p.closed
}

// ErrTimeout is returned when an awaited event or close did not come in time.
var ErrTimeout = errors.New("hostiletest: timed out")

// Await takes events off Events until one satisfies match, and returns it.
// Events that do not match are consumed. It fails after d, or when the
// reader stops first.
func (p *Peer) Await(d time.Duration, match func(Event) bool) (Event, error) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		select {
		case ev, ok := <-p.events:
			if !ok {
				return Event{}, fmt.Errorf("link ended before the event came: %w", p.err)
			}
			if match(ev) {
				return ev, nil
			}
		case <-deadline.C:
			return Event{}, ErrTimeout
		}
	}
}

// WaitClosed resumes reading and waits up to d for the node to close the
// link; the frames read meanwhile are handled as usual. It returns nil
// when the link ended (not by Close), ErrTimeout when it is still open.
func (p *Peer) WaitClosed(d time.Duration) error {
	p.Resume()
	select {
	case <-p.done:
		if errors.Is(p.err, net.ErrClosed) {
			return errors.New("closed by us, not by the node")
		}
		return nil
	case <-time.After(d):
		return ErrTimeout
	}
}

func (p *Peer) readLoop() {
	defer close(p.done)
	defer close(p.events)
	frames := wire.NewFrameReader(p.br)
	for {
		if !p.waitUnpaused() {
			p.err = net.ErrClosed
			return
		}
		msg, err := frames.Next(nil)
		if err != nil {
			p.err = err
			return
		}
		ev := p.decode(msg)
		p.count(&ev)
		if p.handler != nil {
			p.handler(p, ev)
		}
		select {
		case p.events <- ev:
		default:
			p.stats.eventsDropped.Add(1)
		}
	}
}

func (p *Peer) count(ev *Event) {
	c := &p.stats
	c.framesRead.Add(1)
	c.bytesRead.Add(uint64(len(ev.Msg)))
	c.byKind[ev.Kind].Add(1)
	if pr := ev.Protocol; pr != nil && pr.Opened {
		c.opened.Add(1)
		if pr.Type < uint64(len(c.byInnerType)) {
			c.byInnerType[pr.Type].Add(1)
		}
	}
}

// decode classifies one frame message and opens what it can.
func (p *Peer) decode(msg []byte) Event {
	ev := Event{Kind: KindOther, Msg: msg}
	if len(msg) == 0 {
		ev.Kind = KindKeepalive
		return ev
	}
	t, _ := wire.PacketType(msg)
	switch t {
	case wire.TypeLinkProtocolTraffic:
		ev.Kind = KindLinkUnopened
		if m := p.openSwitchMsg(msg); m != nil {
			ev.Kind, ev.Switch = KindSwitch, m
			p.keepNodeMsg(m)
		}
	case wire.TypeProtocolTraffic:
		if pr := p.openProtocol(msg); pr != nil {
			ev.Kind, ev.Protocol = KindProtocol, pr
		}
	case wire.TypeTraffic:
		var tr wire.Traffic
		if tr.Decode(msg) == nil {
			ev.Kind, ev.Traffic = KindTraffic, &tr
		}
	}
	return ev
}

// openSwitchMsg opens both link layers and decodes a switch message; nil
// when any step fails.
func (p *Peer) openSwitchMsg(msg []byte) *wire.SwitchMsg {
	inner, err := wire.OpenLinkMessage(p.shared, p.linkShared, msg)
	if err != nil {
		return nil
	}
	m := new(wire.SwitchMsg)
	if m.Decode(inner) != nil {
		return nil
	}
	return m
}

func (p *Peer) keepNodeMsg(m *wire.SwitchMsg) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.nodeMsg == nil {
		close(p.gotMsg)
	}
	p.nodeMsg = m.Clone()
}

// openProtocol decodes an envelope and, when it is for one of our keys,
// opens and decodes the inner message; nil when the envelope is malformed.
func (p *Peer) openProtocol(msg []byte) *Protocol {
	var env wire.ProtocolTraffic
	if env.Decode(msg) != nil {
		return nil
	}
	pr := &Protocol{ToKey: env.ToKey, FromKey: env.FromKey}
	pr.Coords = wire.RoutingPorts(env.Coords, nil)
	own, ok := p.ownKey(&env.ToKey)
	if !ok {
		return pr
	}
	inner, err := env.Open(nil, p.sharedKey(&own, &env.FromKey))
	if err != nil {
		return pr
	}
	t, ok := wire.PacketType(inner)
	if !ok {
		return pr
	}
	pr.Opened, pr.Inner, pr.Type = true, inner, t
	decodeInner(pr)
	return pr
}

// decodeInner fills the one typed field that matches pr.Type.
func decodeInner(pr *Protocol) {
	switch pr.Type {
	case wire.TypeDHTLookupRequest:
		pr.DHTReq = decoded(new(wire.DHTReq), pr.Inner)
	case wire.TypeDHTLookupResponse:
		pr.DHTRes = decoded(new(wire.DHTRes), pr.Inner)
	case wire.TypeSessionPing, wire.TypeSessionPong:
		pr.Ping = decoded(new(wire.SessionPing), pr.Inner)
	case wire.TypeNodeInfoRequest:
		pr.NodeInfoReq = decoded(new(wire.NodeInfoReq), pr.Inner)
	case wire.TypeNodeInfoResponse:
		pr.NodeInfoRes = decoded(new(wire.NodeInfoRes), pr.Inner)
	}
}

// decoded returns m decoded from b, or nil when b does not decode.
func decoded[T any, PT interface {
	*T
	Decode([]byte) error
}](m PT, b []byte) PT {
	if m.Decode(b) != nil {
		return nil
	}
	return m
}

// Eventually polls cond every 20 ms until it returns nil, and returns nil;
// after d it gives up and returns cond's last error. Tests use it to wait
// for a node to reach a state, with a generous d.
func Eventually(d time.Duration, cond func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w after %v: %w", ErrTimeout, d, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

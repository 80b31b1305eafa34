package core

// A peer is a link after its handshake. Every frame the reader takes off
// the socket comes here:
//
//	type 0/1 (traffic)  ──▶ switch._forward(port, packet)
//	type 2 (link proto) ──▶ open both link-crypto layers, verify the switch
//	                        message's signature chain ──▶ switch._handleMsg
//	empty (keepalive)   ──▶ only counted
//
// The peer also signs and sends our switch messages and runs the link timers
// of spec 01 §4.11: keepalive (2 s after a received frame with no write),
// send-blocked (a write taking over 1 s, data or control) and stall (6 s
// after a write with nothing read). The last two block the port in the
// switch.
//
// Bounds against a hostile peer:
//   - Control writes (switch messages, keepalives) go to the writer one at
//     a time; while one is there, only the newest switch message waits
//     here, so a peer that stops reading cannot grow the writer's inbox.
//   - Received switch messages cost a signature check per hop: a message
//     identical to the last one accepted is dropped unchecked (honest peers
//     never repeat one), and checks are limited to switchMsgsPerSecond per
//     link; over it, the newest message waits for the next token.

import (
	"bytes"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/bufpool"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/ratelimit"
	"github.com/yggmesh/ygg/src/wire"
)

// Rate of switch messages from one link whose signatures are checked. An
// honest peer sends one every 30 s, and a few in a row when its tree moves.
const (
	switchMsgsPerSecond = 2
	switchMsgsBurst     = 8
)

// peer owns a handshaken link's crypto, port, counters and timers.
type peer struct {
	actor.Inbox
	core *Core
	link *link  // immutable
	io   linkIO // immutable
	box  crypto.BoxPubKey
	sig  crypto.SigPubKey
	// shared opens the outer link layer (permanent keys), linkShared the
	// inner one (this connection's ephemeral keys). Pointers, so printing a
	// peer never shows them (fmt ignores String on unexported fields).
	shared, linkShared *crypto.BoxSharedKey

	port     uint64
	started  time.Time
	stopped  bool
	bytesIn  uint64
	bytesOut uint64

	keepalive    deadline
	sendBlocked  deadline
	stall        deadline
	writeStuck   deadline // a write blocked for writeTimeout closes the link
	framesIn     uint64
	idleFrames   uint64    // framesIn at the last idle check
	lastHeard    time.Time // when framesIn last moved, as of the last check
	writeBlocked bool
	readBlocked  bool

	// Our control writes: one in the writer at a time (controlBusy), the
	// newest switch message to send after it (nextBase).
	controlBusy bool
	nextBase    *wire.SwitchMsg

	// Their switch messages: the last one accepted (to drop repeats), the
	// budget for checking signatures, and the newest one over it.
	lastMsg   []byte
	msgBudget ratelimit.Bucket
	heldMsg   []byte
	heldArmed bool
	stats     PeerGuardStats
}

// PeerGuardStats counts the switch messages a peer's limits set aside.
type PeerGuardStats struct {
	RepeatedMsgs  uint64 // identical to the last accepted: dropped unchecked
	HeldMsgs      uint64 // over the rate: waited (replaced by a newer one, if any)
	ControlWrites uint64 // our control writes handed to the writer
	Coalesced     uint64 // our switch messages replaced by a newer one before going out
}

func newPeer(l *link, remote *wire.Metadata, linkShared *crypto.BoxSharedKey) *peer {
	c := l.core
	shared := c.sharer.Shared(&remote.Box)
	p := &peer{
		core:       c,
		link:       l,
		io:         l.io,
		box:        remote.Box,
		sig:        remote.Sig,
		shared:     &shared,
		linkShared: linkShared,
		msgBudget:  ratelimit.NewBucket(switchMsgsPerSecond, switchMsgsBurst),
	}
	c.bind(&p.Inbox)
	return p
}

func (p *peer) post(f func()) { p.Act(nil, f) }

// _start runs once the switch has given us a port: send our first switch
// message, then let the reader loop on frames.
func (p *peer) _start(port uint64, base *wire.SwitchMsg) {
	p.port = port
	p.started = p.core.clock.Now()
	if base != nil {
		p._sendSwitchMsg(base)
	}
	p.lastHeard = p.started
	p._idleCheck()
	p.io.readFrames(p)
	l := p.link
	l.Act(p, func() { l._connected(port) })
}

func (p *peer) _stop() {
	p.stopped = true
	p.keepalive.disarm()
	p.sendBlocked.disarm()
	p.stall.disarm()
	p.writeStuck.disarm()
}

// idleCheck is how often a peer looks whether anything arrived. Counting
// frames and looking now and then keeps the close timer (closeTime with
// nothing received, spec 01 §4.11) off the per-frame path.
const idleCheck = 5 * time.Second

func (p *peer) _idleCheck() {
	if p.stopped {
		return
	}
	now := p.core.clock.Now()
	if p.framesIn != p.idleFrames {
		p.idleFrames, p.lastHeard = p.framesIn, now
	}
	if now.Sub(p.lastHeard) >= closeTime {
		p._closeLink(errIdleTimeout)
		return
	}
	p.core.clock.AfterFunc(idleCheck, func() { p.Act(nil, p._idleCheck) })
}

func (p *peer) _closeLink(err error) {
	l := p.link
	l.Act(p, func() { l._close(err) })
}

// _handleFrame dispatches one frame message from the reader.
func (p *peer) _handleFrame(msg []byte) {
	if p.stopped {
		return
	}
	p.bytesIn += uint64(len(msg))
	p.framesIn++
	p._readDone()
	if len(msg) == 0 {
		bufpool.Put(msg)
		return // keepalive
	}
	p.keepalive.arm(p.core.clock, keepaliveTime, p.post, p._sendKeepalive)
	t, ok := wire.PacketType(msg)
	if !ok {
		return
	}
	switch t {
	case wire.TypeTraffic, wire.TypeProtocolTraffic:
		sw := p.core.sw
		sw.Act(p, func() { sw._forwardFrom(p, msg) })
	case wire.TypeLinkProtocolTraffic:
		p._handleLinkProtocol(msg)
		bufpool.Put(msg)
	default:
		// Unknown frame types are ignored and the link stays up (spec 01 §3.4).
		bufpool.Put(msg)
	}
}

// _handleLinkProtocol opens a switch message. Undecryptable or undecodable
// messages are dropped silently; a message with no hops or a bad signature
// ends the link (spec 01 §5.6). Repeats are dropped, and checks beyond the
// budget wait (see the file comment).
func (p *peer) _handleLinkProtocol(msg []byte) {
	inner, err := wire.OpenLinkMessage(p.shared, p.linkShared, msg)
	if err != nil {
		return
	}
	if t, ok := wire.PacketType(inner); !ok || t != wire.TypeSwitchMsg {
		return
	}
	if bytes.Equal(inner, p.lastMsg) {
		p.stats.RepeatedMsgs++
		return
	}
	if now := p.core.clock.Now(); p.heldMsg != nil || !p.msgBudget.Allow(now) {
		p.stats.HeldMsgs++
		p.heldMsg = inner
		if !p.heldArmed {
			p.heldArmed = true
			p.core.clock.AfterFunc(p.msgBudget.Wait(now), func() { p.post(p._releaseHeld) })
		}
		return
	}
	p._checkSwitchMsg(inner)
}

// _releaseHeld checks the message that waited for the budget.
func (p *peer) _releaseHeld() {
	p.heldArmed = false
	if p.stopped || p.heldMsg == nil {
		return
	}
	now := p.core.clock.Now()
	if !p.msgBudget.Allow(now) {
		p.heldArmed = true
		p.core.clock.AfterFunc(p.msgBudget.Wait(now), func() { p.post(p._releaseHeld) })
		return
	}
	inner := p.heldMsg
	p.heldMsg = nil
	p._checkSwitchMsg(inner)
}

// _checkSwitchMsg decodes and verifies an opened switch message and hands
// it to the switch.
func (p *peer) _checkSwitchMsg(inner []byte) {
	sm := new(wire.SwitchMsg)
	if sm.Decode(inner) != nil {
		return
	}
	if err := sm.Verify(); err != nil {
		p.core.logs.bad.Warnf("Closing link to %s@%s: %v", p.link.remoteAddr(), p.link.info.Remote, err)
		l := p.link
		l.Act(p, func() { l._close(err) })
		return
	}
	// v0.3.16 does not check that the message was addressed to us; honest
	// senders always address it, so a message for another key is ignored.
	if sm.Hops[len(sm.Hops)-1].Next != p.core.id.SigPub {
		p.core.log.Debugf("Ignoring switch message on port %d addressed to another key", p.port)
		return
	}
	p.lastMsg = inner
	sw := p.core.sw
	sw.Act(p, func() { sw._handleMsg(p, sm) })
}

// _sendSwitchMsg extends the switch's base message with a hop to this peer,
// signs it and sends it ahead of any traffic (spec 01 §5.5). While another
// control write is in the writer, it only replaces the message waiting.
func (p *peer) _sendSwitchMsg(base *wire.SwitchMsg) {
	if p.stopped {
		return
	}
	if p.controlBusy {
		if p.nextBase != nil {
			p.stats.Coalesced++
		}
		p.nextBase = base
		return
	}
	msg := base.Clone()
	msg.AddHop(p.port, &p.sig, &p.core.id.SigPriv)
	payload := wire.SealLinkMessage(p.shared, p.linkShared, msg.Encode(nil))
	p._controlWrite(payload)
}

// _controlWrite hands one control frame to the writer.
func (p *peer) _controlWrite(frame []byte) {
	p.controlBusy = true
	p.stats.ControlWrites++
	p.io.sendControl(p, [][]byte{frame})
}

// _sendKeepalive sends an empty frame, unless a control write is already
// on its way (any frame keeps the link alive).
func (p *peer) _sendKeepalive() {
	if !p.stopped && !p.controlBusy {
		p._controlWrite(nil)
	}
}

// _controlDone runs when the writer has finished a control write: the
// switch message that waited, if any, goes next.
func (p *peer) _controlDone() {
	p.controlBusy = false
	if base := p.nextBase; base != nil {
		p.nextBase = nil
		p._sendSwitchMsg(base)
	}
}

// _readDone runs for every frame read: it cancels the stall timer and
// clears a read block.
func (p *peer) _readDone() {
	p.stall.disarm()
	if p.readBlocked {
		p.readBlocked = false
		p._updateBlocked()
	}
}

// _writeStarted runs when the writer starts a batch from the switch.
func (p *peer) _writeStarted() {
	p.writeStuck.arm(p.core.clock, writeTimeout, p.post, func() { p._closeLink(errWriteTimeout) })
	p.keepalive.disarm()
	p.sendBlocked.rearm(p.core.clock, sendTime, p.post, func() {
		p.writeBlocked = true
		p._updateBlocked()
	})
}

// _writeDone runs when the writer has finished any write: n bytes on the
// wire, payload of them message bytes. Only a write that carried messages
// arms the stall timer: a keepalive is empty, and the peer does not answer
// empty frames, so arming on it would block every quiet link (spec 01
// §4.11 counts message bytes).
func (p *peer) _writeDone(n, payload int) {
	p.bytesOut += uint64(n)
	p.keepalive.disarm()
	p.sendBlocked.disarm()
	p.writeStuck.disarm()
	if p.writeBlocked {
		p.writeBlocked = false
		p._updateBlocked()
	}
	if payload > 0 && !p.stopped {
		p.stall.arm(p.core.clock, stallTime, p.post, func() {
			p.readBlocked = true
			p._updateBlocked()
		})
	}
}

func (p *peer) _updateBlocked() {
	if p.stopped {
		return
	}
	sw, blocked := p.core.sw, p.readBlocked || p.writeBlocked
	sw.Act(p, func() { sw._setBlocked(p, blocked) })
}

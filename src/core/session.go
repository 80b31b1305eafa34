package core

// A session is the end-to-end encrypted channel with one remote node (spec
// 02 §6). Each is an actor that owns its ephemeral keys, handles, nonces,
// MTU and the remote's coords; the router only indexes sessions.
//
//	send:    user ──Send──▶ session._send: MTU check, nonce += 2, seal ──▶ switch
//	receive: router (by handle) ──▶ session._recv: ready?, nonce newer?, open ──▶ handler.Receive
//	pings:   router ──▶ session._handlePing: accept if the timestamp is newer,
//	         adopt a new session key and handle, answer a ping with a pong
//
// Sealing and opening run inside the session's behaviours, so nonce state
// and packet order never leave the actor. Different sessions run in
// parallel on their own goroutines.

import (
	"errors"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/bufpool"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/ratelimit"
	"github.com/yggmesh/ygg/src/wire"
)

const (
	sessionPingAfter   = 6 * time.Second // nothing received this long: ping on the next write
	sessionResearch    = 6 * time.Second // a ping unanswered this long: search again
	sessionMinPingGap  = time.Second     // the remote accepts at most one ping per second
	handshakeTimeout   = 6 * time.Second // a dial waits this long for the first pong
	pongsPerSecond     = 4
	pongsBurst         = 8
	minSessionMTU      = 1280
	defaultSessionMTU  = 65535
	maxAdvertisableMTU = 65535
)

// Errors a dial can end with (spec 02 §8).
var (
	ErrSearchDeadEnd     = errors.New("search reached dead end")
	ErrSessionNotAllowed = errors.New("session not allowed")
	ErrHandshakeTimeout  = errors.New("session handshake timeout")
	ErrSessionClosed     = errors.New("session closed")
)

// session owns one end-to-end session; see the file comment.
type session struct {
	actor.Inbox
	core    *Core
	handler SessionHandler // fixed at creation

	// Fixed at creation; read by the router and the inspection API.
	theirKey   crypto.BoxPubKey
	theirID    crypto.NodeID
	permShared *crypto.BoxSharedKey // secrets are pointers, so printing a session never shows them
	myHandle   crypto.Handle
	mySesPub   crypto.BoxPubKey
	mySesPriv  *crypto.BoxPrivKey
	incoming   bool
	opened     time.Time

	// Owned by the session actor.
	theirSesPub crypto.BoxPubKey
	sesShared   *crypto.BoxSharedKey
	theirHandle crypto.Handle
	myNonce     crypto.BoxNonce
	theirNonce  crypto.BoxNonce
	myMTU       uint64
	theirMTU    uint64
	coords      wire.Coords
	tstamp      int64
	lastRecv    time.Time // last accepted ping/pong or traffic
	pingTime    time.Time // first ping sent since lastRecv
	lastPing    time.Time // last ping sent, for rate limiting
	pongs       ratelimit.Bucket
	reset       bool
	ready       bool
	announced   bool
	closed      bool
	bytesIn     uint64
	bytesOut    uint64
	waits       []DialCallback
}

func newSession(c *Core, handler SessionHandler, key crypto.BoxPubKey, shared *crypto.BoxSharedKey, handle crypto.Handle, myMTU uint64, incoming bool) *session {
	s := &session{
		core:       c,
		handler:    handler,
		theirKey:   key,
		theirID:    key.NodeID(),
		permShared: new(crypto.BoxSharedKey),
		mySesPriv:  new(crypto.BoxPrivKey),
		sesShared:  new(crypto.BoxSharedKey),
		myHandle:   handle,
		incoming:   incoming,
		opened:     c.clock.Now(),
		myMTU:      myMTU,
		theirMTU:   wire.DefaultSessionMTU,
	}
	c.bind(&s.Inbox)
	*s.permShared = *shared
	s.mySesPub, *s.mySesPriv = crypto.NewBoxKeys()
	s.myNonce = crypto.NewRandomNonce()
	// The two directions share one key, so they must use disjoint nonces:
	// odd if our permanent key is the greater, even otherwise (spec 02 §6.9).
	if s.theirKey.Less(&c.id.BoxPub) {
		s.myNonce[len(s.myNonce)-1] |= 1
	} else {
		s.myNonce[len(s.myNonce)-1] &^= 1
	}
	s.lastRecv, s.pingTime = s.opened, s.opened
	s.pongs = ratelimit.NewBucket(pongsPerSecond, pongsBurst)
	return s
}

// RemoteKey is the remote node's permanent box public key.
func (s *session) RemoteKey() crypto.BoxPubKey { return s.theirKey }

// Send encrypts and sends msg; see Session.
func (s *session) Send(from actor.Actor, msg []byte, flow uint64) {
	s.Act(from, func() { s._send(msg, flow) })
}

// Close ends the session locally.
func (s *session) Close() { s.Act(nil, s._close) }

func (s *session) now() time.Time { return s.core.clock.Now() }

func (s *session) _mtu() uint64 {
	if s.myMTU == 0 || s.theirMTU == 0 {
		return 0
	}
	return min(s.myMTU, s.theirMTU)
}

// _send seals one message as a traffic packet. Sessions drop data until
// they are ready, as v0.3.16 does; dials return only ready sessions.
func (s *session) _send(msg []byte, flow uint64) {
	if s.closed || !s.ready {
		return
	}
	if mtu := s._mtu(); uint64(len(msg)) > mtu {
		if s.handler != nil {
			s.handler.TooBig(s, msg, mtu)
		}
		return
	}
	s.myNonce.Increment()
	buf := bufpool.Get(wire.TrafficLen(s.coords, flow, len(msg)))[:0]
	pkt := wire.SealTraffic(buf, s.coords, flow, &s.theirHandle, s.sesShared, &s.myNonce, msg)
	s.bytesOut += uint64(len(msg))
	bufpool.Put(msg) // sealed: the session owned msg and is done with it
	s.core.sw.sendLocal(s, pkt)
	s._keepAlive()
}

// _keepAlive runs after each write (spec 02 §6.12): ping when nothing has
// been heard for 6 s, search again when such a ping has gone unanswered
// for 6 s, and ping after our coords changed.
func (s *session) _keepAlive() {
	now := s.now()
	switch {
	case now.Sub(s.lastRecv) > sessionPingAfter:
		if s.lastRecv.Before(s.pingTime) && now.Sub(s.pingTime) > sessionResearch {
			r, id := s.core.router, s.theirID
			r.Act(s, func() { r._research(id) })
		} else {
			s._sendPing(false)
		}
	case s.reset && s.pingTime.Before(s.lastRecv):
		s._sendPing(false)
	}
}

// _sendPing sends a ping or pong. Pings are limited to one a second, the
// most the remote accepts; pongs always go.
func (s *session) _sendPing(pong bool) {
	now := s.now()
	if !pong && now.Sub(s.lastPing) < sessionMinPingGap {
		return
	}
	s.lastPing = now
	m := wire.SessionPing{
		IsPong: pong,
		Handle: s.myHandle,
		SesKey: s.mySesPub,
		TStamp: now.Unix(),
		Coords: s.core.coords(),
		MTU:    uint16(min(s.myMTU, maxAdvertisableMTU)),
	}
	// Unused here, but it keeps our traffic nonces strictly increasing.
	s.myNonce.Increment()
	if !s.pingTime.After(s.lastRecv) {
		s.pingTime = now
	}
	pkt := wire.SealProtocolTraffic(nil, s.coords, &s.theirKey, &s.core.id.BoxPub, s.permShared, m.Encode(nil))
	s.core.sw.sendLocal(s, pkt)
}

// _handlePing applies a ping or pong from the remote (spec 02 §6.5).
func (s *session) _handlePing(m *wire.SessionPing) {
	if s.closed || m.TStamp <= s.tstamp {
		return
	}
	if m.SesKey != s.theirSesPub {
		s.theirSesPub = m.SesKey
		s.theirHandle = m.Handle
		*s.sesShared = crypto.Shared(s.mySesPriv, &m.SesKey)
		s.theirNonce = crypto.BoxNonce{}
	}
	if m.MTU >= minSessionMTU || m.MTU == 0 {
		s.theirMTU = uint64(m.MTU)
	}
	if !s.coords.Equal(m.Coords) {
		s.coords = m.Coords
	}
	s.lastRecv = s.now()
	s.tstamp = m.TStamp
	s.reset = false
	if !m.IsPong && s.pongs.Allow(s.now()) {
		// Honest nodes ping at most once a second; a pong goes to coords
		// the remote chose, so a flood of pings must not buy a flood of them.
		s._sendPing(true)
	}
	if !s.ready {
		s.ready = true
		s._becameReady()
	}
}

// _becameReady answers waiting dials and announces an incoming session.
func (s *session) _becameReady() {
	waits := s.waits
	s.waits = nil
	for _, cb := range waits {
		cb(s, nil)
	}
	if s.incoming && !s.announced && s.handler != nil {
		s.announced = true
		s.handler.NewSession(s)
	}
}

// _recv opens a traffic packet (spec 02 §6.10). Anything out of order, not
// ready or not opening is dropped silently; there is no replay window. The
// packet's buffer p, which tr aliases, goes back to the pool here.
func (s *session) _recv(tr *wire.Traffic, p []byte) {
	defer bufpool.Put(p)
	if s.closed || !s.ready || tr.Nonce.Minus(&s.theirNonce) <= 0 {
		return
	}
	msg, err := tr.Open(bufpool.Get(len(tr.Payload))[:0], s.sesShared)
	if err != nil {
		return
	}
	s.theirNonce = tr.Nonce
	s.lastRecv = s.now()
	s.bytesIn += uint64(len(msg))
	if s.handler != nil {
		s.handler.Receive(s, msg)
	}
}

// _found runs when a search (the dial's, or a re-search) found the remote
// at coords: use them and ping.
func (s *session) _found(coords wire.Coords) {
	if s.closed {
		return
	}
	s.coords = coords
	s.lastPing = time.Time{}
	s._sendPing(false)
}

// _whenReady calls cb once the session is ready, or fails it (and closes
// the session) if the first pong takes longer than handshakeTimeout.
func (s *session) _whenReady(cb DialCallback) {
	switch {
	case s.closed:
		cb(nil, ErrSessionClosed)
	case s.ready:
		cb(s, nil)
	default:
		s.waits = append(s.waits, cb)
		s.core.clock.AfterFunc(handshakeTimeout, func() {
			s.Act(nil, func() {
				if s.ready || len(s.waits) == 0 {
					return
				}
				waits := s.waits
				s.waits = nil
				for _, cb := range waits {
					cb(nil, ErrHandshakeTimeout)
				}
				s._close()
			})
		})
	}
}

func (s *session) _markReset() { s.reset = true }

// _expireIfNotReady closes the session if it is still not ready and no dial
// waits for it (a dial's own timer closes it then); it reports whether it
// did.
func (s *session) _expireIfNotReady() bool {
	if s.ready || s.closed || len(s.waits) > 0 {
		return false
	}
	s._close()
	return true
}

func (s *session) _setMyMTU(mtu uint64) {
	s.myMTU = mtu
	if s.ready {
		s.lastPing = time.Time{}
		s._sendPing(false)
	}
}

// _close removes the session locally; the remote is not told (spec 02 §6.13).
func (s *session) _close() {
	if s.closed {
		return
	}
	s.closed = true
	waits := s.waits
	s.waits = nil
	for _, cb := range waits {
		cb(nil, ErrSessionClosed)
	}
	r := s.core.router
	r.Act(s, func() { r._removeSession(s) })
}

// _closedByRouter marks the session closed when the router drops it.
func (s *session) _closedByRouter() {
	s.closed = true
	waits := s.waits
	s.waits = nil
	for _, cb := range waits {
		cb(nil, ErrSessionClosed)
	}
}

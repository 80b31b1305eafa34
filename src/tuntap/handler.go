package tuntap

// What sessions hand back: new incoming sessions, received packets and
// packets refused as too big. The callbacks run inside session actors, so
// they only forward to the adapter. A session that is itself an actor is
// passed as the sender, so a backed-up adapter slows it down.

import (
	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/core"
)

type handler struct{ a *Adapter }

func senderOf(s core.Session) actor.Actor {
	if act, ok := s.(actor.Actor); ok {
		return act
	}
	return nil
}

// NewSession registers an incoming session like a dialled one.
func (h handler) NewSession(s core.Session) {
	a := h.a
	a.Act(nil, func() {
		if a.stopped {
			s.Close()
			return
		}
		a._register(s)
	})
}

// Receive writes a packet from s to the TUN if it passes the receive checks.
func (h handler) Receive(s core.Session, msg []byte) {
	a := h.a
	a.Act(senderOf(s), func() { a._receive(s, msg) })
}

// TooBig answers a packet the session refused with Packet Too Big.
func (h handler) TooBig(s core.Session, msg []byte, mtu uint64) {
	a := h.a
	a.Act(senderOf(s), func() { a._tooBig(msg, mtu) })
}

func (a *Adapter) _receive(s core.Session, msg []byte) {
	if a.stopped {
		return
	}
	key := s.RemoteKey()
	c := a.byKey[key]
	var remote endpoint
	if c != nil {
		remote = c.remote
	} else {
		// A session not (or no longer) registered, e.g. one whose dial
		// result is still queued behind this packet: its traffic is still
		// authenticated as the remote's.
		remote = endpointFor(&key)
	}
	if !recvAllowed(msg, &a.self, &remote, &key, a.routes) {
		return
	}
	if c != nil {
		c.lastUse = a.clock.Now()
	}
	a.writer.write(a, msg)
}

// _tooBig writes Packet Too Big for an IPv6 packet. IPv4 (CKR) packets are
// dropped, as for Destination Unreachable.
func (a *Adapter) _tooBig(msg []byte, mtu uint64) {
	if a.stopped || len(msg) < ipv6HeaderLen || msg[0]>>4 != 6 {
		return
	}
	a.writer.write(a, packetTooBig(msg, mtu))
}

package multicast

// The receive path: reader (blocking reads) -> Multicast._received (checks)
// -> CallPeerAsync into the core.

import (
	"net/netip"
	"slices"
	"time"

	"github.com/yggmesh/ygg/src/actor"
)

// readRetry is the pause after a read error other than a close, so a
// persistent error does not spin.
const readRetry = 100 * time.Millisecond

// reader owns the blocking reads on one socket. It hands datagrams to the
// Multicast actor with itself as sender, so a flood of beacons slows the
// reads (and the kernel drops the excess) instead of queueing without bound.
type reader struct {
	actor.Inbox
	m    *Multicast
	sock Socket
	buf  []byte // MaxDatagram+1, so an oversized datagram shows as such
}

// _read reads one datagram and queues the next read, until the socket is
// closed.
func (r *reader) _read() {
	n, src, dst, ifIndex, err := r.sock.ReadFrom(r.buf)
	if err != nil {
		if isClosed(err) {
			return
		}
		r.m.log.Debugf("Multicast: reading: %v", err)
		r.m.clock.AfterFunc(readRetry, func() { r.Act(nil, r._read) })
		return
	}
	if n <= MaxDatagram {
		payload := append([]byte(nil), r.buf[:n]...)
		r.m.Act(r, func() { r.m._received(r, payload, src, dst, ifIndex) })
	}
	r.Act(nil, r._read)
}

// _received checks a datagram and calls the listener it announces
// (spec 03 §4): the payload must be a beacon whose IP is the datagram's
// source, heard on a kept interface, and not one of ours.
func (m *Multicast) _received(r *reader, payload []byte, src, dst netip.Addr, ifIndex int) {
	if r != m.reader {
		return // read before a stop or restart
	}
	if dst.IsValid() && dst != groupAddr {
		return
	}
	b, err := ParseBeacon(payload)
	if err != nil {
		m.log.Tracef("Multicast: ignoring a datagram from %s: %v", src, err)
		return
	}
	if b.Addr != src.WithZone("") {
		return // a node may only announce its own address
	}
	st := m._byIndex(ifIndex)
	if st == nil || len(st.addrs) == 0 {
		// Not an interface we run on, or one we have no link-local
		// address on to call from.
		return
	}
	if m._isOwn(b.Addr) {
		return
	}
	uri := "tcp://" + netip.AddrPortFrom(b.Addr, b.Port).String()
	iface := st.name
	m.core.CallPeerAsync(uri, iface, func(err error) {
		if err != nil {
			m.calls.Debugf("Multicast: calling %s on %s: %v", uri, iface, err)
		}
	})
}

func (m *Multicast) _byIndex(ifIndex int) *ifaceState {
	for _, st := range m.ifaces {
		if st.index == ifIndex {
			return st
		}
	}
	return nil
}

// _isOwn reports whether addr is one of our link-local addresses: our own
// beacons come back through multicast loopback, and on any other of our
// interfaces on the same link; and a listener may sit on an address that is
// no longer its interface's first.
func (m *Multicast) _isOwn(addr netip.Addr) bool {
	for _, st := range m.ifaces {
		if slices.Contains(st.addrs, addr) {
			return true
		}
	}
	return false
}

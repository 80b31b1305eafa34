package tuntap

// The outbound path (spec 03 §3.4), run by the adapter actor for each
// packet the reader hands it: validate, pick the destination node (natively
// from a 200::/7 address, or through a CKR route), then send on the
// existing connection or buffer the packet while a dial to that node runs.
// Packets keep their read order per destination: buffered ones are flushed
// before any later packet can find the new connection.

import (
	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/crypto"
)

// maxPending is how many packets wait for one dial; the oldest go first.
const maxPending = 32

// dialKey names a dial target: a node address, or a node subnet padded
// with zeros. The prefix byte (0x02 or 0x03) keeps the two kinds apart.
type dialKey [16]byte

func addrDialKey(a address.Address) dialKey { return dialKey(a) }

func subnetDialKey(s address.Subnet) dialKey {
	var k dialKey
	copy(k[:], s[:])
	return k
}

// target is the partial NodeID and mask the key reveals (spec 02 §0.5).
func (k dialKey) target() (id, mask crypto.NodeID) {
	if k[0] == address.AddrPrefix {
		a := address.Address(k)
		return a.NodeIDAndMask()
	}
	s := address.Subnet(k[:8])
	return s.NodeIDAndMask()
}

type pendingDial struct {
	pkts [][]byte
}

func (a *Adapter) _outbound(pkts [][]byte) {
	for _, p := range pkts {
		a._outboundPacket(p)
	}
}

func (a *Adapter) _outboundPacket(pkt []byte) {
	if a.stopped {
		return
	}
	dst, ok := outboundDest(pkt)
	if !ok {
		return
	}
	var to dialKey
	switch {
	case isYggdrasil(dst):
		to = dialKey(dst)
		if dst[0] == address.SubnetPrefix {
			clear(to[8:])
		}
	case a.routes.Enabled():
		r, ok := a.routes.Route(dst)
		if !ok {
			a._unreachable(pkt)
			return
		}
		// The packet is not rewritten; only the node it goes to changes.
		to = addrDialKey(r.Addr)
	default:
		a._unreachable(pkt)
		return
	}
	// An address key only finds connections by address, a subnet key only
	// by subnet: the prefix bytes differ.
	c := a.byAddr[address.Address(to)]
	if c == nil {
		c = a.bySubnet[address.Subnet(to[:8])]
	}
	if c != nil {
		a._send(c, pkt)
		return
	}
	a._queue(to, pkt)
}

// _unreachable answers a packet to a destination outside 200::/7 with no
// CKR route. IPv4 packets are dropped silently: the reference sends a
// malformed ICMPv6 packet the kernel ignores, and an ICMPv4 error would
// need an IPv4 source the TUN does not have.
func (a *Adapter) _unreachable(pkt []byte) {
	if pkt[0]>>4 == 6 {
		a.writer.write(a, destUnreachable(pkt))
	}
}

// _queue buffers pkt for the node behind key, starting a dial unless one
// is already running.
func (a *Adapter) _queue(key dialKey, pkt []byte) {
	pd := a.dials[key]
	if pd == nil {
		pd = &pendingDial{}
		a.dials[key] = pd
		id, mask := key.target()
		a.core.Dial(id, mask, func(s core.Session, err error) {
			a.Act(nil, func() { a._dialDone(key, pd, s, err) })
		})
	}
	if len(pd.pkts) == maxPending {
		copy(pd.pkts, pd.pkts[1:])
		pd.pkts = pd.pkts[:maxPending-1]
	}
	pd.pkts = append(pd.pkts, pkt)
}

// _dialDone registers a new session and flushes its buffer, or drops the
// buffer silently when the dial failed (no ICMP, spec 03 §3.4 step 8).
func (a *Adapter) _dialDone(key dialKey, pd *pendingDial, s core.Session, err error) {
	if a.dials[key] == pd {
		delete(a.dials, key)
	}
	if a.stopped {
		if s != nil {
			s.Close()
		}
		return
	}
	if err != nil || s == nil {
		a.log.Debugf("dial for %x failed: %v", key[:], err)
		return
	}
	c := a._register(s)
	a._flush(c, pd)
}

func (a *Adapter) _flush(c *conn, pd *pendingDial) {
	for _, p := range pd.pkts {
		a._send(c, p)
	}
	pd.pkts = nil
}

// _send applies the send checks of §3.6 and gives pkt to the session,
// which refuses packets over its MTU through the handler's TooBig.
func (a *Adapter) _send(c *conn, pkt []byte) {
	if !sendAllowed(pkt, &a.self, &c.remote, &c.key, a.routes) {
		return
	}
	c.lastUse = a.clock.Now()
	c.sess.Send(a, pkt, flowKey(pkt))
}

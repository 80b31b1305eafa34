package core

// The inspection API: read-only views of the node for tests and the admin
// socket. Each call gathers its answer from the owning actors with
// actor.Block, so it must not be called from inside an actor.

import (
	"context"
	"errors"
	"net"
	"sort"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/dht"
	"github.com/yggmesh/ygg/src/firewall"
	"github.com/yggmesh/ygg/src/transport"
	"github.com/yggmesh/ygg/src/wire"
)

// SelfInfo describes this node.
type SelfInfo struct {
	BoxPub  crypto.BoxPubKey
	SigPub  crypto.SigPubKey
	Address address.Address
	Subnet  address.Subnet
	Coords  wire.Coords
	Root    crypto.SigPubKey
	Parent  uint64
}

// Self reports this node's keys, address and place in the tree.
func (c *Core) Self() SelfInfo {
	s := SelfInfo{BoxPub: c.id.BoxPub, SigPub: c.id.SigPub, Address: c.addr, Subnet: c.subnet}
	actor.Block(c.sw, func() {
		s.Coords = c.sw.tree.Coords()
		s.Root = c.sw.tree.Root()
		s.Parent = c.sw.tree.Parent()
	})
	return s
}

// PeerInfo describes one link to a peer (one switch port).
type PeerInfo struct {
	Port       uint64
	BoxPub     crypto.BoxPubKey
	SigPub     crypto.SigPubKey
	Address    address.Address
	Endpoint   string // link name: "tcp://1.2.3.4:5"
	Proto      string // tcp, tls, socks
	Remote     string // remote host, no port
	Local      string // local host, no port
	Inbound    bool
	Uptime     time.Duration
	BytesRecvd uint64
	BytesSent  uint64
	// InTable is true while the switch routes through this peer (it has
	// sent a valid switch message for our root and is not blocked); Coords
	// are then its coords.
	InTable bool
	Coords  wire.Coords
}

// Peers lists the connected peers, by ascending port.
func (c *Core) Peers() []PeerInfo {
	type portPeer struct {
		port    uint64
		peer    *peer
		inTable bool
		coords  wire.Coords
	}
	var ports []portPeer
	actor.Block(c.sw, func() {
		for port, sp := range c.sw.ports {
			if sp.peer == nil {
				continue
			}
			pp := portPeer{port: port, peer: sp.peer, inTable: c.sw.table.Has(port)}
			if pp.inTable {
				pp.coords, _ = c.sw.tree.PeerCoords(port)
			}
			ports = append(ports, pp)
		}
	})
	sort.Slice(ports, func(i, j int) bool { return ports[i].port < ports[j].port })
	infos := make([]PeerInfo, 0, len(ports))
	for _, pp := range ports {
		p := pp.peer
		info := PeerInfo{Port: pp.port, BoxPub: p.box, SigPub: p.sig, Address: address.ForKey(&p.box),
			Endpoint: p.link.info.Name, Proto: p.link.info.Proto, Remote: p.link.info.Remote,
			Local: p.link.info.Local, Inbound: p.link.info.Inbound, InTable: pp.inTable, Coords: pp.coords}
		actor.Block(p, func() {
			info.Uptime = c.clock.Now().Sub(p.started)
			info.BytesRecvd, info.BytesSent = p.bytesIn, p.bytesOut
		})
		infos = append(infos, info)
	}
	return infos
}

// Connect runs the peer handshake over an already connected stream, as if
// it had been accepted by a listener (inbound) or dialled (outbound). Tests
// and the simulator join nodes with in-memory pipes this way.
func (c *Core) Connect(conn net.Conn, info transport.LinkInfo) {
	c.links.Act(nil, func() { c.links._newLink(conn, info, nil, "", nil) })
}

// CallPeer dials a peer URI once, bound to iface when it is not empty. It
// returns when the call has started, not when it has connected.
func (c *Core) CallPeer(uri, iface string) error {
	var err error
	actor.Block(c.links, func() { err = c.links._call(uri, iface) })
	return err
}

// Listen opens an extra listener (tcp:// or tls://) and returns its address.
// Config reloads leave such listeners alone (multicast owns its own).
func (c *Core) Listen(uri string) (net.Addr, error) {
	var addr net.Addr
	var err error
	done := make(chan struct{})
	c.ListenAsync(uri, func(a net.Addr, e error) {
		addr, err = a, e
		close(done)
	})
	<-done
	return addr, err
}

// ListenerAddrs lists the bound addresses of the open listeners by URI.
func (c *Core) ListenerAddrs() map[string]net.Addr {
	out := make(map[string]net.Addr)
	actor.Block(c.links, func() {
		for uri, l := range c.links.listeners {
			out[uri] = l.Addr()
		}
	})
	return out
}

// LinkStats counts what the link layer admitted and refused.
type LinkStats struct {
	// Gate is the admission of inbound connections before their handshake.
	Gate transport.GateStats
	// Handshaking is the links whose metadata exchange is not done; Up the
	// links past it (registered).
	Handshaking, Up int
	// ReadBuffers is how many links have made their large frame read
	// buffer: only links past the handshake do.
	ReadBuffers int64
	// Refused counts links refused after the metadata, by reason:
	// "not allowed", "duplicate", "max links", "max links per key",
	// "new links rate".
	Refused map[string]uint64
	// OtherCalls is the calls to peers that are not configured, dialling,
	// connected or held off.
	OtherCalls int
}

// refusalNames are the LinkStats.Refused keys.
var refusalNames = map[error]string{
	errNotAllowed:         "not allowed",
	errDuplicate:          "duplicate",
	errTooManyLinks:       "max links",
	errTooManyLinksForKey: "max links per key",
	errTooManyNewLinks:    "new links rate",
	errShutdown:           "shutdown",
}

// LinkStats reports the link layer's counters.
func (c *Core) LinkStats() LinkStats {
	st := LinkStats{Gate: c.gate.Stats(), ReadBuffers: c.readBuffers.Load(), Refused: map[string]uint64{}}
	actor.Block(c.links, func() {
		st.Up = len(c.links.keys)
		st.Handshaking = len(c.links.links) - st.Up
		st.OtherCalls = c.links.otherCalls
		for err, n := range c.links.refused {
			st.Refused[refusalNames[err]] = n
		}
	})
	return st
}

// GuardStats reports what the router's limits on remote nodes refused.
func (c *Core) GuardStats() GuardStats {
	var st GuardStats
	actor.Block(c.router, func() { st = c.router.guard.stats })
	return st
}

// DisconnectPort closes the link on a switch port; port 0 and unknown
// ports are ignored.
func (c *Core) DisconnectPort(port uint64) {
	var p *peer
	actor.Block(c.sw, func() {
		if sp := c.sw.ports[port]; sp != nil {
			p = sp.peer
		}
	})
	if p != nil {
		l := p.link
		l.Act(nil, func() { l._close(errAdminClose) })
	}
}

// SessionInfo describes one open session.
type SessionInfo struct {
	BoxPub     crypto.BoxPubKey
	Address    address.Address
	Coords     wire.Coords
	MTU        uint64
	Uptime     time.Duration
	BytesRecvd uint64
	BytesSent  uint64
	Ready      bool
}

// Sessions lists the open sessions, ordered by remote key.
func (c *Core) Sessions() []SessionInfo {
	var list []*session
	actor.Block(c.router, func() {
		for _, s := range c.router.sessions {
			list = append(list, s)
		}
	})
	infos := make([]SessionInfo, 0, len(list))
	for _, s := range list {
		info := SessionInfo{BoxPub: s.theirKey, Address: sessionAddr(s)}
		actor.Block(s, func() {
			info.Coords = s.coords.Clone()
			info.MTU = s._mtu()
			info.Uptime = c.clock.Now().Sub(s.opened)
			info.BytesRecvd, info.BytesSent = s.bytesIn, s.bytesOut
			info.Ready = s.ready
		})
		infos = append(infos, info)
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].BoxPub.Less(&infos[j].BoxPub) })
	return infos
}

// DHTEntry describes one node in the DHT table.
type DHTEntry struct {
	BoxPub   crypto.BoxPubKey
	Address  address.Address
	Coords   wire.Coords
	LastSeen time.Duration // how long ago it was last refreshed
}

// DHT lists the DHT table.
func (c *Core) DHT() []DHTEntry {
	var out []DHTEntry
	actor.Block(c.router, func() {
		now := c.clock.Now()
		for _, e := range c.router.dht.Entries() {
			out = append(out, DHTEntry{BoxPub: e.Key, Address: address.ForKey(&e.Key),
				Coords: e.Coords.Clone(), LastSeen: now.Sub(e.LastSeen)})
		}
	})
	return out
}

// ErrTimeout is returned by the blocking requests below when no answer came.
var ErrTimeout = errors.New("timed out")

// DHTPing asks the node with key at coords for the nodes it knows nearest
// to target (its own NodeID when target is nil), waiting until ctx ends
// (and at most the 6 s a DHT request lives).
func (c *Core) DHTPing(ctx context.Context, key crypto.BoxPubKey, coords wire.Coords, target *crypto.NodeID) ([]DHTEntry, error) {
	dest := key.NodeID()
	if target != nil {
		dest = *target
	}
	answer := make(chan *dht.Response, 1)
	r := c.router
	r.Act(nil, func() {
		r._dhtLookup(key, coords, dest, true, func(res *dht.Response) {
			select {
			case answer <- res:
			default:
			}
		})
	})
	res, ok := wait(c, ctx, answer)
	if !ok || res == nil {
		return nil, ErrTimeout
	}
	out := make([]DHTEntry, 0, len(res.Infos))
	for _, info := range res.Infos {
		out = append(out, DHTEntry{BoxPub: info.Key, Address: address.ForKey(&info.Key), Coords: info.Coords.Clone()})
	}
	return out, nil
}

// NodeInfo asks the node with key at coords for its NodeInfo (a JSON
// object), waiting until ctx ends.
func (c *Core) NodeInfo(ctx context.Context, key crypto.BoxPubKey, coords wire.Coords) ([]byte, error) {
	answer := make(chan []byte, 1)
	r := c.router
	r.Act(nil, func() {
		r._requestNodeInfo(key, coords, func(info []byte) {
			select {
			case answer <- info:
			default:
			}
		})
	})
	info, ok := wait(c, ctx, answer)
	if !ok || info == nil {
		return nil, ErrTimeout
	}
	return info, nil
}

// wait returns the answer, or false once ctx ends. On an executor nothing
// moves while the caller waits, so it runs the executor until the answer
// is there or the time left to ctx has passed in virtual time.
func wait[T any](c *Core, ctx context.Context, answer chan T) (T, bool) {
	var zero T
	if c.ex != nil {
		left := time.Minute
		if dl, ok := ctx.Deadline(); ok {
			left = time.Until(dl)
		}
		c.ex.RunUntil(left, func() bool { return len(answer) > 0 })
		select {
		case v := <-answer:
			return v, true
		default:
			return zero, false
		}
	}
	select {
	case v := <-answer:
		return v, true
	case <-ctx.Done():
		return zero, false
	}
}

// OwnNodeInfo is the NodeInfo this node answers with.
func (c *Core) OwnNodeInfo() []byte {
	var info []byte
	actor.Block(c.router, func() { info = append(info, c.router.nodeinfo...) })
	return info
}

// SetNodeInfo replaces the NodeInfo this node answers with (compact JSON).
func (c *Core) SetNodeInfo(info []byte) {
	actor.Block(c.router, func() { c.router._setNodeInfo(append([]byte(nil), info...)) })
}

// SetFirewall replaces the session firewall; existing sessions stay.
func (c *Core) SetFirewall(rules *firewall.Rules) {
	actor.Block(c.router, func() { c.router._setFirewall(rules) })
}

// CloseListener closes a listener opened by Start or Listen, by its URI.
func (c *Core) CloseListener(uri string) error {
	var err error
	actor.Block(c.links, func() { err = c.links._closeListener(uri) })
	return err
}

package transport

// A Gate is shared by every listener of a node; its counters are guarded by
// its mutex and touched only by the listeners' accept loops (admit) and by
// whoever releases a slot (any goroutine, through the release function).

import (
	"container/list"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/yggmesh/ygg/src/logging"
)

// Default admission caps. A handshake (TLS, then the 102-byte metadata)
// takes a few round trips, so even a node that many peers call at once
// rarely has more than a handful pending. Each pending connection costs a
// goroutine and, once the core has it, a link with a 135 KB read buffer:
// 32 of them is about 5 MB, which a small router can afford. Four per source
// leaves room for a few nodes behind one NAT or for tcp and tls calls from
// the same host, while one source can take only an eighth of the slots.
const (
	DefaultMaxPending          = 32
	DefaultMaxPendingPerSource = 4
)

// Refusal log lines are capped node-wide: after a burst of three, a flood of
// refused connections writes one line every ten seconds, saying how many
// were left out.
const (
	refusalLogPerSecond = 0.1
	refusalLogBurst     = 3
)

// Gate bounds the connections that listeners have accepted but whose
// handshake is not done yet, in total and per source (see sourceOf). A node
// makes one and shares it among all its listeners, so the bound holds
// however many interfaces it listens on. It is safe for concurrent use.
//
// When every slot is held, the connection that has waited longest makes
// way for a new one, if it has waited at least evictAfter: an honest
// handshake takes a few round trips, so a slot held for seconds is most
// likely a connection that will never finish, and without eviction a
// remote with a few addresses (or a few IPv6 /64s, which are cheap) could
// keep every slot and lock new peers out.
type Gate struct {
	refusals *logging.Limited

	mu sync.Mutex
	// The caps (SetCaps changes them) and the age a slot may be evicted at.
	maxPending, maxPerSource int
	evictAfter               time.Duration
	bySource                 map[netip.Prefix]int // only sources with slots held; at most maxPending entries
	held                     list.List            // the slots held, oldest first (*slot)
	stats                    GateStats
	now                      func() time.Time // the clock slots are aged by
}

// slot is one connection holding a place in the gate.
type slot struct {
	conn  net.Conn
	src   netip.Prefix
	since time.Time
	elem  *list.Element // in Gate.held; nil once freed
}

// GateStats counts what a Gate did since it was made, for metrics.
type GateStats struct {
	Pending          int    // slots held now
	Admitted         uint64 // connections given a slot
	RefusedGlobal    uint64 // closed at accept: all MaxPending slots were held
	RefusedPerSource uint64 // closed at accept: their source held MaxPendingPerSource slots
	Evicted          uint64 // closed while waiting, to make way: all slots were held
}

// DefaultEvictAfter is how long a connection may hold a slot before a new
// one may take it when all are held.
const DefaultEvictAfter = 5 * time.Second

// SetClock makes the gate read the time from now (the node's clock) instead
// of time.Now. Call it before the gate is used.
func (g *Gate) SetClock(now func() time.Time) { g.now = now }

// NewGate makes a gate allowing maxPending connections in handshake at once,
// at most maxPerSource of them from one source. Zero or less takes the
// default. Refusals are logged to log (nil discards) at a limited rate.
func NewGate(maxPending, maxPerSource int, log *logging.Logger) *Gate {
	if maxPending <= 0 {
		maxPending = DefaultMaxPending
	}
	if maxPerSource <= 0 {
		maxPerSource = DefaultMaxPendingPerSource
	}
	if log == nil {
		log = logging.Discard()
	}
	return &Gate{
		maxPending:   maxPending,
		maxPerSource: maxPerSource,
		evictAfter:   DefaultEvictAfter,
		now:          time.Now,
		refusals:     log.Limited(refusalLogPerSecond, refusalLogBurst, nil),
		bySource:     make(map[netip.Prefix]int),
	}
}

// SetCaps changes the caps (a config reload); zero or less takes the
// default. Slots already held stay held.
func (g *Gate) SetCaps(maxPending, maxPerSource int) {
	if maxPending <= 0 {
		maxPending = DefaultMaxPending
	}
	if maxPerSource <= 0 {
		maxPerSource = DefaultMaxPendingPerSource
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.maxPending, g.maxPerSource = maxPending, maxPerSource
}

// Stats returns the current counters.
func (g *Gate) Stats() GateStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.stats
	s.Pending = g.held.Len()
	return s
}

// admit takes a slot for the accepted connection c, or logs a refusal and
// returns ok == false; the caller then closes c. When every slot is held,
// the oldest, if old enough, is freed and its connection closed. release
// gives the slot back; it is idempotent and safe from any goroutine.
func (g *Gate) admit(c net.Conn) (release func(), ok bool) {
	src := sourceOf(c.RemoteAddr())
	now := g.now()
	g.mu.Lock()
	var why string
	var evicted *slot
	if g.bySource[src] >= g.maxPerSource {
		g.stats.RefusedPerSource++
		why = "too many handshakes pending from " + src.String()
	} else if g.held.Len() >= g.maxPending {
		oldest := g.held.Front().Value.(*slot)
		if now.Sub(oldest.since) < g.evictAfter {
			g.stats.RefusedGlobal++
			why = "too many handshakes pending"
		} else {
			g.free(oldest)
			g.stats.Evicted++
			evicted = oldest
		}
	}
	var s *slot
	if why == "" {
		s = &slot{conn: c, src: src, since: now}
		s.elem = g.held.PushBack(s)
		g.bySource[src]++
		g.stats.Admitted++
	}
	g.mu.Unlock()
	if evicted != nil {
		// Closing the socket ends its handshake, whoever is running it.
		_ = evicted.conn.Close()
		g.refusals.Warnf("Closed a connection from %s that waited %v in its handshake, to make way for %s",
			evicted.conn.RemoteAddr(), now.Sub(evicted.since).Round(time.Second), c.RemoteAddr())
	}
	if why != "" {
		g.refusals.Warnf("Refused connection from %s to %s: %s", c.RemoteAddr(), c.LocalAddr(), why)
		return nil, false
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			g.free(s)
			g.mu.Unlock()
		})
	}, true
}

// free gives back the slot s if it is still held (an evicted slot was
// freed already). g.mu is held.
func (g *Gate) free(s *slot) {
	if s.elem == nil {
		return
	}
	g.held.Remove(s.elem)
	s.elem = nil
	if g.bySource[s.src]--; g.bySource[s.src] <= 0 {
		delete(g.bySource, s.src)
	}
}

// sourceOf is what the per-source cap counts: an IPv4 address (an
// IPv4-mapped IPv6 one included) as itself, a global IPv6 address by its
// /64, and a link-local IPv6 address as itself.
//
// A /64 is what one IPv6 host (a SLAAC machine, a rented server) usually
// owns, so counting single addresses would let it open 2^64 "sources". The
// price is that hosts sharing a /64 share its slots; they are only held
// during handshakes. Link-local addresses are the exception because every
// neighbour on a link is in fe80::/64, and multicast peers, who all call at
// once when a node appears, would otherwise share four slots; an on-link
// attacker who invents addresses is still held by the global cap.
func sourceOf(a net.Addr) netip.Prefix {
	ip, ok := addrIP(a)
	if !ok {
		return netip.Prefix{} // all unknowns share one source
	}
	ip = ip.Unmap().WithZone("")
	bits := ip.BitLen()
	if ip.Is6() && !ip.IsLinkLocalUnicast() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// Package ckr holds the crypto-key routing (TunnelRouting) state of spec 03
// §3.10: which IPv4 and IPv6 prefixes are reachable through which remote
// node's key, and which prefixes sit on this node's side of the tunnels.
//
// A Table is an immutable snapshot, safe to share between goroutines. A
// State is the owner's mutable handle: it applies additions and removals by
// building a new Table (copy-on-write, changes are rare), and it keeps the
// bounded lookup caches used on the packet path. The TUN adapter actor owns
// the State; anything else reads Table snapshots.
//
// IPv4 quirk not copied: the reference applies its "Yggdrasil address" byte
// tests (first byte 0x02 or 0x03) to IPv4 prefixes and lookups too, which
// rejects 3.0.0.0/8 and makes 2.0.0.0/8 routes dead. Those are ordinary
// public IPv4 ranges, nothing observable by a remote node depends on the
// refusal, so here the tests apply to IPv6 only.
package ckr

import (
	"net/netip"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/crypto"
)

// Family indexes the per-family lists.
const (
	v4 = 0
	v6 = 1
)

// Route sends a remote prefix to the node owning Key.
type Route struct {
	Prefix netip.Prefix     // host bits masked off
	CIDR   string           // Prefix in the form net.IPNet prints, as listed by getRoutes
	Key    crypto.BoxPubKey // the node that serves Prefix
	// Addr and Subnet are derived from Key once, at insertion, so the
	// packet path never hashes a key.
	Addr   address.Address
	Subnet address.Subnet
}

// local is a prefix on this node's side of the tunnels.
type local struct {
	prefix netip.Prefix
	cidr   string
}

// Table is one immutable version of the routing state. The zero value is
// an empty, disabled table.
type Table struct {
	enabled bool
	routes  [2][]Route // most specific first; ties keep insertion order
	locals  [2][]local // insertion order
}

// Enabled reports whether crypto-key routing is switched on. Routes are kept
// while it is off.
func (t *Table) Enabled() bool { return t.enabled }

// Routes lists the remote routes as getRoutes shows them: normalised CIDR
// to key hex. The map is never nil (an empty table lists as {}).
func (t *Table) Routes() map[string]string {
	out := make(map[string]string, len(t.routes[v4])+len(t.routes[v6]))
	for _, fam := range t.routes {
		for i := range fam {
			out[fam[i].CIDR] = fam[i].Key.String()
		}
	}
	return out
}

// RouteList returns the remote routes of both families, IPv4 first, each
// most specific first.
func (t *Table) RouteList() []Route {
	out := make([]Route, 0, len(t.routes[v4])+len(t.routes[v6]))
	out = append(out, t.routes[v4]...)
	return append(out, t.routes[v6]...)
}

// SourceSubnets lists the local subnets as getSourceSubnets shows them:
// IPv4 then IPv6, each in insertion order, normalised. It is nil when there
// are none (the handler answers null, not []).
func (t *Table) SourceSubnets() []string {
	var out []string
	for _, fam := range t.locals {
		for _, l := range fam {
			out = append(out, l.cidr)
		}
	}
	return out
}

// Route finds the most specific route covering ip (4 or 16 bytes). IPv6
// node addresses (first byte 0x02) never match: they are reached natively.
func (t *Table) Route(ip []byte) (*Route, bool) {
	a, fam, ok := addrOf(ip)
	if !ok || (fam == v6 && ip[0] == address.AddrPrefix) {
		return nil, false
	}
	return t.route(a, fam)
}

func (t *Table) route(a netip.Addr, fam int) (*Route, bool) {
	rs := t.routes[fam]
	for i := range rs {
		if rs[i].Prefix.Contains(a) {
			return &rs[i], true
		}
	}
	return nil, false
}

// IsLocal reports whether ip (4 or 16 bytes) lies in one of the local
// subnets of its family.
func (t *Table) IsLocal(ip []byte) bool {
	a, fam, ok := addrOf(ip)
	if !ok {
		return false
	}
	for _, l := range t.locals[fam] {
		if l.prefix.Contains(a) {
			return true
		}
	}
	return false
}

// addrOf reads a packet address; the family is its length.
func addrOf(ip []byte) (netip.Addr, int, bool) {
	switch len(ip) {
	case 4:
		return netip.AddrFrom4([4]byte(ip)), v4, true
	case 16:
		return netip.AddrFrom16([16]byte(ip)), v6, true
	}
	return netip.Addr{}, 0, false
}

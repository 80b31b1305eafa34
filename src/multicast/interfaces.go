package multicast

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
)

// Interface is what discovery needs to know of a network interface. Tests
// hand the module made-up lists of these.
type Interface struct {
	Name  string
	Index int
	Flags net.Flags
	// Addrs are the interface's addresses in the order the system lists
	// them; a new listener goes on the first IPv6 link-local one.
	Addrs []netip.Addr
}

// eligible reports whether discovery may run on the interface at all: up,
// multicast-capable and not point-to-point (which keeps TUN devices out).
func (ifi Interface) eligible() bool {
	return ifi.Flags&net.FlagUp != 0 &&
		ifi.Flags&net.FlagMulticast != 0 &&
		ifi.Flags&net.FlagPointToPoint == 0
}

// linkLocals lists the IPv6 link-local unicast addresses, in order.
func (ifi Interface) linkLocals() []netip.Addr {
	var out []netip.Addr
	for _, a := range ifi.Addrs {
		if a.Is6() && !a.Is4In6() && a.IsLinkLocalUnicast() {
			out = append(out, a.WithZone(""))
		}
	}
	return out
}

// SystemInterfaces lists the host's interfaces. Addresses are only fetched
// for interfaces discovery could use: each fetch is a kernel dump, and this
// runs every second.
func SystemInterfaces() ([]Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := make([]Interface, 0, len(ifs))
	for _, ifi := range ifs {
		it := Interface{Name: ifi.Name, Index: ifi.Index, Flags: ifi.Flags}
		if it.eligible() {
			addrs, err := ifi.Addrs()
			if err != nil {
				// The interface may have just gone; it is listed without
				// addresses and so not announced on this cycle.
				addrs = nil
			}
			it.Addrs = addrAddrs(addrs)
		}
		out = append(out, it)
	}
	return out, nil
}

// addrAddrs turns net.Addr values into plain IPs.
func addrAddrs(addrs []net.Addr) []netip.Addr {
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		var ip net.IP
		switch a := a.(type) {
		case *net.IPNet:
			ip = a.IP
		case *net.IPAddr:
			ip = a.IP
		default:
			continue
		}
		if addr, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, addr.Unmap())
		}
	}
	return out
}

// compileRegexes compiles MulticastInterfaces. An invalid expression is an
// error naming it (v0.3.16 crashes instead).
func compileRegexes(exprs []string) ([]*regexp.Regexp, error) {
	res := make([]*regexp.Regexp, 0, len(exprs))
	for _, e := range exprs {
		re, err := regexp.Compile(e)
		if err != nil {
			return nil, fmt.Errorf("multicast interface regex %q: %w", e, err)
		}
		res = append(res, re)
	}
	return res, nil
}

// kept is an interface discovery runs on.
type kept struct {
	name  string
	index int
	addrs []netip.Addr // IPv6 link-local addresses, in the system's order
}

// selectInterfaces keeps the eligible interfaces whose name matches any of
// res. Matching is an unanchored search, so "eth" also keeps "veth0".
func selectInterfaces(ifaces []Interface, res []*regexp.Regexp) []kept {
	var out []kept
	for _, ifi := range ifaces {
		if !ifi.eligible() || !matchesAny(res, ifi.Name) {
			continue
		}
		out = append(out, kept{name: ifi.Name, index: ifi.Index, addrs: ifi.linkLocals()})
	}
	return out
}

func matchesAny(res []*regexp.Regexp, name string) bool {
	for _, re := range res {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}

package transport

import (
	"fmt"
	"net"
)

// interfaceSource checks that iface exists and is up and picks the local
// address for a call from it to dst (spec 01 §4.2).
func interfaceSource(iface string, dst net.IP) (net.IP, error) {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, fmt.Errorf("interface %s: %w", iface, err)
	}
	if ifi.Flags&net.FlagUp == 0 {
		return nil, fmt.Errorf("interface %s is down", iface)
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return nil, fmt.Errorf("interface %s addresses: %w", iface, err)
	}
	src := chooseSource(addrs, dst)
	if src == nil {
		return nil, fmt.Errorf("interface %s has no usable source address for %s", iface, dst)
	}
	return src, nil
}

// chooseSource returns the first interface address that can talk to dst:
// not dst itself, global or link-local unicast, same family, and the same
// class (global or link-local) as dst. It returns nil when none fits. The
// first match wins, as in the reference, so that both ends of a multicast
// peering agree on which of several addresses a link uses.
func chooseSource(addrs []net.Addr, dst net.IP) net.IP {
	dst4 := dst.To4() != nil
	for _, a := range addrs {
		var src net.IP
		switch a := a.(type) {
		case *net.IPNet:
			src = a.IP
		case *net.IPAddr:
			src = a.IP
		default:
			continue
		}
		switch {
		case src.Equal(dst):
		case !src.IsGlobalUnicast() && !src.IsLinkLocalUnicast():
		case (src.To4() != nil) != dst4:
		case src.IsGlobalUnicast() != dst.IsGlobalUnicast():
		case src.IsLinkLocalUnicast() != dst.IsLinkLocalUnicast():
		default:
			return src
		}
	}
	return nil
}

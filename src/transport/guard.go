package transport

import (
	"fmt"
	"net"
	"net/netip"
)

// checkNotOverMesh refuses a connection whose local address is a mesh
// address or subnet (0200::/7): the link would then be carried by the node
// it feeds, a loop that collapses as soon as traffic flows (spec 01 §4.6).
func checkNotOverMesh(c net.Conn) error {
	ip, ok := addrIP(c.LocalAddr())
	if ok && ip.Is6() && !ip.Is4In6() && ip.As16()[0]&0xfe == 0x02 {
		return fmt.Errorf("refusing link from %s to %s: local address is inside 200::/7 (Yggdrasil over Yggdrasil)",
			c.LocalAddr(), c.RemoteAddr())
	}
	return nil
}

func addrIP(a net.Addr) (netip.Addr, bool) {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, ok := netip.AddrFromSlice(ta.IP)
		return ip, ok
	}
	if a == nil {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(hostOf(a))
	return ip.WithZone(""), err == nil
}

package transport

import (
	"net"
	"net/netip"
)

// LinkInfo describes a connection as the link layer and the admin socket
// need it.
type LinkInfo struct {
	// Proto is the link type in the duplicate-link tuple and in admin
	// output: SchemeTCP, SchemeTLS or SchemeSOCKS.
	Proto string
	// Local is the host part of the socket's local address (with %zone
	// when link-local).
	Local string
	// Remote is the host part of the remote address, keeping any %zone.
	// For SOCKS it is the proxy's IP, the only remote the socket knows.
	// It is the getSwitchPeers "endpoint".
	Remote string
	// Name is the link name, the getPeers "endpoint" that removePeer
	// matches: "tcp://1.2.3.4:5", "tls://[fe80::1%eth0]:5", or
	// "socks://PROXYHOST:PORT/PEERHOST:PORT" as written in the URI.
	Name string
	// Inbound is true for accepted connections.
	Inbound bool
	// LinkLocal is true when the remote IP is link-local unicast
	// (fe80::/10 or 169.254/16); such inbound links are exempt from
	// AllowedEncryptionPublicKeys (spec 01 §4.8).
	LinkLocal bool
}

// newLinkInfo describes a direct TCP or TLS connection.
func newLinkInfo(proto string, c net.Conn, inbound bool) LinkInfo {
	info := LinkInfo{
		Proto:   proto,
		Local:   hostOf(c.LocalAddr()),
		Remote:  hostOf(c.RemoteAddr()),
		Name:    proto + "://" + c.RemoteAddr().String(),
		Inbound: inbound,
	}
	info.LinkLocal = isLinkLocal(info.Remote)
	return info
}

// hostOf is the address without its port, zone kept.
func hostOf(a net.Addr) string {
	if a == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

func isLinkLocal(host string) bool {
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return ip.Unmap().IsLinkLocalUnicast()
}

package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/yggmesh/ygg/src/logging"
)

// Default timeouts of the stages of connection set-up. Each stage has its
// own, so a slow stage (a CONNECT through Tor) does not eat into another's.
const (
	// DefaultDialTimeout bounds name resolution plus the TCP connect, to a
	// peer or to a SOCKS proxy.
	DefaultDialTimeout = 5 * time.Second
	// DefaultSOCKSConnectTimeout bounds the SOCKS5 exchange once the proxy
	// is connected: greeting, authentication and the CONNECT reply, which
	// waits for the proxy to reach the peer. Through an anonymity network
	// that legitimately takes tens of seconds.
	DefaultSOCKSConnectTimeout = 60 * time.Second
	// DefaultTLSHandshakeTimeout bounds a TLS handshake in either
	// direction. The reference has none; without one a silent peer would
	// hold a socket and a goroutine forever. It matches the metadata
	// timeout that follows.
	DefaultTLSHandshakeTimeout = 30 * time.Second
)

// Dialer makes outbound peer connections. It needs no key: the TLS server
// never asks for a client certificate. It is safe for concurrent use once
// its fields are set.
type Dialer struct {
	// Stage timeouts; zero takes the default of the same name.
	DialTimeout         time.Duration
	SOCKSConnectTimeout time.Duration
	TLSHandshakeTimeout time.Duration

	log *logging.Logger // nil discards
}

// NewDialer makes a Dialer with the default timeouts that logs to log (nil
// discards).
func NewDialer(log *logging.Logger) *Dialer {
	return &Dialer{log: log}
}

func (d *Dialer) logger() *logging.Logger {
	if d.log == nil {
		return logging.Discard()
	}
	return d.log
}

// stageTimeout is the timeout of one stage of Dial: the field when set,
// else its default.
func stageTimeout(field, def time.Duration) time.Duration {
	if field <= 0 {
		return def
	}
	return field
}

// Dial connects to the peer in u, bound to iface when it is not empty, and
// returns the stream ready for the metadata handshake (TLS negotiated for
// tls://). Each stage is bounded by its own timeout; ctx only cancels, and a
// deadline on it would cut across stages. SOCKS calls cannot be bound to an
// interface.
func (d *Dialer) Dial(ctx context.Context, u PeerURI, iface string) (net.Conn, LinkInfo, error) {
	var (
		conn net.Conn
		info LinkInfo
		err  error
	)
	switch u.Scheme {
	case SchemeTCP, SchemeTLS:
		var tc *net.TCPConn
		if tc, err = d.dialTCP(ctx, u.Host, iface); err != nil {
			return nil, LinkInfo{}, fmt.Errorf("dialling %s: %w", u, err)
		}
		conn, info = tc, newLinkInfo(u.Scheme, tc, false)
	case SchemeSOCKS:
		if iface != "" {
			return nil, LinkInfo{}, fmt.Errorf("dialling %s: a SOCKS peer cannot be bound to interface %s", u, iface)
		}
		if conn, err = d.dialSOCKS(ctx, u); err != nil {
			return nil, LinkInfo{}, fmt.Errorf("dialling %s: %w", u, err)
		}
		info = LinkInfo{
			Proto:  SchemeSOCKS,
			Local:  hostOf(conn.LocalAddr()),
			Remote: hostOf(conn.RemoteAddr()),
			Name:   "socks://" + u.ProxyHost + "/" + u.Host,
		}
		info.LinkLocal = isLinkLocal(info.Remote)
	default:
		return nil, LinkInfo{}, fmt.Errorf("unknown call scheme: %s", u.Scheme)
	}
	if err := checkNotOverMesh(conn); err != nil {
		conn.Close()
		return nil, LinkInfo{}, err
	}
	if u.Scheme == SchemeTLS {
		tlsConn, err := d.clientHandshake(ctx, conn)
		if err != nil {
			return nil, LinkInfo{}, fmt.Errorf("dialling %s: %w", u, err)
		}
		conn = tlsConn
	}
	return conn, info, nil
}

// clientHandshake runs the TLS client side over conn, closing conn on
// failure.
func (d *Dialer) clientHandshake(ctx context.Context, conn net.Conn) (*tls.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, stageTimeout(d.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout))
	defer cancel()
	tc := tls.Client(conn, clientTLSConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

// dialTCP resolves hostport and connects, bound to iface when given, within
// DialTimeout.
func (d *Dialer) dialTCP(ctx context.Context, hostport, iface string) (*net.TCPConn, error) {
	ctx, cancel := context.WithTimeout(ctx, stageTimeout(d.DialTimeout, DefaultDialTimeout))
	defer cancel()
	dst, err := resolve(ctx, hostport)
	if err != nil {
		return nil, err
	}
	if dst.IP.To4() == nil && dst.IP.IsLinkLocalUnicast() {
		// A link-local address means nothing without the link it is on.
		if iface == "" {
			return nil, fmt.Errorf("link-local destination %s needs an interface", dst.IP)
		}
		dst.Zone = iface
	}
	nd := d.netDialer(iface)
	if iface != "" {
		src, err := interfaceSource(iface, dst.IP)
		if err != nil {
			return nil, err
		}
		nd.LocalAddr = &net.TCPAddr{IP: src, Zone: iface}
	}
	c, err := nd.DialContext(ctx, "tcp", dst.String())
	if err != nil {
		return nil, err
	}
	tc := c.(*net.TCPConn)
	_ = tc.SetNoDelay(true)
	return tc, nil
}

// netDialer is a TCP dialer with the §4.4 socket options, bound to iface
// when it is not empty. Its callers bound it with a context. Go's default
// 15 s TCP keep-alive stays on.
func (d *Dialer) netDialer(iface string) *net.Dialer {
	return &net.Dialer{
		Control: func(_, _ string, c syscall.RawConn) error {
			tuneSocket(c)
			if iface != "" {
				if err := bindToDevice(c, iface); err != nil {
					d.logger().Warnf("Failed to bind socket to interface %s: %v", iface, err)
				}
			}
			return nil
		},
	}
}

// resolve turns HOST:PORT into one TCP address. Like the reference it takes
// a single address, preferring IPv4, so one call makes at most one link.
func resolve(ctx context.Context, hostport string) (*net.TCPAddr, error) {
	host, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	port, err := net.DefaultResolver.LookupPort(ctx, "tcp", portStr)
	if err != nil {
		return nil, err
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return &net.TCPAddr{IP: ip.WithZone("").AsSlice(), Port: port, Zone: ip.Zone()}, nil
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, errors.New("no addresses for " + host)
	}
	pick := ips[0]
	for _, ip := range ips {
		if ip.IP.To4() != nil {
			pick = ip
			break
		}
	}
	return &net.TCPAddr{IP: pick.IP, Port: port, Zone: pick.Zone}, nil
}

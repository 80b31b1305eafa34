package transport

import (
	"context"
	"errors"
	"fmt"
	"net"

	"golang.org/x/net/proxy"
)

// dialSOCKS connects to u.Host through the SOCKS5 proxy u.ProxyHost. The
// proxy name is resolved here, while the peer name goes to the proxy as a
// domain name, so peers reachable only through the proxy (such as onion
// services) work. Connecting to the proxy is bounded by DialTimeout; the
// SOCKS exchange after it by SOCKSConnectTimeout, since a CONNECT through an
// anonymity network can legitimately take far longer than a TCP connect.
//
// Errors name the proxy and the peer but never the password: the ones from
// x/net/proxy carry addresses and fixed texts only.
func (d *Dialer) dialSOCKS(ctx context.Context, u PeerURI) (net.Conn, error) {
	pc, err := d.dialProxy(ctx, u.ProxyHost)
	if err != nil {
		return nil, fmt.Errorf("connecting to SOCKS proxy: %w", err)
	}
	var auth *proxy.Auth
	if u.ProxyUser != "" {
		auth = &proxy.Auth{User: u.ProxyUser, Password: u.ProxyPass}
	}
	// SOCKS5 cannot fail today, and its dialer takes a context; both are
	// checked rather than trusted.
	pd, err := proxy.SOCKS5("tcp", u.ProxyHost, auth, connectedProxy{pc})
	cd, ok := pd.(proxy.ContextDialer)
	if err != nil || !ok {
		pc.Close()
		return nil, fmt.Errorf("SOCKS5 dialer unusable (%v)", err)
	}
	timeout := stageTimeout(d.SOCKSConnectTimeout, DefaultSOCKSConnectTimeout)
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := cd.DialContext(sctx, "tcp", u.Host)
	if err != nil {
		pc.Close()
		// The socket deadline may expire a moment before sctx reports it.
		var ne net.Error
		if ctx.Err() == nil && errors.As(err, &ne) && ne.Timeout() {
			return nil, fmt.Errorf("SOCKS proxy did not answer within %v: %w", timeout, err)
		}
		return nil, err
	}
	return conn, nil
}

// dialProxy connects to the proxy with the same socket options as a direct
// dial, within DialTimeout. Unlike a peer name, the proxy name may resolve
// to several addresses, tried in turn as any Go dial does.
func (d *Dialer) dialProxy(ctx context.Context, hostport string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, stageTimeout(d.DialTimeout, DefaultDialTimeout))
	defer cancel()
	c, err := d.netDialer("").DialContext(ctx, "tcp", hostport)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return c, nil
}

// connectedProxy is the "forward dialer" x/net/proxy asks for the
// connection to the proxy: it hands over the one dialProxy already made, so
// that connecting and the SOCKS exchange each have their own timeout.
type connectedProxy struct{ c net.Conn }

func (p connectedProxy) Dial(_, _ string) (net.Conn, error) { return p.c, nil }

func (p connectedProxy) DialContext(_ context.Context, _, _ string) (net.Conn, error) {
	return p.c, nil
}

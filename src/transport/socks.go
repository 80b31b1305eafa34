package transport

import (
	"context"
	"errors"
	"net"

	"golang.org/x/net/proxy"
)

// dialSOCKS connects to u.Host through the SOCKS5 proxy u.ProxyHost. The
// proxy name is resolved here, while the peer name goes to the proxy as a
// domain name, so peers reachable only through the proxy (such as onion
// services) work. Only the connect to the proxy is time-limited: a CONNECT
// through an anonymity network can legitimately take longer than
// DialTimeout, so the rest is bounded by ctx alone, as in the reference.
func (d *Dialer) dialSOCKS(ctx context.Context, u PeerURI) (net.Conn, error) {
	var auth *proxy.Auth
	if u.ProxyUser != "" {
		auth = &proxy.Auth{User: u.ProxyUser, Password: u.ProxyPass}
	}
	pd, err := proxy.SOCKS5("tcp", u.ProxyHost, auth, proxyForward{d})
	if err != nil {
		return nil, err
	}
	cd, ok := pd.(proxy.ContextDialer)
	if !ok {
		return nil, errors.New("SOCKS5 dialer cannot take a context")
	}
	return cd.DialContext(ctx, "tcp", u.Host)
}

// proxyForward makes the connection to the proxy itself, with the same
// socket options and connect timeout as a direct dial.
type proxyForward struct{ d *Dialer }

func (f proxyForward) Dial(network, addr string) (net.Conn, error) {
	return f.DialContext(context.Background(), network, addr)
}

func (f proxyForward) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := f.d.netDialer("").DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return c, nil
}

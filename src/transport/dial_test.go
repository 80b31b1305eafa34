package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
)

// listenT opens a listener closed at the end of the test.
func listenT(t *testing.T, uri string, cert *tls.Certificate) *Listener {
	t.Helper()
	l, err := Listen(uri, cert, nil, nil)
	if err != nil {
		t.Fatalf("Listen(%s): %v", uri, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func portOf(a net.Addr) string { return strconv.Itoa(a.(*net.TCPAddr).Port) }

// acceptT waits up to 5 s for one connection and gives its slot back.
func acceptT(t *testing.T, l *Listener) (net.Conn, LinkInfo) {
	t.Helper()
	in := acceptInboundT(t, l)
	in.Release()
	return in.Conn, in.Info
}

// acceptInboundT waits up to 5 s for one connection, which keeps its gate
// slot until the caller releases it.
func acceptInboundT(t *testing.T, l *Listener) Inbound {
	t.Helper()
	type result struct {
		in  Inbound
		err error
	}
	ch := make(chan result, 1)
	go func() {
		in, err := l.Accept()
		ch <- result{in, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("Accept: %v", r.err)
		}
		t.Cleanup(func() { r.in.Conn.Close() })
		return r.in
	case <-time.After(5 * time.Second):
		t.Fatal("Accept timed out")
		return Inbound{}
	}
}

// tryDial parses uri and dials it, giving up after 10 s.
func tryDial(t *testing.T, uri, iface string) (net.Conn, LinkInfo, error) {
	t.Helper()
	u, err := ParsePeerURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return NewDialer(nil).Dial(ctx, u, iface)
}

func dialT(t *testing.T, uri, iface string) (net.Conn, LinkInfo) {
	t.Helper()
	c, info, err := tryDial(t, uri, iface)
	if err != nil {
		t.Fatalf("Dial(%s, %q): %v", uri, iface, err)
	}
	t.Cleanup(func() { c.Close() })
	return c, info
}

// pingPong proves bytes flow both ways.
func pingPong(t *testing.T, a, b net.Conn) {
	t.Helper()
	a.SetDeadline(time.Now().Add(5 * time.Second))
	b.SetDeadline(time.Now().Add(5 * time.Second))
	for _, dir := range []struct {
		from, to net.Conn
		msg      string
	}{{a, b, "ping from dialler"}, {b, a, "pong from listener"}} {
		if _, err := dir.from.Write([]byte(dir.msg)); err != nil {
			t.Fatalf("write: %v", err)
		}
		buf := make([]byte, len(dir.msg))
		if _, err := io.ReadFull(dir.to, buf); err != nil {
			t.Fatalf("read: %v", err)
		}
		if string(buf) != dir.msg {
			t.Fatalf("read %q, want %q", buf, dir.msg)
		}
	}
}

func newTestCert(t *testing.T, seed string) (tls.Certificate, crypto.SigPubKey, time.Time) {
	t.Helper()
	priv := testSigKey(t, seed)
	start := time.Now()
	cert, err := NewCertificate(&priv, start)
	if err != nil {
		t.Fatal(err)
	}
	return cert, priv.Public(), start
}

func TestDialListenLoopback(t *testing.T) {
	cert, pub, start := newTestCert(t, "listener")
	for _, proto := range []string{"tcp", "tls"} {
		for _, host := range []string{"127.0.0.1", "::1"} {
			l := listenT(t, proto+"://"+net.JoinHostPort(host, "0"), &cert)
			if l.Proto() != proto {
				t.Errorf("Proto() = %q", l.Proto())
			}
			target := net.JoinHostPort(host, portOf(l.Addr()))
			c, info := dialT(t, proto+"://"+target, "")
			s, sinfo := acceptT(t, l)
			pingPong(t, c, s)

			want := LinkInfo{Proto: proto, Local: host, Remote: host, Name: proto + "://" + target}
			if info != want {
				t.Errorf("dial info %+v, want %+v", info, want)
			}
			clientAddr := net.JoinHostPort(host, portOf(c.LocalAddr()))
			swant := LinkInfo{Proto: proto, Local: host, Remote: host, Name: proto + "://" + clientAddr, Inbound: true}
			if sinfo != swant {
				t.Errorf("accept info %+v, want %+v", sinfo, swant)
			}

			_, isTLS := c.(*tls.Conn)
			_, sIsTLS := s.(*tls.Conn)
			if isTLS != (proto == "tls") || sIsTLS != (proto == "tls") {
				t.Errorf("%s: client TLS %v, server TLS %v", proto, isTLS, sIsTLS)
			}
			if !isTLS || !sIsTLS {
				continue
			}
			cs := c.(*tls.Conn).ConnectionState()
			if cs.Version != tls.VersionTLS13 || !cs.HandshakeComplete || cs.NegotiatedProtocol != "" {
				t.Errorf("client state: version %x complete %v ALPN %q", cs.Version, cs.HandshakeComplete, cs.NegotiatedProtocol)
			}
			if len(cs.PeerCertificates) != 1 {
				t.Fatalf("%d peer certificates", len(cs.PeerCertificates))
			}
			checkNodeCert(t, cs.PeerCertificates[0], pub, start)
			ss := s.(*tls.Conn).ConnectionState()
			if ss.Version != tls.VersionTLS13 || ss.ServerName != "" || len(ss.PeerCertificates) != 0 {
				t.Errorf("server state: version %x SNI %q client certs %d", ss.Version, ss.ServerName, len(ss.PeerCertificates))
			}
		}
	}
}

// A Go client would send SNI for a host name; ours must not, nor ALPN, and
// it must offer TLS 1.3 only.
func TestDialTLSClientHello(t *testing.T) {
	cert, _, _ := newTestCert(t, "hello")
	hellos := make(chan *tls.ClientHelloInfo, 1)
	cfg := serverTLSConfig(cert)
	cfg.GetConfigForClient = func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		hellos <- h
		return nil, nil
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	if _, err := net.LookupHost("localhost"); err != nil {
		t.Skipf("localhost does not resolve: %v", err)
	}
	_, info := dialT(t, "tls://localhost:"+portOf(ln.Addr()), "")
	h := <-hellos
	if h.ServerName != "" {
		t.Errorf("SNI %q sent", h.ServerName)
	}
	if len(h.SupportedProtos) != 0 {
		t.Errorf("ALPN %q offered", h.SupportedProtos)
	}
	if len(h.SupportedVersions) != 1 || h.SupportedVersions[0] != tls.VersionTLS13 {
		t.Errorf("versions offered %x, want only TLS 1.3", h.SupportedVersions)
	}
	// The link name shows the resolved address, never the host name.
	if info.Name != "tls://127.0.0.1:"+portOf(ln.Addr()) || info.Remote != "127.0.0.1" {
		t.Errorf("info %+v", info)
	}
}

func TestDialRefusesTLS12Server(t *testing.T) {
	cert, _, _ := newTestCert(t, "old")
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	u, _ := ParsePeerURI("tls://" + ln.Addr().String())
	if c, _, err := NewDialer(nil).Dial(context.Background(), u, ""); err == nil {
		c.Close()
		t.Fatal("TLS 1.2 server accepted")
	}
}

func TestListenerTLSServerSide(t *testing.T) {
	cert, _, _ := newTestCert(t, "server")
	l := listenT(t, "tls://127.0.0.1:0", &cert)

	asked := false
	c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{
		InsecureSkipVerify: true,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			asked = true
			return &tls.Certificate{}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, _ := acceptT(t, l)
	pingPong(t, c, s) // completes the TLS 1.3 handshake on both sides
	if asked {
		t.Error("server requested a client certificate")
	}
	if v := c.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Errorf("version %x", v)
	}

	// A client limited to TLS 1.2 is refused.
	old, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12})
	if err == nil {
		old.Close()
		t.Error("TLS 1.2 client accepted")
	}
}

// A client that never finishes its handshake must not hold up others, and
// Close must abort it.
func TestListenerStalledHandshake(t *testing.T) {
	cert, _, _ := newTestCert(t, "stall")
	l, err := Listen("tls://127.0.0.1:0", &cert, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	stalled, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	c, _ := dialT(t, "tls://"+l.Addr().String(), "")
	s, _ := acceptT(t, l)
	pingPong(t, c, s)

	done := make(chan error, 1)
	go func() { done <- l.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung on a stalled handshake")
	}
	stalled.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := stalled.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("stalled connection not closed: %v", err)
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestListenErrors(t *testing.T) {
	cert, _, _ := newTestCert(t, "errors")
	if _, err := Listen("udp://127.0.0.1:0", &cert, nil, nil); err == nil || err.Error() != "listener udp://127.0.0.1:0 is not correctly formatted" {
		t.Errorf("udp: %v", err)
	}
	if _, err := Listen("tls://127.0.0.1:0", nil, nil, nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("tls without certificate: %v", err)
	}
	l := listenT(t, "tcp://127.0.0.1:0", nil)
	if l2, err := Listen("tcp://"+l.Addr().String(), nil, nil, nil); err == nil {
		l2.Close()
		t.Error("second bind to the same port succeeded")
	}
	if l2, err := ListenTCPOn("127.0.0.1:notaport", nil, nil); err == nil {
		l2.Close()
		t.Error("bad address accepted")
	}
}

func TestListenTCPOn(t *testing.T) {
	l, err := ListenTCPOn("[::1]:0", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	c, _ := dialT(t, "tcp://"+l.Addr().String(), "")
	s, sinfo := acceptT(t, l)
	pingPong(t, c, s)
	if sinfo.Proto != "tcp" || sinfo.Remote != "::1" || !sinfo.Inbound {
		t.Errorf("info %+v", sinfo)
	}
}

func TestDialErrors(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := closed.Addr().String()
	closed.Close()
	tests := []struct {
		uri, iface, want string
	}{
		{"tcp://[fe80::1]:1234", "", "link-local destination fe80::1 needs an interface"},
		{"tls://[fe80::1]:1234", "", "link-local destination fe80::1 needs an interface"},
		{"tcp://127.0.0.1:1", "nosuch0", "interface nosuch0"},
		{"socks://127.0.0.1:1/peer:1", "lo", "a SOCKS peer cannot be bound to interface lo"},
		{"tcp://" + refused, "", "connection refused"},
		{"tcp://name.invalid:1", "", "name.invalid"},
	}
	for _, tt := range tests {
		u, err := ParsePeerURI(tt.uri)
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := NewDialer(nil).Dial(context.Background(), u, tt.iface)
		if err == nil {
			c.Close()
			t.Errorf("%s via %q: no error", tt.uri, tt.iface)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s via %q: %v, want %q", tt.uri, tt.iface, err, tt.want)
		}
	}
	_, _, err = NewDialer(nil).Dial(context.Background(), PeerURI{Scheme: "x", Host: "h:1"}, "")
	if err == nil || err.Error() != "unknown call scheme: x" {
		t.Errorf("unknown scheme: %v", err)
	}
}

// rawServer accepts TCP connections on loopback and runs handle on each in
// its own goroutine, until the test ends.
func rawServer(t *testing.T, handle func(net.Conn)) net.Addr {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	return ln.Addr()
}

// silentServer accepts connections and says nothing on them.
func silentServer(t *testing.T) net.Addr {
	ctx := t.Context()
	return rawServer(t, func(c net.Conn) {
		<-ctx.Done()
		c.Close()
	})
}

func TestDialCancelled(t *testing.T) {
	u, _ := ParsePeerURI("tls://" + silentServer(t).String())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	begin := time.Now()
	if c, _, err := NewDialer(nil).Dial(ctx, u, ""); err == nil {
		c.Close()
		t.Fatal("handshake with a silent server succeeded")
	}
	if d := time.Since(begin); d > 3*time.Second {
		t.Errorf("cancel took %v", d)
	}
}

// The TLS handshake has its own timeout; the caller's context only cancels.
func TestDialTLSHandshakeTimeout(t *testing.T) {
	u, _ := ParsePeerURI("tls://" + silentServer(t).String())
	d := &Dialer{TLSHandshakeTimeout: 200 * time.Millisecond}
	c, _, err := d.Dial(t.Context(), u, "")
	if err == nil {
		c.Close()
		t.Fatal("handshake with a silent server succeeded")
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "TLS handshake") {
		t.Errorf("error %v, want a TLS handshake timeout", err)
	}
}

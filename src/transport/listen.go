package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/yggmesh/ygg/src/logging"
)

// AcceptBackoff is the pause after a failed accept (spec 01 §4.3), so a
// persistent error such as fd exhaustion does not spin.
const AcceptBackoff = time.Second

// Listener accepts inbound peer connections on a tcp:// or tls:// address.
//
// One goroutine accepts; each accepted socket gets its own short goroutine
// for the guard and the TLS handshake, and only connections that pass are
// queued for Accept. Close stops all of them.
type Listener struct {
	ln     net.Listener
	proto  string
	tlsCfg *tls.Config // nil for plain TCP
	log    *logging.Logger

	ready  chan accepted
	ctx    context.Context // cancelled by Close; aborts TLS handshakes
	cancel context.CancelFunc
	once   sync.Once
	wg     sync.WaitGroup
}

type accepted struct {
	conn net.Conn
	info LinkInfo
}

// Listen opens a listener for a Listen URI: "tcp://" or "tls://" (exactly,
// case-sensitive) followed by a Go listen address such as "[::]:0" or
// "[fe80::1%eth0]:0". cert is required for tls:// and ignored for tcp://.
// log may be nil.
func Listen(uri string, cert *tls.Certificate, log *logging.Logger) (*Listener, error) {
	proto, addr, err := parseListenURI(uri)
	if err != nil {
		return nil, err
	}
	var cfg *tls.Config
	if proto == SchemeTLS {
		if cert == nil {
			return nil, fmt.Errorf("listener %s: TLS needs a certificate", uri)
		}
		cfg = serverTLSConfig(*cert)
	}
	return listen(proto, addr, cfg, log)
}

// ListenTCPOn opens a plain TCP listener on a Go listen address, as the
// multicast module needs for its per-interface "[fe80::x%eth0]:port"
// listeners. log may be nil.
func ListenTCPOn(addr string, log *logging.Logger) (*Listener, error) {
	return listen(SchemeTCP, addr, nil, log)
}

// parseListenURI splits a Listen URI into its protocol and address.
func parseListenURI(uri string) (proto, addr string, err error) {
	for _, p := range []string{SchemeTCP, SchemeTLS} {
		if rest, ok := strings.CutPrefix(uri, p+"://"); ok {
			return p, rest, nil
		}
	}
	return "", "", fmt.Errorf("listener %s is not correctly formatted", uri)
}

func listen(proto, addr string, cfg *tls.Config, log *logging.Logger) (*Listener, error) {
	if log == nil {
		log = logging.Discard()
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		tuneSocket(c)
		return nil
	}}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &Listener{ln: ln, proto: proto, tlsCfg: cfg, log: log,
		ready: make(chan accepted), ctx: ctx, cancel: cancel}
	l.wg.Add(1)
	go l.acceptLoop()
	return l, nil
}

// Accept waits for the next connection that passed the guard and, for
// tls://, the TLS handshake. After Close it returns net.ErrClosed.
func (l *Listener) Accept() (net.Conn, LinkInfo, error) {
	if l.ctx.Err() != nil {
		return nil, LinkInfo{}, net.ErrClosed
	}
	select {
	case <-l.ctx.Done():
		return nil, LinkInfo{}, net.ErrClosed
	case a := <-l.ready:
		return a.conn, a.info, nil
	}
}

// Addr is the bound address, with the kernel-chosen port filled in.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Proto is SchemeTCP or SchemeTLS.
func (l *Listener) Proto() string { return l.proto }

// Close stops accepting, aborts handshakes in progress, closes connections
// not yet taken by Accept and waits for the listener's goroutines to end.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() {
		l.cancel()
		err = l.ln.Close()
		l.wg.Wait()
	})
	return err
}

func (l *Listener) acceptLoop() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if l.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			l.log.Warnf("Failed to accept connection on %s://%s: %v", l.proto, l.ln.Addr(), err)
			select {
			case <-time.After(AcceptBackoff):
			case <-l.ctx.Done():
				return
			}
			continue
		}
		l.wg.Add(1)
		go l.prepare(c)
	}
}

// prepare turns an accepted socket into a connection for Accept, or closes it.
func (l *Listener) prepare(c net.Conn) {
	defer l.wg.Done()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if err := checkNotOverMesh(c); err != nil {
		l.log.Warnf("%v", err)
		c.Close()
		return
	}
	info := newLinkInfo(l.proto, c, true)
	conn := c
	if l.tlsCfg != nil {
		ctx, cancel := context.WithTimeout(l.ctx, DefaultTLSHandshakeTimeout)
		tc := tls.Server(c, l.tlsCfg)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			l.log.Debugf("TLS handshake with %s failed: %v", c.RemoteAddr(), err)
			c.Close()
			return
		}
		conn = tc
	}
	select {
	case l.ready <- accepted{conn, info}:
	case <-l.ctx.Done():
		conn.Close()
	}
}

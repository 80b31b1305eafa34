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
// One goroutine accepts. Each accepted socket first takes a slot in the
// node's Gate, or is closed at once; only then does it get its own short
// goroutine for the guard and the TLS handshake, and only connections that
// pass are queued for Accept, still holding their slot. Close stops all of
// them.
type Listener struct {
	ln     net.Listener
	proto  string
	tlsCfg *tls.Config // nil for plain TCP
	gate   *Gate
	log    *logging.Logger

	ready  chan Inbound
	ctx    context.Context // cancelled by Close; aborts TLS handshakes
	cancel context.CancelFunc
	once   sync.Once
	wg     sync.WaitGroup
}

// Inbound is an accepted connection, handed over with its slot in the Gate
// still taken: the handshake that follows is part of what the gate bounds.
type Inbound struct {
	Conn net.Conn
	Info LinkInfo
	// Release gives the slot back. The owner calls it once the metadata
	// handshake is done or the connection has failed; it is idempotent and
	// safe from any goroutine. A slot never released is lost for good.
	Release func()
}

// Listen opens a listener for a Listen URI: "tcp://" or "tls://" (exactly,
// case-sensitive) followed by a Go listen address such as "[::]:0" or
// "[fe80::1%eth0]:0". cert is required for tls:// and ignored for tcp://.
// gate is the node's admission gate; nil gives the listener a gate of its
// own with the default caps. log may be nil.
func Listen(uri string, cert *tls.Certificate, gate *Gate, log *logging.Logger) (*Listener, error) {
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
	return listen(proto, addr, cfg, gate, log)
}

// ListenTCPOn opens a plain TCP listener on a Go listen address, as the
// multicast module needs for its per-interface "[fe80::x%eth0]:port"
// listeners. gate and log are as for Listen.
func ListenTCPOn(addr string, gate *Gate, log *logging.Logger) (*Listener, error) {
	return listen(SchemeTCP, addr, nil, gate, log)
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

func listen(proto, addr string, cfg *tls.Config, gate *Gate, log *logging.Logger) (*Listener, error) {
	if log == nil {
		log = logging.Discard()
	}
	if gate == nil {
		gate = NewGate(0, 0, log)
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
	l := &Listener{ln: ln, proto: proto, tlsCfg: cfg, gate: gate, log: log,
		ready: make(chan Inbound), ctx: ctx, cancel: cancel}
	l.wg.Add(1)
	go l.acceptLoop()
	return l, nil
}

// Accept waits for the next connection that passed the guard and, for
// tls://, the TLS handshake. The caller owns the connection and its gate
// slot (see Inbound.Release). After Close it returns net.ErrClosed.
func (l *Listener) Accept() (Inbound, error) {
	if l.ctx.Err() != nil {
		return Inbound{}, net.ErrClosed
	}
	select {
	case <-l.ctx.Done():
		return Inbound{}, net.ErrClosed
	case in := <-l.ready:
		return in, nil
	}
}

// Addr is the bound address, with the kernel-chosen port filled in.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Proto is SchemeTCP or SchemeTLS.
func (l *Listener) Proto() string { return l.proto }

// Close stops accepting, aborts handshakes in progress, closes connections
// not yet taken by Accept and waits for the listener's goroutines to end.
// None of them blocks once the context is cancelled: a TLS handshake closes
// its socket on cancellation, so Close returns promptly.
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
		release, ok := l.gate.admit(c)
		if !ok {
			refuse(c)
			continue
		}
		l.wg.Add(1)
		go l.prepare(c, release)
	}
}

// refuse closes a socket the gate turned away with a reset, so a flood of
// refused connections leaves no TIME_WAIT state behind on our side.
func refuse(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

// prepare turns an accepted socket into a connection for Accept, or closes
// it and releases its gate slot.
func (l *Listener) prepare(c net.Conn, release func()) {
	defer l.wg.Done()
	conn, ok := l.secure(c)
	if !ok {
		c.Close()
		release()
		return
	}
	select {
	case l.ready <- Inbound{Conn: conn, Info: newLinkInfo(l.proto, c, true), Release: release}:
	case <-l.ctx.Done():
		conn.Close()
		release()
	}
}

// secure applies the mesh guard and, for tls://, runs the server handshake,
// returning the stream to hand over. On failure it logs why; the caller
// closes c.
func (l *Listener) secure(c net.Conn) (net.Conn, bool) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if err := checkNotOverMesh(c); err != nil {
		l.log.Warnf("%v", err)
		return nil, false
	}
	if l.tlsCfg == nil {
		return c, true
	}
	ctx, cancel := context.WithTimeout(l.ctx, DefaultTLSHandshakeTimeout)
	defer cancel()
	tc := tls.Server(c, l.tlsCfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		l.log.Debugf("TLS handshake with %s failed: %v", c.RemoteAddr(), err)
		return nil, false
	}
	return tc, true
}

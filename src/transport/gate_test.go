package transport

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// listenGatedT opens a listener on 127.0.0.1 behind gate, closed at the end
// of the test.
func listenGatedT(t *testing.T, proto string, gate *Gate) *Listener {
	t.Helper()
	var cert *tls.Certificate
	if proto == SchemeTLS {
		c, _, _ := newTestCert(t, "gate")
		cert = &c
	}
	l, err := Listen(proto+"://127.0.0.1:0", cert, gate, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// dialFromT opens a TCP connection to addr from the loopback address src
// (any of 127/8 works as a source) and sends nothing on it.
func dialFromT(t *testing.T, src string, addr net.Addr) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr.String())
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// expectRefused connects from src and checks that the listener closes the
// connection at once: the connect or a read ends with a reset or EOF, not
// with the 5 s deadline that an open idle socket would reach.
func expectRefused(t *testing.T, src string, addr net.Addr) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr.String())
	if errors.Is(err, syscall.ECONNRESET) {
		return // the reset came before connect returned
	}
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Read(make([]byte, 1))
	if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("connection from %s not closed by the listener: %v", src, err)
	}
}

// expectInbound accepts the next connection and checks that it is c.
func expectInbound(t *testing.T, l *Listener, c net.Conn) Inbound {
	t.Helper()
	in := acceptInboundT(t, l)
	if in.Conn.RemoteAddr().String() != c.LocalAddr().String() {
		t.Fatalf("accepted %s, want %s", in.Conn.RemoteAddr(), c.LocalAddr())
	}
	return in
}

func checkStats(t *testing.T, g *Gate, want GateStats) {
	t.Helper()
	if got := g.Stats(); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
}

// waitPending waits up to 5 s for the gate to hold n slots, for slots that
// the listener gives back on its own when a handshake fails.
func waitPending(t *testing.T, g *Gate, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); g.Stats().Pending != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("pending %d, want %d", g.Stats().Pending, n)
		}
	}
}

// Idle connections over the per-source cap are closed at accept; another
// source still gets in up to the global cap; a released slot admits again.
func TestGateCapsPendingConnections(t *testing.T) {
	gate := NewGate(3, 2, nil)
	l := listenGatedT(t, SchemeTCP, gate)

	a1 := dialFromT(t, "127.0.0.1", l.Addr())
	a2 := dialFromT(t, "127.0.0.1", l.Addr())
	in1 := expectInbound(t, l, a1)
	expectInbound(t, l, a2)
	expectRefused(t, "127.0.0.1", l.Addr())

	b1 := dialFromT(t, "127.0.0.2", l.Addr())
	expectInbound(t, l, b1)
	expectRefused(t, "127.0.0.3", l.Addr())
	checkStats(t, gate, GateStats{Pending: 3, Admitted: 3, RefusedGlobal: 1, RefusedPerSource: 1})

	in1.Release()
	in1.Release() // idempotent: frees one slot, not two
	checkStats(t, gate, GateStats{Pending: 2, Admitted: 3, RefusedGlobal: 1, RefusedPerSource: 1})
	a3 := dialFromT(t, "127.0.0.1", l.Addr())
	expectInbound(t, l, a3)
	expectRefused(t, "127.0.0.2", l.Addr())
	checkStats(t, gate, GateStats{Pending: 3, Admitted: 4, RefusedGlobal: 2, RefusedPerSource: 1})
}

// A TLS client that connects and says nothing holds its slot during the
// handshake, and gives it back when the handshake fails.
func TestGateCountsPendingTLSHandshakes(t *testing.T) {
	gate := NewGate(2, 1, nil)
	l := listenGatedT(t, SchemeTLS, gate)

	silent := dialFromT(t, "127.0.0.1", l.Addr())
	expectRefused(t, "127.0.0.1", l.Addr())
	checkStats(t, gate, GateStats{Pending: 1, Admitted: 1, RefusedPerSource: 1})

	d := tls.Dialer{
		NetDialer: &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 5 * time.Second},
		Config:    clientTLSConfig(),
	}
	c, err := d.DialContext(t.Context(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	in := expectInbound(t, l, c)
	if _, ok := in.Conn.(*tls.Conn); !ok {
		t.Errorf("accepted %T, want a TLS connection", in.Conn)
	}
	expectRefused(t, "127.0.0.3", l.Addr())
	checkStats(t, gate, GateStats{Pending: 2, Admitted: 2, RefusedGlobal: 1, RefusedPerSource: 1})

	silent.Close() // the handshake fails and the listener frees the slot
	waitPending(t, gate, 1)
	again := dialFromT(t, "127.0.0.1", l.Addr())
	tc := tls.Client(again, clientTLSConfig())
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake after the slot was freed: %v", err)
	}
	expectInbound(t, l, again)
}

// One gate bounds all the listeners sharing it, and closing a listener
// frees the slots of the handshakes it aborts.
func TestGateSharedByListeners(t *testing.T) {
	gate := NewGate(2, 2, nil)
	plain := listenGatedT(t, SchemeTCP, gate)
	secure := listenGatedT(t, SchemeTLS, gate)

	expectInbound(t, plain, dialFromT(t, "127.0.0.1", plain.Addr()))
	dialFromT(t, "127.0.0.2", secure.Addr()) // stalls in the TLS handshake
	waitPending(t, gate, 2)
	expectRefused(t, "127.0.0.3", plain.Addr())

	if err := secure.Close(); err != nil {
		t.Fatal(err)
	}
	checkStats(t, gate, GateStats{Pending: 1, Admitted: 2, RefusedGlobal: 1})
	expectInbound(t, plain, dialFromT(t, "127.0.0.3", plain.Addr()))
}

func TestSourceOf(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"192.0.2.7:1", "192.0.2.7/32"},
		{"[::ffff:192.0.2.7]:1", "192.0.2.7/32"},
		{"[2001:db8:1:2:aaaa::1]:1", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::9]:1", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:1", "fe80::1/128"},
		{"[::1]:1", "::/64"},
	}
	for _, tt := range tests {
		a, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := sourceOf(a); got != netip.MustParsePrefix(tt.want) {
			t.Errorf("sourceOf(%s) = %s, want %s", tt.addr, got, tt.want)
		}
	}
}

// When every slot is held by connections that have waited evictAfter, the
// oldest makes way for a new one: a remote with a few addresses cannot
// keep every slot and lock new peers out. A young slot is not evicted.
func TestGateEvictsOldestWhenFull(t *testing.T) {
	gate := NewGate(2, 1, nil)
	// The gate ages slots by the node's clock, here one the test moves.
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	gate.SetClock(func() time.Time { return time.Unix(0, clock.Load()) })
	l := listenGatedT(t, SchemeTCP, gate)
	a := dialFromT(t, "127.0.0.1", l.Addr())
	inA := expectInbound(t, l, a)
	clock.Add(int64(DefaultEvictAfter + time.Second)) // a's slot is now old enough to go
	b := dialFromT(t, "127.0.0.2", l.Addr())
	expectInbound(t, l, b)

	c := dialFromT(t, "127.0.0.3", l.Addr())
	expectInbound(t, l, c)
	a.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := a.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the oldest connection was not closed: %v", err)
	}
	checkStats(t, gate, GateStats{Pending: 2, Admitted: 3, Evicted: 1})
	inA.Release() // its slot went with the eviction: nothing more is freed
	checkStats(t, gate, GateStats{Pending: 2, Admitted: 3, Evicted: 1})

	// Young slots stay: with b and c younger than evictAfter, a fourth
	// source is refused, not let in.
	gate.mu.Lock()
	gate.evictAfter = time.Hour
	gate.mu.Unlock()
	expectRefused(t, "127.0.0.4", l.Addr())
	checkStats(t, gate, GateStats{Pending: 2, Admitted: 3, Evicted: 1, RefusedGlobal: 1})
}

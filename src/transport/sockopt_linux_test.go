package transport

import (
	"crypto/tls"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// rawOf digs the socket out of a TCP or TLS connection.
func rawOf(t *testing.T, c net.Conn) syscall.RawConn {
	t.Helper()
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

func sockoptString(t *testing.T, c net.Conn, level, opt int) string {
	t.Helper()
	var s string
	var serr error
	if err := rawOf(t, c).Control(func(fd uintptr) { s, serr = unix.GetsockoptString(int(fd), level, opt) }); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatalf("getsockopt: %v", serr)
	}
	return strings.TrimRight(s, "\x00")
}

func sockoptInt(t *testing.T, c net.Conn, level, opt int) int {
	t.Helper()
	var v int
	var serr error
	if err := rawOf(t, c).Control(func(fd uintptr) { v, serr = unix.GetsockoptInt(int(fd), level, opt) }); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatalf("getsockopt: %v", serr)
	}
	return v
}

// bbrUsable reports whether this process may select BBR: it must be
// loaded, and either allowed for everyone or the process must be root.
func bbrUsable() bool {
	avail, _ := os.ReadFile("/proc/sys/net/ipv4/tcp_available_congestion_control")
	allowed, _ := os.ReadFile("/proc/sys/net/ipv4/tcp_allowed_congestion_control")
	if !strings.Contains(string(avail), "bbr") {
		return false
	}
	return os.Geteuid() == 0 || strings.Contains(string(allowed), "bbr")
}

func TestSocketOptions(t *testing.T) {
	cert, _, _ := newTestCert(t, "sockopt")
	for _, proto := range []string{"tcp", "tls"} {
		l := listenT(t, proto+"://127.0.0.1:0", &cert)
		c, _ := dialT(t, proto+"://"+l.Addr().String(), "")
		s, _ := acceptT(t, l)
		for side, conn := range map[string]net.Conn{"dialled": c, "accepted": s} {
			if v := sockoptInt(t, conn, unix.IPPROTO_TCP, unix.TCP_NODELAY); v == 0 {
				t.Errorf("%s %s: TCP_NODELAY off", proto, side)
			}
			if v := sockoptInt(t, conn, unix.SOL_SOCKET, unix.SO_KEEPALIVE); v == 0 {
				t.Errorf("%s %s: keep-alive off", proto, side)
			}
			cc := sockoptString(t, conn, unix.IPPROTO_TCP, unix.TCP_CONGESTION)
			if bbrUsable() && cc != "bbr" {
				t.Errorf("%s %s: congestion control %q, want bbr", proto, side, cc)
			}
		}
	}
}

package transport

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/yggmesh/ygg/src/internal/roottest"
)

// waitLocal waits until ip is usable as a local address. The kernel
// installs the local route of a new IPv6 address from a work queue, even
// with nodad, so a dial straight after "ip addr add" can find no route.
func waitLocal(t *testing.T, ip string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		// Port 1 is closed: "refused" means the address answers locally.
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, "1"), 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("address %s not usable: %v", ip, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func dialErr(t *testing.T, uri, iface string) error {
	t.Helper()
	c, _, err := tryDial(t, uri, iface)
	if err == nil {
		c.Close()
	}
	return err
}

func TestInterfaceBindingNetns(t *testing.T) {
	roottest.EnterNetns(t)
	roottest.IP(t, "addr", "add", "10.200.0.1/32", "dev", "lo")
	roottest.IP(t, "addr", "add", "10.200.0.2/32", "dev", "lo")
	roottest.IP(t, "link", "add", "d0", "type", "veth", "peer", "name", "d1") // left down
	roottest.IP(t, "link", "set", "d0", "addrgenmode", "none")

	l := listenT(t, "tcp://0.0.0.0:0", nil)
	port := portOf(l.Addr())

	// 127.0.0.1 on lo is skipped (not global unicast), 10.200.0.2 is the
	// destination itself, so 10.200.0.1 is the source.
	c, info := dialT(t, "tcp://10.200.0.2:"+port, "lo")
	s, sinfo := acceptT(t, l)
	pingPong(t, c, s)
	want := LinkInfo{Proto: "tcp", Local: "10.200.0.1", Remote: "10.200.0.2", Name: "tcp://10.200.0.2:" + port}
	if info != want {
		t.Errorf("dial info %+v, want %+v", info, want)
	}
	if sinfo.Remote != "10.200.0.1" || sinfo.Local != "10.200.0.2" {
		t.Errorf("accept info %+v", sinfo)
	}
	if dev := sockoptString(t, c, unix.SOL_SOCKET, unix.SO_BINDTODEVICE); dev != "lo" {
		t.Errorf("SO_BINDTODEVICE = %q, want lo", dev)
	}

	// A loopback destination has neither class of §4.2, so no source fits.
	if err := dialErr(t, "tcp://127.0.0.1:"+port, "lo"); err == nil || !strings.Contains(err.Error(), "no usable source address") {
		t.Errorf("loopback destination bound to lo: %v", err)
	}
	if err := dialErr(t, "tcp://10.200.0.2:"+port, "nosuch0"); err == nil || !strings.Contains(err.Error(), "interface nosuch0") {
		t.Errorf("unknown interface: %v", err)
	}
	if err := dialErr(t, "tcp://10.200.0.2:"+port, "d0"); err == nil || !strings.Contains(err.Error(), "interface d0 is down") {
		t.Errorf("down interface: %v", err)
	}
	roottest.IP(t, "link", "set", "d0", "up")
	if err := dialErr(t, "tcp://10.200.0.2:"+port, "d0"); err == nil || !strings.Contains(err.Error(), "no usable source address") {
		t.Errorf("interface without addresses: %v", err)
	}
}

// Two ends of a veth pair in one namespace talk over IPv6 link-local
// addresses; the dial gets its zone from the interface.
func TestLinkLocalDialNetns(t *testing.T) {
	roottest.EnterNetns(t)
	roottest.IP(t, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	for _, dev := range []string{"va", "vb"} {
		roottest.IP(t, "link", "set", dev, "addrgenmode", "none")
	}
	roottest.IP(t, "addr", "add", "fd00::a/64", "dev", "va", "nodad")
	roottest.IP(t, "addr", "add", "fe80::a/64", "dev", "va", "nodad")
	roottest.IP(t, "addr", "add", "fe80::b/64", "dev", "vb", "nodad")
	roottest.IP(t, "link", "set", "va", "up")
	roottest.IP(t, "link", "set", "vb", "up")
	waitLocal(t, "fe80::b%vb")

	l, err := ListenTCPOn("[fe80::b%vb]:0", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	port := portOf(l.Addr())

	if err := dialErr(t, "tcp://[fe80::b]:"+port, ""); err == nil || !strings.Contains(err.Error(), "needs an interface") {
		t.Errorf("link-local without interface: %v", err)
	}
	c, info := dialT(t, "tcp://[fe80::b]:"+port, "va")
	s, sinfo := acceptT(t, l)
	pingPong(t, c, s)
	want := LinkInfo{Proto: "tcp", Local: "fe80::a%va", Remote: "fe80::b%va",
		Name: "tcp://[fe80::b%va]:" + port, LinkLocal: true}
	if info != want {
		t.Errorf("dial info %+v, want %+v", info, want)
	}
	swant := LinkInfo{Proto: "tcp", Local: "fe80::b%vb", Remote: "fe80::a%vb",
		Name: "tcp://[fe80::a%vb]:" + portOf(c.LocalAddr()), Inbound: true, LinkLocal: true}
	if sinfo != swant {
		t.Errorf("accept info %+v, want %+v", sinfo, swant)
	}
	if dev := sockoptString(t, c, unix.SOL_SOCKET, unix.SO_BINDTODEVICE); dev != "va" {
		t.Errorf("SO_BINDTODEVICE = %q, want va", dev)
	}
	// The interface decides the zone, whatever zone the URI carried.
	c2, info2 := dialT(t, "tcp://[fe80::b%25vb]:"+port, "va")
	s2, _ := acceptT(t, l)
	pingPong(t, c2, s2)
	if info2.Remote != "fe80::b%va" || info2.Local != "fe80::a%va" {
		t.Errorf("zone from URI kept: %+v", info2)
	}
	// Own address only: a beacon from ourselves finds no source (spec 03 §4).
	if err := dialErr(t, "tcp://[fe80::b]:"+port, "vb"); err == nil || !strings.Contains(err.Error(), "no usable source address") {
		t.Errorf("dial to own link-local address: %v", err)
	}
}

// Connections whose local address is in 200::/7 are refused both ways.
func TestMeshGuardNetns(t *testing.T) {
	roottest.EnterNetns(t)
	// What a TUN adapter would hold: an address and a subnet address.
	roottest.IP(t, "addr", "add", "200::1/128", "dev", "lo", "nodad")
	roottest.IP(t, "addr", "add", "300::1/128", "dev", "lo", "nodad")
	waitLocal(t, "200::1")
	waitLocal(t, "300::1")

	cert, _, _ := newTestCert(t, "guard")
	for _, proto := range []string{"tcp", "tls"} {
		l := listenT(t, proto+"://[::]:0", &cert)
		port := portOf(l.Addr())
		for _, dst := range []string{"200::1", "300::1"} {
			target := "[" + dst + "]:" + port
			if err := dialErr(t, proto+"://"+target, ""); err == nil || !strings.Contains(err.Error(), "inside 200::/7") {
				t.Errorf("%s dial to %s: %v", proto, dst, err)
			}
			// The listening side closes such a connection without a word.
			raw, err := net.Dial("tcp", target)
			if err != nil {
				t.Fatal(err)
			}
			raw.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, err := raw.Read(make([]byte, 1))
			raw.Close()
			if n != 0 || err == nil || os.IsTimeout(err) {
				t.Errorf("%s listener kept a connection to %s: n=%d err=%v", proto, dst, n, err)
			}
		}
		// The refused connections never reach Accept; a good one does.
		c, _ := dialT(t, proto+"://[::1]:"+port, "")
		s, sinfo := acceptT(t, l)
		pingPong(t, c, s)
		if sinfo.Local != "::1" {
			t.Errorf("%s: accepted %+v, want the ::1 connection", proto, sinfo)
		}
	}
	// An address just outside the range is fine.
	roottest.IP(t, "addr", "add", "400::1/128", "dev", "lo", "nodad")
	waitLocal(t, "400::1")
	l := listenT(t, "tcp://[::]:0", nil)
	c, _ := dialT(t, "tcp://[400::1]:"+portOf(l.Addr()), "")
	s, _ := acceptT(t, l)
	pingPong(t, c, s)
}

// With reno as the namespace default, BBR on our sockets can only come from
// the option we set.
func TestCongestionControlNetns(t *testing.T) {
	roottest.EnterNetns(t)
	if !bbrUsable() {
		roottest.SkipOrFail(t, "bbr congestion control is not available")
	}
	if out, err := exec.Command("sysctl", "-w", "net.ipv4.tcp_congestion_control=reno").CombinedOutput(); err != nil {
		roottest.SkipOrFail(t, "cannot set the namespace default: %v: %s", err, bytes.TrimSpace(out))
	}
	cert, _, _ := newTestCert(t, "bbr")
	for _, proto := range []string{"tcp", "tls"} {
		l := listenT(t, proto+"://127.0.0.1:0", &cert)
		c, _ := dialT(t, proto+"://"+l.Addr().String(), "")
		s, _ := acceptT(t, l)
		plain, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if cc := sockoptString(t, plain, unix.IPPROTO_TCP, unix.TCP_CONGESTION); cc != "reno" {
			t.Fatalf("namespace default is %q, not reno", cc)
		}
		plain.Close()
		for side, conn := range map[string]net.Conn{"dialled": c, "accepted": s} {
			if cc := sockoptString(t, conn, unix.IPPROTO_TCP, unix.TCP_CONGESTION); cc != "bbr" {
				t.Errorf("%s %s: congestion control %q, want bbr", proto, side, cc)
			}
		}
	}
}

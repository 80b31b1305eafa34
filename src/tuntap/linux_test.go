//go:build linux

package tuntap

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/logging"

	"github.com/yggmesh/ygg/src/internal/roottest"
	"github.com/yggmesh/ygg/src/logging/logbuf"
)

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// pingBG starts ping in the namespace and returns a function that waits for
// it and returns its output. Ping's exit status is not interesting: the
// tests look at what it printed.
func pingBG(t *testing.T, args ...string) func() string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command("ping", append([]string{"-6", "-n"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return func() string {
		_ = cmd.Wait()
		return out.String()
	}
}

// pingForDial pings dst until the adapter dials for it; right after the
// address is added the kernel may not have installed the connected route.
// It returns the dial and the wait function of the ping that caused it.
func pingForDial(t *testing.T, c *fakeCore, args ...string) (dialRecord, func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		wait := pingBG(t, args...)
		select {
		case d := <-c.dials:
			return d, wait
		case <-time.After(2 * time.Second):
		}
		out := wait()
		if time.Now().After(deadline) {
			t.Fatalf("no dial for ping %s; ping said: %s", strings.Join(args, " "), out)
		}
	}
}

func TestRealTUN(t *testing.T) {
	roottest.EnterNetns(t)
	roottest.NeedTUN(t, "ping")
	c := newFakeCore()
	var logBuf logbuf.Buffer
	a, err := Start(c, Options{IfName: "yggtest0", IfMTU: 1000, Logger: logging.New(&logBuf, logging.LevelInfo)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Stop)
	log := logBuf.String()
	for _, line := range []string{
		"Warning: Interface MTU 1000 automatically adjusted to 1280 (supported range is 1280-65535)\n",
		"Interface name: yggtest0\n",
		"Interface IPv6: " + c.addr.String() + "/7\n",
		"Interface MTU: 1280\n",
	} {
		if !strings.Contains(log, line) {
			t.Errorf("log lacks %q:\n%s", line, log)
		}
	}
	if a.Name() != "yggtest0" || a.MTU() != 1280 || c.maxMTU != 1280 {
		t.Errorf("name %q MTU %d session MTU %d", a.Name(), a.MTU(), c.maxMTU)
	}

	link := run(t, "ip", "link", "show", "yggtest0")
	if !strings.Contains(link, "mtu 1280") || !strings.Contains(link, ",UP") {
		t.Errorf("link not up with MTU 1280:\n%s", link)
	}
	addrs := run(t, "ip", "-6", "addr", "show", "dev", "yggtest0")
	if !strings.Contains(addrs, "inet6 "+c.addr.String()+"/7 scope global") {
		t.Errorf("address /7 missing:\n%s", addrs)
	}
	if routes := run(t, "ip", "-6", "route"); !strings.Contains(routes, "200::/7 dev yggtest0") {
		t.Errorf("connected route missing:\n%s", routes)
	}

	// The kernel routes a ping to an unknown node into the TUN; the reader
	// reads it and the adapter dials the node the address names.
	dst := address.Address(ip16("202::1"))
	wantID, wantMask := dst.NodeIDAndMask()
	d, wait := pingForDial(t, c, "-c", "1", "-W", "1", dst.String())
	if d.target != wantID || d.mask != wantMask {
		t.Error("ping read from the TUN dialled the wrong target")
	}
	d.cb(nil, os.ErrDeadlineExceeded)
	wait()

	// A non-Yggdrasil destination routed into the TUN gets Destination
	// Unreachable, which the kernel checks and hands to ping.
	run(t, "ip", "-6", "route", "add", "fd99::/16", "dev", "yggtest0")
	out := pingBG(t, "-c", "1", "-W", "2", "fd99::1")()
	if !strings.Contains(out, "From fd99::1 icmp_seq=1 Destination unreachable: No route") {
		t.Errorf("ping to fd99::1 did not report Destination Unreachable:\n%s", out)
	}

	// A packet over the session MTU gets Packet Too Big from the remote's
	// address, with the session MTU.
	key, raddr, _ := newRemote()
	d, wait = pingForDial(t, c, "-c", "1", "-W", "3", "-s", "1200", raddr.String())
	d.cb(sessionTo(c, key, 1100), nil)
	if out := wait(); !strings.Contains(out, "From "+raddr.String()+" icmp_seq=1 Packet too big: mtu=1100") {
		t.Errorf("ping did not report Packet Too Big:\n%s", out)
	}

	a.Stop()
	if out, err := exec.Command("ip", "link", "show", "yggtest0").CombinedOutput(); err == nil {
		t.Errorf("interface survived Stop:\n%s", out)
	}
}

func TestRealTUNNames(t *testing.T) {
	roottest.EnterNetns(t)
	roottest.NeedTUN(t, "ping")
	c := newFakeCore()
	a, err := Start(c, Options{IfName: "auto", IfMTU: 65535})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Stop)
	if a.Name() != "tun0" {
		t.Errorf("auto gave %q, want the kernel's tun0", a.Name())
	}
	if link := run(t, "ip", "link", "show", "tun0"); !strings.Contains(link, "mtu 65535") {
		t.Errorf("tun0:\n%s", link)
	}
	a.Stop()

	for _, tc := range []struct{ name, err string }{
		{"sixteen-bytes-xx", `interface name "sixteen-bytes-xx" is too long: at most 15 bytes`},
		{"bad/name", `creating TUN device "bad/name": invalid argument`},
	} {
		_, err := Start(c, Options{IfName: tc.name, IfMTU: 1500})
		if err == nil || err.Error() != tc.err {
			t.Errorf("IfName %q: error %v, want %q", tc.name, err, tc.err)
		}
	}
	if links := run(t, "ip", "-o", "link"); strings.Count(links, "\n") != 1 {
		t.Errorf("failed starts left interfaces behind:\n%s", links)
	}
}

package multicast

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/yggmesh/ygg/src/logging"

	"github.com/yggmesh/ygg/src/internal/roottest"
	"github.com/yggmesh/ygg/src/logging/logbuf"
)

var netnsSeq atomic.Int32

// newNetns makes a named network namespace with lo up, deleted (with every
// interface in it) when the test ends, pass or fail.
func newNetns(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		roottest.SkipOrFail(t, "needs root to create network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		roottest.SkipOrFail(t, "needs the ip command: %v", err)
	}
	name := fmt.Sprintf("yggmc%d-%d", os.Getpid(), netnsSeq.Add(1))
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		roottest.SkipOrFail(t, "cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
	roottest.IP(t, "-n", name, "link", "set", "lo", "up")
	return name
}

// inNetns runs f on a thread switched into the namespace: sockets and
// netlink queries made by f belong to it. The thread is switched back
// afterwards, or, if that fails, left locked so it dies with its goroutine.
func inNetns(name string, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		ns, err := os.Open("/run/netns/" + name)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer ns.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		err = f()
		if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// netnsOptions makes a module see the namespace's interfaces and open its
// socket there, whatever thread its actors run on.
func netnsOptions(ns string, port uint16, log *logging.Logger) Options {
	return Options{
		ListenPort: port,
		Logger:     log,
		ListInterfaces: func() (list []Interface, err error) {
			if e := inNetns(ns, func() error { list, err = SystemInterfaces(); return nil }); e != nil {
				return nil, e
			}
			return list, err
		},
		OpenSocket: func() (s Socket, err error) {
			if e := inNetns(ns, func() error { s, err = ListenUDP(); return nil }); e != nil {
				return nil, e
			}
			return s, err
		},
	}
}

func waitFor(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *fakeCore) calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, l := range c.log {
		if strings.HasPrefix(l, "call ") {
			out = append(out, l)
		}
	}
	return out
}

// Two modules on the two ends of a veth pair, with real sockets and the
// kernel's interface list, find each other's listeners; the beacon on the
// wire is exactly "[fe80::a]:1111" from fe80::a to ff02::114.
func TestDiscoveryNetns(t *testing.T) {
	ns := newNetns(t)
	roottest.IP(t, "-n", ns, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	for _, dev := range []struct{ name, addr string }{{"va", "fe80::a/64"}, {"vb", "fe80::b/64"}} {
		roottest.IP(t, "-n", ns, "link", "set", dev.name, "addrgenmode", "none")
		roottest.IP(t, "-n", ns, "addr", "add", dev.addr, "dev", dev.name, "nodad")
		roottest.IP(t, "-n", ns, "link", "set", dev.name, "up")
	}
	// A tap on vb that sees what arrives there.
	var tap Socket
	var vbIndex int
	if err := inNetns(ns, func() error {
		list, err := SystemInterfaces()
		if err != nil {
			return err
		}
		for _, it := range list {
			if it.Name == "vb" {
				vbIndex = it.Index
			}
		}
		if tap, err = ListenUDP(); err != nil {
			return err
		}
		return tap.JoinGroup(vbIndex)
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tap.Close() })

	coreA, coreB := newFakeCore(), newFakeCore()
	logA, logB := &logbuf.Buffer{}, &logbuf.Buffer{}
	a := New(coreA, netnsOptions(ns, 1111, logging.New(logA, logging.LevelDebug)))
	b := New(coreB, netnsOptions(ns, 2222, logging.New(logB, logging.LevelDebug)))
	t.Cleanup(a.Stop)
	t.Cleanup(b.Stop)
	if err := a.Start([]string{"^va$"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Start([]string{"^vb$"}); err != nil {
		t.Fatal(err)
	}

	ts := tap.(*udpSocket)
	buf := make([]byte, MaxDatagram+1)
	_ = ts.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		n, src, dst, ifIndex, err := tap.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no beacon from va seen on vb: %v", err)
		}
		// A group member gets the group's datagrams from every interface
		// with a membership: here also A's beacons looped back on va and
		// B's own. Only the interface index tells them apart.
		if src != netip.MustParseAddr("fe80::a") || ifIndex != vbIndex {
			continue
		}
		if string(buf[:n]) != "[fe80::a]:1111" || dst != groupAddr {
			t.Fatalf("beacon %q to %v", buf[:n], dst)
		}
		break
	}

	// Beacons keep coming every second and each is a call, never one to
	// ourselves.
	waitFor(t, "two calls each way", 5*time.Second, func() bool {
		return len(coreA.calls()) >= 2 && len(coreB.calls()) >= 2
	})
	for _, c := range []struct {
		core *fakeCore
		want string
	}{{coreA, "call tcp://[fe80::b]:2222 va"}, {coreB, "call tcp://[fe80::a]:1111 vb"}} {
		if calls := c.core.calls(); slices.ContainsFunc(calls, func(s string) bool { return s != c.want }) {
			t.Errorf("calls %q, want only %q", calls, c.want)
		}
	}
	eq(t, "A interfaces", a.Interfaces(), []string{"va"})
	eq(t, "B interfaces", b.Interfaces(), []string{"vb"})
	eq(t, "A listeners", coreA.openURIs(), []string{"tcp://[fe80::a%va]:1111"})
	eq(t, "B listeners", coreB.openURIs(), []string{"tcp://[fe80::b%vb]:2222"})

	// Taking vb down ends B's listener and leaves A's calls unanswered.
	roottest.IP(t, "-n", ns, "link", "set", "vb", "down")
	waitFor(t, "B to drop vb", 5*time.Second, func() bool { return b.Interfaces() == nil })
	b.settle() // the close is on its way to the core
	eq(t, "B listeners after vb down", coreB.openURIs(), nil)
	a.Stop()
	eq(t, "A listeners after Stop", coreA.openURIs(), nil)
	if !strings.Contains(logA.String(), "Started multicasting on va") {
		t.Errorf("A log:\n%s", logA)
	}
}

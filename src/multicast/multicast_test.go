package multicast

import (
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func eq(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestStartAnnouncesEverySecond(t *testing.T) {
	h := newHarness(t, 0)
	h.ifaces.set(
		iface("lo", 1, net.FlagUp|net.FlagLoopback, "::1"),
		iface("eth0", 2, upMulti, "10.0.0.2", "2001:db8::2", "fe80::2", "fe80::22"),
		iface("tun0", 3, upMulti|net.FlagPointToPoint, "fe80::3"),
		iface("eth1", 4, upMulti, "2001:db8::4"), // kept, but nothing to announce
	)
	h.start(".*")
	if h.logs.Count("Starting multicast module") != 1 {
		t.Errorf("log: %s", h.logs)
	}
	eq(t, "core", h.core.take(), []string{"listen tcp://[fe80::2%eth0]:0"})
	if j := h.sock().takeJoins(); !slices.Equal(j, []int{2}) {
		t.Errorf("joins %v", j)
	}
	eq(t, "beacons", h.sock().takeSent(), []string{"2 [fe80::2]:40001"})
	eq(t, "interfaces", h.m.Interfaces(), []string{"eth0", "eth1"})

	for range 3 {
		h.advance(999 * time.Millisecond)
		eq(t, "beacons before a second passed", h.sock().takeSent(), nil)
		h.advance(time.Millisecond)
		eq(t, "beacons", h.sock().takeSent(), []string{"2 [fe80::2]:40001"})
	}
	eq(t, "core after three cycles", h.core.take(), nil)
	if j := h.sock().takeJoins(); len(j) != 0 {
		t.Errorf("joined again: %v", j)
	}
	if err := h.m.Start([]string{".*"}); err == nil {
		t.Error("second Start succeeded")
	}
}

func TestListenPortFixed(t *testing.T) {
	h := newHarness(t, 7777)
	h.ifaces.set(iface("eth0", 2, upMulti, "fe80::2"))
	h.start("eth0")
	eq(t, "core", h.core.take(), []string{"listen tcp://[fe80::2%eth0]:7777"})
	eq(t, "beacons", h.sock().takeSent(), []string{"2 [fe80::2]:7777"})
}

func TestListenerLifecycle(t *testing.T) {
	h := newHarness(t, 0)
	eth0 := iface("eth0", 2, upMulti, "fe80::2")
	wlan0 := iface("wlan0", 3, upMulti, "fe80::3")
	h.ifaces.set(eth0, wlan0)
	h.start("eth0", "wlan0")
	h.core.take()
	h.sock().takeSent()

	// A new link-local address listed first changes nothing while the
	// listener's own address is still on the interface (spec 03 §4 step 2).
	h.ifaces.set(iface("eth0", 2, upMulti, "fe80::9", "fe80::2"), wlan0)
	h.advance(time.Second)
	eq(t, "address added", h.core.take(), nil)
	sent := h.sock().takeSent()
	slices.Sort(sent)
	eq(t, "beacons after address added", sent, []string{"2 [fe80::2]:40001", "3 [fe80::3]:40002"})

	// The listener's address goes: the old listener goes, a new one comes
	// on the first address left, and the beacon follows it at once.
	h.ifaces.set(iface("eth0", 2, upMulti, "fe80::9"), wlan0)
	h.advance(time.Second)
	eq(t, "address change", h.core.take(), []string{"close tcp://[fe80::2%eth0]:0", "listen tcp://[fe80::9%eth0]:0"})
	sent = h.sock().takeSent()
	slices.Sort(sent)
	eq(t, "beacons after address change", sent, []string{"2 [fe80::9]:40003", "3 [fe80::3]:40002"})

	// wlan0 goes down: its listener closes, it leaves the live set, and
	// nothing more is sent on it.
	h.ifaces.set(iface("eth0", 2, upMulti, "fe80::9"), iface("wlan0", 3, net.FlagMulticast, "fe80::3"))
	h.advance(time.Second)
	eq(t, "wlan0 down", h.core.take(), []string{"close tcp://[fe80::3%wlan0]:0"})
	eq(t, "beacons with wlan0 down", h.sock().takeSent(), []string{"2 [fe80::9]:40003"})
	eq(t, "interfaces", h.m.Interfaces(), []string{"eth0"})

	// eth0 disappears altogether; wlan0 comes back.
	h.ifaces.set(wlan0)
	h.advance(time.Second)
	eq(t, "eth0 gone, wlan0 back", h.core.take(), []string{"close tcp://[fe80::9%eth0]:0", "listen tcp://[fe80::3%wlan0]:0"})
	eq(t, "beacons", h.sock().takeSent(), []string{"3 [fe80::3]:40004"})
	eq(t, "open listeners", h.core.openURIs(), []string{"tcp://[fe80::3%wlan0]:0"})

	// wlan0 is replaced by a new interface of the same name: a new
	// listener and a new group membership.
	h.sock().takeJoins()
	h.ifaces.set(iface("wlan0", 7, upMulti, "fe80::3"))
	h.advance(time.Second)
	eq(t, "wlan0 replaced", h.core.take(), []string{"close tcp://[fe80::3%wlan0]:0", "listen tcp://[fe80::3%wlan0]:0"})
	if j := h.sock().takeJoins(); !slices.Equal(j, []int{7}) {
		t.Errorf("joins %v", j)
	}
	eq(t, "beacons", h.sock().takeSent(), []string{"7 [fe80::3]:40005"})

	// Losing the last link-local address stops the listener; the
	// interface itself is still kept.
	h.ifaces.set(iface("wlan0", 7, upMulti, "2001:db8::3"))
	h.advance(time.Second)
	eq(t, "address lost", h.core.take(), []string{"close tcp://[fe80::3%wlan0]:0"})
	eq(t, "beacons", h.sock().takeSent(), nil)
	eq(t, "interfaces", h.m.Interfaces(), []string{"wlan0"})
}

func TestListenFailure(t *testing.T) {
	h := newHarness(t, 0)
	h.ifaces.set(iface("eth0", 2, upMulti, "fe80::2"))
	uri := "tcp://[fe80::2%eth0]:0"
	h.core.setFail(uri, errBusy)
	h.start(".*")
	for range 3 {
		h.advance(time.Second)
	}
	eq(t, "core", h.core.take(), []string{"listen " + uri, "listen " + uri, "listen " + uri, "listen " + uri})
	eq(t, "beacons", h.sock().takeSent(), nil)
	if n := h.logs.Count("Not multicasting on eth0 due to error: address already in use"); n != 1 {
		t.Errorf("warning logged %d times:\n%s", n, h.logs)
	}
	h.core.setFail(uri, nil)
	h.advance(time.Second)
	eq(t, "core", h.core.take(), []string{"listen " + uri})
	eq(t, "beacons", h.sock().takeSent(), []string{"2 [fe80::2]:40001"})
	if h.logs.Count("Started multicasting on eth0") != 1 {
		t.Errorf("log:\n%s", h.logs)
	}
}

func TestReceive(t *testing.T) {
	h := newHarness(t, 0)
	h.ifaces.set(
		iface("eth0", 2, upMulti, "fe80::2"),
		iface("eth1", 3, upMulti, "fe80::3", "fe80::33"),
		iface("eth2", 4, upMulti, "2001:db8::4"), // kept, but no link-local address to call from
		iface("other", 5, upMulti, "fe80::5"),    // not matched
	)
	h.start("^eth")
	h.core.take()
	group := netip.MustParseAddr("ff02::114")
	peer := netip.MustParseAddr("fe80::5bca:32c0:f47f:9b17")
	good := datagram{payload: []byte("[fe80::5bca:32c0:f47f:9b17]:40123"), src: peer, dst: group, ifIndex: 2}
	for _, tc := range []struct {
		name string
		edit func(d *datagram)
		want []string
	}{
		{"good", func(*datagram) {}, []string{"call tcp://[fe80::5bca:32c0:f47f:9b17]:40123 eth0"}},
		{"destination unknown", func(d *datagram) { d.dst = netip.Addr{} }, []string{"call tcp://[fe80::5bca:32c0:f47f:9b17]:40123 eth0"}},
		{"source with zone", func(d *datagram) { d.src = peer.WithZone("eth0") }, []string{"call tcp://[fe80::5bca:32c0:f47f:9b17]:40123 eth0"}},
		{"other kept interface", func(d *datagram) { d.ifIndex = 3 }, []string{"call tcp://[fe80::5bca:32c0:f47f:9b17]:40123 eth1"}},
		{"source differs", func(d *datagram) { d.src = netip.MustParseAddr("fe80::6") }, nil},
		{"unicast destination", func(d *datagram) { d.dst = netip.MustParseAddr("fe80::2") }, nil},
		{"other group", func(d *datagram) { d.dst = netip.MustParseAddr("ff02::1") }, nil},
		{"unmatched interface", func(d *datagram) { d.ifIndex = 5 }, nil},
		{"unknown interface", func(d *datagram) { d.ifIndex = 0 }, nil},
		{"no link-local address here", func(d *datagram) { d.ifIndex = 4 }, nil},
		{"own beacon", func(d *datagram) {
			d.payload, d.src = []byte("[fe80::2]:40001"), netip.MustParseAddr("fe80::2")
		}, nil},
		{"own beacon on the other interface", func(d *datagram) {
			d.payload, d.src, d.ifIndex = []byte("[fe80::2]:40001"), netip.MustParseAddr("fe80::2"), 3
		}, nil},
		{"from our address that is not announced", func(d *datagram) {
			d.payload, d.src, d.ifIndex = []byte("[fe80::33]:40001"), netip.MustParseAddr("fe80::33"), 3
		}, nil},
		{"with terminator", func(d *datagram) { d.payload = append(d.payload, '\n') }, nil},
		{"garbage", func(d *datagram) { d.payload = []byte{0xff, 0, '['} }, nil},
		{"too long", func(d *datagram) {
			d.payload = append(d.payload, make([]byte, MaxDatagram)...)
		}, nil},
	} {
		d := good
		d.payload = slices.Clone(good.payload)
		tc.edit(&d)
		h.sock().deliver(t, d)
		h.m.settle()
		eq(t, tc.name, h.core.take(), tc.want)
	}
}

func TestSetInterfaces(t *testing.T) {
	h := newHarness(t, 0)
	h.ifaces.set(iface("eth0", 2, upMulti, "fe80::2"), iface("wlan0", 3, upMulti, "fe80::3"))

	// Starting with nothing to do leaves it stopped.
	if err := h.m.Start(nil); err != nil {
		t.Fatal(err)
	}
	if len(h.socks) != 0 || h.m.Interfaces() != nil || h.clock.Pending() != 0 {
		t.Fatal("started with no regexes")
	}
	if err := h.m.Start([]string{"eth", "("}); err == nil || !strings.Contains(err.Error(), `"("`) {
		t.Fatalf("invalid regex: %v", err)
	}
	if len(h.socks) != 0 {
		t.Fatal("socket opened despite the invalid regex")
	}

	// A non-empty list starts it.
	if err := h.m.SetInterfaces([]string{"eth0"}); err != nil {
		t.Fatal(err)
	}
	eq(t, "started", h.core.take(), []string{"listen tcp://[fe80::2%eth0]:0"})
	eq(t, "interfaces", h.m.Interfaces(), []string{"eth0"})

	// A change applies at once, without a second socket.
	if err := h.m.SetInterfaces([]string{"wlan"}); err != nil {
		t.Fatal(err)
	}
	eq(t, "changed", h.core.take(), []string{"close tcp://[fe80::2%eth0]:0", "listen tcp://[fe80::3%wlan0]:0"})
	eq(t, "interfaces", h.m.Interfaces(), []string{"wlan0"})
	if len(h.socks) != 1 {
		t.Fatalf("%d sockets", len(h.socks))
	}
	// Still one beacon per second, not two timer chains.
	h.sock().takeSent()
	h.advance(time.Second)
	eq(t, "beacons", h.sock().takeSent(), []string{"3 [fe80::3]:40002"})

	// An invalid list changes nothing.
	if err := h.m.SetInterfaces([]string{"[z-a]"}); err == nil {
		t.Fatal("invalid regex accepted")
	}
	eq(t, "interfaces", h.m.Interfaces(), []string{"wlan0"})

	// An empty list stops it.
	if err := h.m.SetInterfaces(nil); err != nil {
		t.Fatal(err)
	}
	eq(t, "stopped", h.core.take(), []string{"close tcp://[fe80::3%wlan0]:0"})
	if !h.sock().isClosed() || h.m.Interfaces() != nil || h.clock.Pending() != 0 {
		t.Fatal("not stopped")
	}
	h.advance(5 * time.Second)
	eq(t, "after stop", h.core.take(), nil)

	// And it starts again on a new socket.
	if err := h.m.SetInterfaces([]string{".*"}); err != nil {
		t.Fatal(err)
	}
	if len(h.socks) != 2 || h.socks[1].isClosed() {
		t.Fatal("no new socket")
	}
	eq(t, "interfaces", h.m.Interfaces(), []string{"eth0", "wlan0"})
	if n := h.logs.Count("Starting multicast module"); n != 2 {
		t.Errorf("started %d times", n)
	}
}

func TestStop(t *testing.T) {
	h := newHarness(t, 0)
	h.ifaces.set(iface("eth0", 2, upMulti, "fe80::2"))
	h.start(".*")
	old := h.sock()
	h.m.Stop()
	if !old.isClosed() || h.clock.Pending() != 0 || h.m.Interfaces() != nil {
		t.Fatal("still running")
	}
	eq(t, "open listeners", h.core.openURIs(), nil)
	old.takeSent()
	h.advance(3 * time.Second)
	eq(t, "beacons after stop", old.takeSent(), nil)
	h.m.Stop() // twice is fine
	if h.logs.Count("Stopping multicast module") != 1 {
		t.Errorf("log:\n%s", h.logs)
	}
}

// A listener the core opens after the module stopped is closed again.
func TestStopWhileListening(t *testing.T) {
	h := newHarness(t, 0)
	h.ifaces.set(iface("eth0", 2, upMulti, "fe80::2"))
	res, err := compileRegexes([]string{".*"})
	if err != nil {
		t.Fatal(err)
	}
	// Hold the core's answer so the listen is still in flight when the stop
	// runs; the answer then finds the listener unwanted and closes it.
	release := make(chan struct{})
	h.core.holdListens(release)
	h.m.Act(nil, func() {
		if err := h.m._set(res); err != nil {
			t.Error(err)
		}
	})
	h.m.Act(nil, h.m._stop)
	close(release)
	h.m.settle()
	eq(t, "core", h.core.take(), []string{"listen tcp://[fe80::2%eth0]:0", "close tcp://[fe80::2%eth0]:0"})
	eq(t, "open listeners", h.core.openURIs(), nil)
	eq(t, "beacons", h.sock().takeSent(), nil)
	if !h.sock().isClosed() {
		t.Error("socket open")
	}
}

func TestSocketOpenError(t *testing.T) {
	h := newHarness(t, 0)
	h.openErr = errors.New("bind: permission denied")
	err := h.m.Start([]string{".*"})
	if err == nil || !strings.Contains(err.Error(), "[::]:9001") || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("got %v", err)
	}
	if h.m.Interfaces() != nil || h.clock.Pending() != 0 {
		t.Fatal("running without a socket")
	}
	h.openErr = nil
	if err := h.m.Start([]string{".*"}); err != nil {
		t.Fatalf("retry: %v", err)
	}
}

func TestListInterfacesError(t *testing.T) {
	h := newHarness(t, 0)
	h.ifaces.set(iface("eth0", 2, upMulti, "fe80::2"))
	h.start(".*")
	h.sock().takeSent()
	h.ifaces.mu.Lock()
	h.ifaces.err = errors.New("netlink: busy")
	h.ifaces.mu.Unlock()
	h.advance(time.Second)
	// The set is kept as it was, and the cycle goes on.
	eq(t, "interfaces", h.m.Interfaces(), []string{"eth0"})
	if h.clock.Pending() != 1 {
		t.Fatalf("%d timers", h.clock.Pending())
	}
	eq(t, "core", h.core.take(), []string{"listen tcp://[fe80::2%eth0]:0"})
}

func TestJoinGroupErrors(t *testing.T) {
	h := newHarness(t, 0)
	h.ifaces.set(iface("eth0", 2, upMulti, "fe80::2"))
	h.start(".*")
	s := h.sock()
	s.takeJoins()
	s.takeSent()
	// A failed join is tried again on the next cycle; beacons still go.
	h.ifaces.set(iface("eth0", 9, upMulti, "fe80::2"))
	s.mu.Lock()
	s.joinErr = errors.New("no buffer space")
	s.mu.Unlock()
	h.advance(time.Second)
	h.advance(time.Second)
	if j := s.takeJoins(); !slices.Equal(j, []int{9, 9}) {
		t.Errorf("joins %v", j)
	}
	eq(t, "beacons while the join fails", s.takeSent(), []string{"9 [fe80::2]:40002", "9 [fe80::2]:40002"})
}

func TestSendErrorLoggedOnce(t *testing.T) {
	h := newHarness(t, 0)
	h.ifaces.set(iface("eth0", 2, upMulti, "fe80::2"))
	h.start(".*")
	s := h.sock()
	setErr := func(err error) {
		s.mu.Lock()
		s.sendErr = err
		s.mu.Unlock()
	}
	setErr(errors.New("network is unreachable"))
	for range 3 {
		h.advance(time.Second)
	}
	setErr(nil)
	h.advance(time.Second)
	setErr(errors.New("network is unreachable"))
	h.advance(time.Second)
	if n := h.logs.Count("Multicast: beacon on eth0: network is unreachable"); n != 2 {
		t.Errorf("logged %d times, want once per spell of failures:\n%s", n, h.logs)
	}
	eq(t, "beacons", s.takeSent(), []string{"2 [fe80::2]:40001", "2 [fe80::2]:40001"})
}

package tuntap

import (
	"bytes"
	"encoding/binary"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/ckr"
	"github.com/yggmesh/ygg/src/clock"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/logging"
)

var epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func startTest(t *testing.T, c *fakeCore, opts Options) (*Adapter, *MemDevice) {
	t.Helper()
	dev := NewMemDevice("mem0", MaxMTU)
	opts.Device = dev
	if opts.IfMTU == 0 {
		opts.IfMTU = MaxMTU
	}
	a, err := Start(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Stop)
	return a, dev
}

// udp6 is a UDP packet between two IPv6 addresses whose payload carries seq,
// so tests can tell packets apart and check their order.
func udp6(src, dst []byte, seq int) []byte {
	payload := make([]byte, 12)
	binary.BigEndian.PutUint16(payload[0:2], 1000)
	binary.BigEndian.PutUint16(payload[2:4], 2000)
	binary.BigEndian.PutUint32(payload[8:12], uint32(seq))
	return ipv6Packet(0, 17, 64, net.IP(src).String(), net.IP(dst).String(), payload)
}

// inSubnet is the address with the given last byte inside subnet s.
func inSubnet(s address.Subnet, last byte) []byte {
	ip := make([]byte, 16)
	copy(ip, s[:])
	ip[15] = last
	return ip
}

func seqOf(p []byte) int { return int(binary.BigEndian.Uint32(p[len(p)-4:])) }

// outbound runs packets through the outbound path as if the reader had
// read them.
func outbound(a *Adapter, pkts ...[]byte) { actor.Block(a, func() { a._outbound(pkts) }) }

func newRemote() (crypto.BoxPubKey, address.Address, address.Subnet) {
	pub, _ := crypto.NewBoxKeys()
	return pub, address.ForKey(&pub), address.SubnetForKey(&pub)
}

func nextDial(t *testing.T, c *fakeCore) dialRecord {
	t.Helper()
	select {
	case d := <-c.dials:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("no dial")
		return dialRecord{}
	}
}

func noDial(t *testing.T, c *fakeCore) {
	t.Helper()
	select {
	case d := <-c.dials:
		t.Fatalf("unexpected dial for %x/%x", d.target[:4], d.mask[:4])
	default:
	}
}

func TestDialBuffersAndFlushes(t *testing.T) {
	c := newFakeCore()
	a, dev := startTest(t, c, Options{})
	key, raddr, _ := newRemote()
	var pkts [][]byte
	for i := range 40 {
		pkts = append(pkts, udp6(c.addr[:], raddr[:], i))
	}
	outbound(a, pkts[:20]...)
	outbound(a, pkts[20:]...)

	d := nextDial(t, c)
	noDial(t, c) // one dial per destination
	wantID, wantMask := raddr.NodeIDAndMask()
	if d.target != wantID || d.mask != wantMask {
		t.Fatalf("dial target %x mask %x, want %x %x", d.target[:16], d.mask[:16], wantID[:16], wantMask[:16])
	}
	s := sessionTo(c, key, 65535)
	d.cb(s, nil)
	settle(a)
	sent := s.sentPackets()
	if len(sent) != maxPending {
		t.Fatalf("flushed %d packets, want %d", len(sent), maxPending)
	}
	for i, p := range sent {
		if seqOf(p.msg) != 40-maxPending+i { // the oldest 8 were dropped
			t.Fatalf("flush order: packet %d has seq %d", i, seqOf(p.msg))
		}
		if p.flow != 17<<32|1000<<16|2000 {
			t.Fatalf("flow key %x", p.flow)
		}
		if p.from != actor.Actor(a) {
			t.Fatal("the adapter must pass itself as the sender")
		}
	}
	outbound(a, udp6(c.addr[:], raddr[:], 99))
	noDial(t, c)
	if sent := s.sentPackets(); len(sent) != maxPending+1 || seqOf(sent[maxPending].msg) != 99 {
		t.Fatal("a packet after the dial did not go straight to the session")
	}
	quiet(t, a, dev)
}

func TestDialFailureDiscardsSilently(t *testing.T) {
	c := newFakeCore()
	a, dev := startTest(t, c, Options{})
	key, raddr, _ := newRemote()
	outbound(a, udp6(c.addr[:], raddr[:], 1), udp6(c.addr[:], raddr[:], 2))
	d := nextDial(t, c)
	d.cb(nil, os.ErrDeadlineExceeded)
	quiet(t, a, dev) // no ICMP for unknown Yggdrasil destinations
	waitFor(t, a, "pending dial gone", func() bool { return len(a.dials) == 0 })

	// The next packet dials again, and only it is delivered.
	outbound(a, udp6(c.addr[:], raddr[:], 3))
	d = nextDial(t, c)
	s := sessionTo(c, key, 0)
	d.cb(s, nil)
	settle(a)
	if sent := s.sentPackets(); len(sent) != 1 || seqOf(sent[0].msg) != 3 {
		t.Fatalf("after a failed dial: %d packets sent", len(sent))
	}
}

func TestSubnetDialAndLookups(t *testing.T) {
	c := newFakeCore()
	a, _ := startTest(t, c, Options{})
	key, raddr, rsub := newRemote()
	host := make([]byte, 16)
	copy(host, rsub[:])
	host[15] = 1
	outbound(a, udp6(c.addr[:], host, 1))
	d := nextDial(t, c)
	wantID, wantMask := rsub.NodeIDAndMask()
	if d.target != wantID || d.mask != wantMask {
		t.Fatal("a subnet destination must dial the subnet's partial NodeID and mask")
	}
	s := sessionTo(c, key, 0)
	d.cb(s, nil)
	settle(a)

	// By address, by subnet with another host, and by subnet again: all on
	// the one connection, no further dial.
	host2 := bytes.Clone(host)
	host2[8], host2[15] = 0xab, 7
	outbound(a, udp6(c.addr[:], raddr[:], 2), udp6(c.addr[:], host2, 3), udp6(inSubnet(c.subnet, 0), host, 4))
	noDial(t, c)
	var seqs []int
	for _, p := range s.sentPackets() {
		seqs = append(seqs, seqOf(p.msg))
	}
	// Packet 4 comes from a bare /64 network address of ours padded with
	// zeros, which is still inside our subnet.
	if want := []int{1, 2, 3, 4}; !reflect.DeepEqual(seqs, want) {
		t.Fatalf("sent %v, want %v", seqs, want)
	}
}

func TestNewSessionRegistersAndReplaces(t *testing.T) {
	c := newFakeCore()
	a, _ := startTest(t, c, Options{})
	h := c.getHandler()
	key, raddr, _ := newRemote()

	s1 := sessionTo(c, key, 0)
	h.NewSession(s1)
	outbound(a, udp6(c.addr[:], raddr[:], 1))
	noDial(t, c)
	s2 := sessionTo(c, key, 0)
	h.NewSession(s2)
	outbound(a, udp6(c.addr[:], raddr[:], 2))
	if !s1.closed.Load() || s2.closed.Load() {
		t.Fatal("a new session for the same node must close and replace the old one")
	}
	if len(s1.sentPackets()) != 1 || len(s2.sentPackets()) != 1 || seqOf(s2.sentPackets()[0].msg) != 2 {
		t.Fatal("packets did not follow the replacement")
	}

	// An incoming session flushes packets waiting for a dial to its node.
	key2, raddr2, _ := newRemote()
	outbound(a, udp6(c.addr[:], raddr2[:], 5), udp6(c.addr[:], raddr2[:], 6))
	d := nextDial(t, c)
	s3 := sessionTo(c, key2, 0)
	h.NewSession(s3)
	settle(a)
	if n := len(s3.sentPackets()); n != 2 {
		t.Fatalf("incoming session got %d waiting packets, want 2", n)
	}
	// The same session reported again by the dial changes nothing.
	d.cb(s3, nil)
	settle(a)
	if s3.closed.Load() || len(s3.sentPackets()) != 2 {
		t.Fatal("re-registering the same session closed it or resent packets")
	}
}

func TestIdleTimeout(t *testing.T) {
	c := newFakeCore()
	vc := clock.NewVirtual(epoch)
	a, dev := startTest(t, c, Options{Clock: vc})
	h := c.getHandler()
	key, raddr, _ := newRemote()
	s := sessionTo(c, key, 0)
	h.NewSession(s)
	settle(a)

	step := func(d time.Duration) {
		vc.Advance(d)
		settle(a)
	}
	step(60 * time.Second)
	outbound(a, udp6(c.addr[:], raddr[:], 1)) // used at 60 s
	step(90 * time.Second)                    // 150 s: idle for 90 s
	if s.closed.Load() {
		t.Fatal("closed although a packet was sent 90 s ago")
	}
	h.Receive(s, udp6(raddr[:], c.addr[:], 2)) // received at 150 s
	if p := recv(t, dev); seqOf(p) != 2 {
		t.Fatal("received packet not written")
	}
	step(119 * time.Second) // 269 s
	if s.closed.Load() {
		t.Fatal("closed although a packet arrived 119 s ago")
	}
	step(time.Second) // 270 s: two minutes after the last packet
	if !s.closed.Load() {
		t.Fatal("not closed after two idle minutes")
	}
	waitFor(t, a, "connection removed", func() bool { return len(a.byKey)+len(a.byAddr)+len(a.bySubnet) == 0 })
	if n := vc.Pending(); n != 0 {
		t.Errorf("%d timers left", n)
	}
	outbound(a, udp6(c.addr[:], raddr[:], 3))
	nextDial(t, c)
}

func TestUnreachableAndCKRDestinations(t *testing.T) {
	c := newFakeCore()
	key, raddr, _ := newRemote()
	tr := config.TunnelRouting{
		IPv6LocalSubnets:  []string{"fd00::/16"},
		IPv6RemoteSubnets: map[string]string{"fd01::/16": key.String()},
		IPv4LocalSubnets:  []string{"10.1.0.0/24"},
		IPv4RemoteSubnets: map[string]string{"10.2.0.0/24": key.String()},
	}
	a, dev := startTest(t, c, Options{TunnelRouting: tr})

	// CKR off: a non-Yggdrasil IPv6 destination is answered, IPv4 dropped.
	toFD := udp6(c.addr[:], ip16("fd99::1"), 1)
	outbound(a, toFD)
	if got := recv(t, dev); !bytes.Equal(got, destUnreachable(toFD)) {
		t.Fatalf("Destination Unreachable\n got %x\nwant %x", got, destUnreachable(toFD))
	}
	outbound(a, ipv4Packet(17, "10.1.0.1", "10.2.0.1", nil, payload8))
	bad := udp6(c.addr[:], raddr[:], 2)
	outbound(a, bad[:len(bad)-1])
	quiet(t, a, dev)
	noDial(t, c)

	if err := a.UpdateCKR(func(s *ckr.State) error { s.SetEnabled(true); return nil }); err != nil {
		t.Fatal(err)
	}
	if !a.CKR().Enabled() {
		t.Fatal("snapshot not updated")
	}
	v6 := udp6(ip16("fd00::1"), ip16("fd01::5"), 3)
	outbound(a, v6, udp6(ip16("fd00::1"), ip16("fd01::6"), 4))
	d := nextDial(t, c)
	noDial(t, c) // both go to the same node
	if id, mask := raddr.NodeIDAndMask(); d.target != id || d.mask != mask {
		t.Fatal("CKR dial must target the address derived from the route's key")
	}
	s := sessionTo(c, key, 0)
	d.cb(s, nil)
	settle(a)
	v4 := ipv4Packet(17, "10.1.0.3", "10.2.0.9", nil, payload8)
	outbound(a, v4)
	// Our node address is not a CKR source: found the route, but dropped.
	outbound(a, udp6(c.addr[:], ip16("fd01::7"), 5))
	sent := s.sentPackets()
	if len(sent) != 3 || !bytes.Equal(sent[0].msg, v6) || seqOf(sent[1].msg) != 4 || !bytes.Equal(sent[2].msg, v4) {
		t.Fatalf("CKR sends: %d packets", len(sent))
	}
	// No route: unreachable even with CKR on.
	noRoute := udp6(ip16("fd00::1"), ip16("fd02::1"), 6)
	outbound(a, noRoute)
	if got := recv(t, dev); !bytes.Equal(got, destUnreachable(noRoute)) {
		t.Fatal("no Destination Unreachable for an unrouted destination")
	}
	quiet(t, a, dev)
}

func TestTooBigAndReceive(t *testing.T) {
	c := newFakeCore()
	a, dev := startTest(t, c, Options{})
	h := c.getHandler()
	key, raddr, rsub := newRemote()
	s := sessionTo(c, key, 1280)
	h.NewSession(s)

	big := ipv6Packet(0, 17, 64, c.addr.String(), raddr.String(), make([]byte, 2000))
	outbound(a, big)
	if got := recv(t, dev); !bytes.Equal(got, packetTooBig(big, 1280)) {
		t.Fatalf("Packet Too Big\n got %x\nwant %x", got[:48], packetTooBig(big, 1280)[:48])
	}
	h.TooBig(s, ipv4Packet(17, "10.1.0.3", "10.2.0.9", nil, make([]byte, 2000)), 1280)
	quiet(t, a, dev)

	// Receive checks on the way in; an unregistered session's traffic is
	// checked against its own key.
	key2, raddr2, _ := newRemote()
	other := sessionTo(c, key2, 0)
	host := append(bytes.Clone(rsub[:]), 0, 0, 0, 0, 0, 0, 0, 9)
	for _, tc := range []struct {
		s    *fakeSession
		pkt  []byte
		want bool
	}{
		{s, udp6(raddr[:], c.addr[:], 1), true},
		{s, udp6(host, inSubnet(c.subnet, 0x42), 2), true},
		{s, udp6(raddr2[:], c.addr[:], 3), false}, // source of another node
		{s, udp6(raddr[:], raddr[:], 4), false},   // not for us
		{other, udp6(raddr2[:], c.addr[:], 5), true},
		{other, udp6(raddr[:], c.addr[:], 6), false},
		{s, ipv4Packet(17, "10.2.0.9", "10.1.0.3", nil, payload8), false}, // CKR off
	} {
		h.Receive(tc.s, tc.pkt)
		if tc.want {
			if got := recv(t, dev); !bytes.Equal(got, tc.pkt) {
				t.Fatalf("packet %d written as %x", seqOf(tc.pkt), got)
			}
		}
		quiet(t, a, dev)
	}
}

func TestStartWithoutTUN(t *testing.T) {
	for _, name := range []string{"none", "dummy"} {
		c := newFakeCore()
		a, err := Start(c, Options{IfName: name, TunnelRouting: config.TunnelRouting{Enable: true}})
		if err != nil {
			t.Fatal(err)
		}
		if a.Enabled() || a.Name() != "" || a.MTU() != 0 {
			t.Errorf("%s: adapter reports a device", name)
		}
		if got := a.TunTap(); !reflect.DeepEqual(got, map[string]any{"none": map[string]any{}}) {
			t.Errorf("%s: getTunTap %v", name, got)
		}
		if c.maxMTU != MaxMTU || c.getHandler() != nil {
			t.Errorf("%s: max session MTU %d, handler %v", name, c.maxMTU, c.getHandler())
		}
		if !a.CKR().Enabled() {
			t.Errorf("%s: CKR state not kept", name)
		}
		a.Stop()
		a.Stop()
	}
}

func TestMTUClampAndLogLines(t *testing.T) {
	for _, tc := range []struct {
		ifMTU, want uint64
		warn        bool
	}{
		{1000, 1280, true}, {0, 1280, true}, {1279, 1280, true}, {1280, 1280, false},
		{1500, 1500, false}, {65535, 65535, false}, {70000, 65535, true},
	} {
		var buf bytes.Buffer
		c := newFakeCore()
		a, err := Start(c, Options{IfMTU: tc.ifMTU, Device: NewMemDevice("mem7", MaxMTU),
			Logger: logging.New(&buf, logging.LevelInfo)})
		if err != nil {
			t.Fatal(err)
		}
		a.Stop()
		out := buf.String()
		warning := "Warning: Interface MTU " + itoa(tc.ifMTU) + " automatically adjusted to " + itoa(tc.want) +
			" (supported range is 1280-65535)\n"
		if strings.Contains(out, warning) != tc.warn || (!tc.warn && strings.Contains(out, "Warning")) {
			t.Errorf("IfMTU %d: log\n%s", tc.ifMTU, out)
		}
		for _, line := range []string{"Interface name: mem7\n", "Interface IPv6: " + c.addr.String() + "/7\n",
			"Interface MTU: " + itoa(tc.want) + "\n"} {
			if !strings.Contains(out, line) {
				t.Errorf("IfMTU %d: log lacks %q", tc.ifMTU, line)
			}
		}
		if a.MTU() != tc.want || c.maxMTU != tc.want {
			t.Errorf("IfMTU %d: MTU %d, session MTU %d, want %d", tc.ifMTU, a.MTU(), c.maxMTU, tc.want)
		}
		if got := a.TunTap(); !reflect.DeepEqual(got, map[string]any{"mem7": map[string]any{"mtu": tc.want}}) {
			t.Errorf("getTunTap %v", got)
		}
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func TestCKRUpdatesAndReload(t *testing.T) {
	c := newFakeCore()
	a, _ := startTest(t, c, Options{TunnelRouting: config.TunnelRouting{IPv4LocalSubnets: []string{"10.0.0.0/8"}}})
	before := a.CKR()
	key, _, _ := newRemote()
	if err := a.UpdateCKR(func(s *ckr.State) error { return s.AddRemoteSubnet("10.9.0.0/16", key.String()) }); err != nil {
		t.Fatal(err)
	}
	err := a.UpdateCKR(func(s *ckr.State) error { return s.AddRemoteSubnet("10.9.0.0/16", key.String()) })
	if err == nil || err.Error() != "remote subnet already exists for 10.9.0.0/16" {
		t.Fatalf("duplicate through the adapter: %v", err)
	}
	if got := a.CKR().Routes(); !reflect.DeepEqual(got, map[string]string{"10.9.0.0/16": key.String()}) {
		t.Fatalf("routes %v", got)
	}
	if len(before.Routes()) != 0 {
		t.Fatal("an old snapshot changed")
	}
	a.ReloadCKR(config.TunnelRouting{Enable: true, IPv6LocalSubnets: []string{"fd00::/8"}})
	tb := a.CKR()
	if !tb.Enabled() || len(tb.Routes()) != 0 || !reflect.DeepEqual(tb.SourceSubnets(), []string{"fd00::/8"}) {
		t.Fatalf("after reload: %v %v %v", tb.Enabled(), tb.Routes(), tb.SourceSubnets())
	}
}

func TestStopReleasesEverything(t *testing.T) {
	c := newFakeCore()
	vc := clock.NewVirtual(epoch)
	dev := NewMemDevice("mem0", MaxMTU)
	a, err := Start(c, Options{IfMTU: 1500, Device: dev, Clock: vc})
	if err != nil {
		t.Fatal(err)
	}
	h := c.getHandler()
	key, _, _ := newRemote()
	s := sessionTo(c, key, 0)
	h.NewSession(s)
	_, raddr2, _ := newRemote()
	outbound(a, udp6(c.addr[:], raddr2[:], 1))
	d := nextDial(t, c)

	a.Stop()
	if !s.closed.Load() {
		t.Error("session left open")
	}
	if n := vc.Pending(); n != 0 {
		t.Errorf("%d timers left", n)
	}
	if err := dev.Inject(udp6(c.addr[:], raddr2[:], 2)); err != os.ErrClosed {
		t.Errorf("device still open: %v", err)
	}
	late := sessionTo(c, key, 0)
	d.cb(late, nil)
	incoming := sessionTo(c, key, 0)
	h.NewSession(incoming)
	settle(a)
	if !late.closed.Load() || !incoming.closed.Load() {
		t.Error("sessions arriving after Stop must be closed")
	}
	a.Stop()
}

// slowCloseDevice is a MemDevice whose Close waits for the test, like a
// TUN whose file waits for reads and writes in flight to let go of it.
type slowCloseDevice struct {
	*MemDevice
	closing chan struct{} // closed when Close is called
	release chan struct{} // Close returns once this is closed
}

func (d *slowCloseDevice) Close() error {
	close(d.closing)
	<-d.release
	return d.MemDevice.Close()
}

// Closing the device happens outside the adapter's actor: while it takes
// its time, the adapter still handles what sessions send it (here it
// closes a session that arrives during Stop).
func TestStopClosesDeviceOutsideActor(t *testing.T) {
	c := newFakeCore()
	dev := &slowCloseDevice{NewMemDevice("mem0", MaxMTU), make(chan struct{}), make(chan struct{})}
	a, err := Start(c, Options{IfMTU: 1500, Device: dev})
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() { a.Stop(); close(stopped) }()
	var once sync.Once
	release := func() { once.Do(func() { close(dev.release) }) }
	t.Cleanup(func() { release(); <-stopped })
	select {
	case <-dev.closing:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not close the device")
	}
	key, _, _ := newRemote()
	late := sessionTo(c, key, 0)
	c.getHandler().NewSession(late)
	deadline := time.Now().Add(10 * time.Second)
	for !late.closed.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the adapter did not handle a session while the device was closing")
		}
		time.Sleep(time.Millisecond)
	}
	release()
	<-stopped
	if err := dev.Inject(udp6(c.addr[:], c.addr[:], 1)); err != os.ErrClosed {
		t.Errorf("device still open: %v", err)
	}
}

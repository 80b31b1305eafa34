package multicast

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/clock"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/logging"

	"github.com/yggmesh/ygg/src/logging/logbuf"
)

// The real core must fit the seam.
var _ Core = (*core.Core)(nil)

// fakeCore records what the module asks of the core.
type fakeCore struct {
	mu       sync.Mutex
	nextPort int
	fail     map[string]error        // Listen errors by URI
	open     map[string]*net.TCPAddr // listeners open, by URI
	log      []string                // "listen URI", "close URI", "call URI IFACE" in order
	release  <-chan struct{}         // set by holdListens
}

func newFakeCore() *fakeCore {
	return &fakeCore{nextPort: 40000, fail: map[string]error{}, open: map[string]*net.TCPAddr{}}
}

func (c *fakeCore) listen(uri string) (net.Addr, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, "listen "+uri)
	if err := c.fail[uri]; err != nil {
		return nil, err
	}
	if c.open[uri] != nil {
		return nil, fmt.Errorf("already listening on %s", uri)
	}
	host, port, err := splitListenURI(uri)
	if err != nil {
		return nil, err
	}
	if port == 0 {
		c.nextPort++
		port = c.nextPort
	}
	a := &net.TCPAddr{IP: host.AsSlice(), Zone: host.Zone(), Port: port}
	c.open[uri] = a
	return a, nil
}

// splitListenURI reads "tcp://[fe80::1%eth0]:0".
func splitListenURI(uri string) (netip.Addr, int, error) {
	rest, ok := strings.CutPrefix(uri, "tcp://")
	if !ok {
		return netip.Addr{}, 0, fmt.Errorf("fake core: not a tcp URI: %s", uri)
	}
	ap, err := netip.ParseAddrPort(rest)
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("fake core: %w", err)
	}
	return ap.Addr(), int(ap.Port()), nil
}

func (c *fakeCore) closeListener(uri string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, "close "+uri)
	if c.open[uri] == nil {
		return fmt.Errorf("not listening on %s", uri)
	}
	delete(c.open, uri)
	return nil
}

func (c *fakeCore) callPeer(uri, iface string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, "call "+uri+" "+iface)
	return nil
}

// take returns the log so far and clears it.
func (c *fakeCore) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.log
	c.log = nil
	return l
}

func (c *fakeCore) openURIs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for uri := range c.open {
		out = append(out, uri)
	}
	slices.Sort(out)
	return out
}

func (c *fakeCore) setFail(uri string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		delete(c.fail, uri)
	} else {
		c.fail[uri] = err
	}
}

// datagram is one received datagram for the fake socket.
type datagram struct {
	payload  []byte
	src, dst netip.Addr
	ifIndex  int
}

// fakeSocket records joins and beacons and serves injected datagrams.
type fakeSocket struct {
	mu      sync.Mutex
	cond    *sync.Cond
	joins   []int
	sent    []string // "IFINDEX PAYLOAD"
	queue   []datagram
	reads   int // ReadFrom calls begun
	closed  bool
	joinErr error
	sendErr error
}

func newFakeSocket() *fakeSocket {
	s := &fakeSocket{}
	s.cond = sync.NewCond(&s.mu)
	return s
}

func (s *fakeSocket) JoinGroup(ifIndex int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.joins = append(s.joins, ifIndex)
	return s.joinErr
}

func (s *fakeSocket) Send(ifIndex int, payload []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return net.ErrClosed
	}
	if s.sendErr != nil {
		return s.sendErr
	}
	s.sent = append(s.sent, fmt.Sprintf("%d %s", ifIndex, payload))
	return nil
}

func (s *fakeSocket) ReadFrom(buf []byte) (int, netip.Addr, netip.Addr, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	s.cond.Broadcast()
	for len(s.queue) == 0 && !s.closed {
		s.cond.Wait()
	}
	if s.closed {
		return 0, netip.Addr{}, netip.Addr{}, 0, fmt.Errorf("read: %w", net.ErrClosed)
	}
	d := s.queue[0]
	s.queue = s.queue[1:]
	return copy(buf, d.payload), d.src, d.dst, d.ifIndex, nil
}

func (s *fakeSocket) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return net.ErrClosed
	}
	s.closed = true
	s.cond.Broadcast()
	return nil
}

// deliver hands d to the reader and waits until the reader has passed it on
// to the module (it has begun its next read by then).
func (s *fakeSocket) deliver(t *testing.T, d datagram) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	want := s.reads + 1
	s.queue = append(s.queue, d)
	s.cond.Broadcast()
	for s.reads < want {
		s.cond.Wait()
	}
}

func (s *fakeSocket) takeSent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.sent
	s.sent = nil
	return out
}

func (s *fakeSocket) takeJoins() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.joins
	s.joins = nil
	return out
}

func (s *fakeSocket) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// fakeIfaces is a changeable interface list.
type fakeIfaces struct {
	mu   sync.Mutex
	list []Interface
	err  error
}

func (f *fakeIfaces) set(list ...Interface) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = list
}

func (f *fakeIfaces) get() ([]Interface, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.list), f.err
}

const upMulti = net.FlagUp | net.FlagMulticast

func iface(name string, index int, flags net.Flags, addrs ...string) Interface {
	it := Interface{Name: name, Index: index, Flags: flags}
	for _, a := range addrs {
		it.Addrs = append(it.Addrs, netip.MustParseAddr(a))
	}
	return it
}

// harness is a module on fakes and a virtual clock.
type harness struct {
	t       *testing.T
	m       *Multicast
	core    *fakeCore
	ifaces  *fakeIfaces
	clock   *clock.Virtual
	socks   []*fakeSocket // every socket opened, newest last
	openErr error
	logs    *logbuf.Buffer
}

func newHarness(t *testing.T, port uint16) *harness {
	h := &harness{t: t, core: newFakeCore(), ifaces: &fakeIfaces{},
		clock: clock.NewVirtual(time.Unix(1_600_000_000, 0)), logs: &logbuf.Buffer{}}
	var mu sync.Mutex
	h.m = New(h.core, Options{
		ListenPort:     port,
		Clock:          h.clock,
		Logger:         logging.New(h.logs, logging.LevelTrace),
		ListInterfaces: h.ifaces.get,
		OpenSocket: func() (Socket, error) {
			mu.Lock()
			defer mu.Unlock()
			if h.openErr != nil {
				return nil, h.openErr
			}
			s := newFakeSocket()
			h.socks = append(h.socks, s)
			return s, nil
		},
	})
	t.Cleanup(h.m.Stop)
	return h
}

func (h *harness) sock() *fakeSocket {
	h.t.Helper()
	if len(h.socks) == 0 {
		h.t.Fatal("no socket opened")
	}
	return h.socks[len(h.socks)-1]
}

// start starts the module on regexes and waits for its first cycle.
func (h *harness) start(regexes ...string) {
	h.t.Helper()
	if err := h.m.Start(regexes); err != nil {
		h.t.Fatal(err)
	}
	h.m.settle()
}

// advance moves the virtual clock and waits for the module to finish what
// the timers started.
func (h *harness) advance(d time.Duration) {
	h.clock.Advance(d)
	h.m.settle()
}

var errBusy = errors.New("address already in use")

// The Core methods answer at once, as if the core's actor were idle,
// except listens while holdListens is in force.
func (c *fakeCore) ListenAsync(uri string, cb func(net.Addr, error)) {
	c.mu.Lock()
	release := c.release
	c.mu.Unlock()
	if release == nil {
		cb(c.listen(uri))
		return
	}
	go func() {
		<-release
		cb(c.listen(uri))
	}()
}

// holdListens makes ListenAsync answer only once release is closed, as a
// busy core would.
func (c *fakeCore) holdListens(release <-chan struct{}) {
	c.mu.Lock()
	c.release = release
	c.mu.Unlock()
}

func (c *fakeCore) CloseListenerAsync(uri string, cb func(error)) { cb(c.closeListener(uri)) }

func (c *fakeCore) CallPeerAsync(uri, iface string, cb func(error)) { cb(c.callPeer(uri, iface)) }

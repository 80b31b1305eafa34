package tuntap

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/ckr"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/logging/logbuf"
)

// fakeRoutes is a route backend that records the tables it syncs. While
// held, each sync waits for the test to release it, like a netlink request
// whose answer does not come.
type fakeRoutes struct {
	started chan *ckr.Table // each sync announces its table here first

	mu      sync.Mutex
	gate    chan struct{} // nil: syncs pass; else they wait until it is closed
	err     error         // what each sync returns
	synced  []*ckr.Table
	running bool
	closed  bool
	misuse  []string // calls made out of turn
}

func newFakeRoutes() *fakeRoutes { return &fakeRoutes{started: make(chan *ckr.Table, 1000)} }

func (f *fakeRoutes) sync(t *ckr.Table) error {
	f.mu.Lock()
	if f.running || f.closed {
		f.misuse = append(f.misuse, fmt.Sprintf("sync (running %v, closed %v)", f.running, f.closed))
	}
	f.running = true
	gate := f.gate
	f.mu.Unlock()
	f.started <- t
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.running = false
	f.synced = append(f.synced, t)
	return f.err
}

func (f *fakeRoutes) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running || f.closed {
		f.misuse = append(f.misuse, fmt.Sprintf("close (running %v, closed %v)", f.running, f.closed))
	}
	f.closed = true
}

// hold makes the syncs from now on wait; the returned function releases
// them and may be called more than once.
func (f *fakeRoutes) hold() (release func()) {
	gate := make(chan struct{})
	f.mu.Lock()
	f.gate = gate
	f.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			f.gate = nil
			f.mu.Unlock()
			close(gate)
		})
	}
}

// next is the table of the next sync to start.
func (f *fakeRoutes) next(t *testing.T) *ckr.Table {
	t.Helper()
	select {
	case tb := <-f.started:
		return tb
	case <-time.After(10 * time.Second):
		t.Fatal("no route sync started")
		return nil
	}
}

// state is what the fake saw: tables synced, whether it is closed, misuse.
func (f *fakeRoutes) state() ([]*ckr.Table, bool, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*ckr.Table(nil), f.synced...), f.closed, append([]string(nil), f.misuse...)
}

// waitSent waits until s has sent n packets, without asking the adapter,
// which may be the thing that is stuck.
func waitSent(t *testing.T, s *fakeSession, n int, what string) []sentPacket {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if sent := s.sentPackets(); len(sent) >= n {
			return sent
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// goUpdate runs UpdateCKR in the background, so that a call stuck behind
// a route sync fails the test (in returned) instead of hanging it.
func goUpdate(a *Adapter, f func(*ckr.State) error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- a.UpdateCKR(f) }()
	return done
}

// returned waits for a call started by goUpdate.
func returned(t *testing.T, done <-chan error, what string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s still waiting for the hung route sync", what)
	}
}

func enableCKR(s *ckr.State) error { s.SetEnabled(true); return nil }

// A route sync that hangs (a lost netlink answer) holds up neither traffic
// nor the admin call that changed the routes; changes made meanwhile are
// synced once, with the newest table, when it ends.
func TestRouteSyncHangDoesNotBlockTraffic(t *testing.T) {
	c := newFakeCore()
	routes := newFakeRoutes()
	a, dev := startTest(t, c, Options{routes: routes})
	initial := routes.next(t)
	release := routes.hold()
	t.Cleanup(release) // runs before the adapter's Stop, even on failure
	h := c.getHandler()
	key, raddr, _ := newRemote()
	s := sessionTo(c, key, 0)
	h.NewSession(s)

	updated := goUpdate(a, enableCKR)
	if hung := routes.next(t); !hung.Enabled() {
		t.Fatal("the hung sync is not the one that enables tunnel routing")
	}

	// Host to session and session to host while the sync hangs.
	out := udp6(c.addr[:], raddr[:], 1)
	if err := dev.Inject(out); err != nil {
		t.Fatal(err)
	}
	if sent := waitSent(t, s, 1, "a packet from the TUN to reach the session while a route sync hangs"); !bytes.Equal(sent[0].msg, out) {
		t.Fatalf("session got %x, want %x", sent[0].msg, out)
	}
	in := udp6(raddr[:], c.addr[:], 2)
	h.Receive(s, in)
	if got := recv(t, dev); !bytes.Equal(got, in) {
		t.Fatalf("TUN got %x, want %x", got, in)
	}
	returned(t, updated, "UpdateCKR")

	// A burst of changes behind the hung sync.
	for i := range 100 {
		cidr := fmt.Sprintf("fd00:%x::/32", i)
		add := func(s *ckr.State) error { return s.AddRemoteSubnet(cidr, key.String()) }
		returned(t, goUpdate(a, add), "UpdateCKR "+cidr)
	}
	newest := a.CKR()
	if n := len(newest.Routes()); !newest.Enabled() || n != 100 {
		t.Fatalf("newest table: enabled %v, %d routes", newest.Enabled(), n)
	}
	release()
	a.routeSync.wait()
	synced, _, misuse := routes.state()
	if len(synced) != 3 || synced[0] != initial || !synced[1].Enabled() || synced[2] != newest {
		t.Fatalf("synced %d tables; want the initial one, the hung one and the newest", len(synced))
	}
	if len(synced[1].Routes()) != 0 {
		t.Fatal("the hung sync's table changed under it")
	}
	if len(misuse) > 0 {
		t.Fatalf("backend misused: %v", misuse)
	}
}

// Stop waits for a running sync and closes the backend after it; no sync
// follows, even for changes made after Stop.
func TestStopWaitsForRouteSync(t *testing.T) {
	c := newFakeCore()
	routes := newFakeRoutes()
	a, _ := startTest(t, c, Options{routes: routes})
	routes.next(t)
	release := routes.hold()
	t.Cleanup(release)
	returned(t, goUpdate(a, enableCKR), "UpdateCKR")
	routes.next(t)
	key, _, _ := newRemote()
	// Waits behind the hung sync; Stop may skip it.
	tr := config.TunnelRouting{Enable: true, IPv6RemoteSubnets: map[string]string{"fd00::/16": key.String()}}
	returned(t, goUpdate(a, func(s *ckr.State) error { s.Load(tr); return nil }), "reload")

	stopped := make(chan struct{})
	go func() { a.Stop(); close(stopped) }()
	release()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not return after the sync was released")
	}
	synced, closed, misuse := routes.state()
	if !closed || len(misuse) > 0 {
		t.Fatalf("after Stop: closed %v, misuse %v", closed, misuse)
	}
	n := len(synced)
	_ = a.UpdateCKR(func(s *ckr.State) error { s.SetEnabled(false); return nil })
	a.routeSync.wait()
	if synced, _, misuse := routes.state(); len(synced) != n || len(misuse) > 0 {
		t.Fatalf("route work after Stop: %d syncs, misuse %v", len(synced)-n, misuse)
	}
}

// A failed sync is one error line, naming the interface.
func TestRouteSyncErrorLogged(t *testing.T) {
	var logBuf logbuf.Buffer
	routes := newFakeRoutes()
	routes.err = errors.New("adding route fd00::/16: no buffer space\nremoving route fd01::/16: busy")
	a, _ := startTest(t, newFakeCore(), Options{routes: routes, Logger: logging.New(&logBuf, logging.LevelInfo)})
	if err := a.UpdateCKR(enableCKR); err != nil {
		t.Fatal(err)
	}
	a.routeSync.wait()
	want := "Tunnel routes on mem0: adding route fd00::/16: no buffer space\nremoving route fd01::/16: busy\n"
	if got := logBuf.String(); strings.Count(got, want) != 2 {
		t.Fatalf("log, want the error twice (start and update):\n%s", got)
	}
}

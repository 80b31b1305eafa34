package admin

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// checkGetSelfReply checks got is the success envelope of a plain getSelf
// from addFakeHandlers, field by field.
func checkGetSelfReply(t *testing.T, got string) {
	t.Helper()
	var env struct {
		Status   string
		Request  map[string]any
		Response struct {
			Self map[string]struct{ Coords string }
		}
	}
	if err := json.Unmarshal([]byte(got), &env); err != nil {
		t.Fatalf("reply %q: %v", got, err)
	}
	self, ok := env.Response.Self["201:14fa:2c2c:cee9:319c:a6a1:20a0:d01a"]
	if env.Status != "success" || env.Request["request"] != "getSelf" || !ok || self.Coords != "[]" {
		t.Fatalf("reply %q", got)
	}
}

// checkGenericReply checks got is exactly the generic error object.
func checkGenericReply(t *testing.T, got string) {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal([]byte(got), &env); err != nil {
		t.Fatalf("reply %q: %v", got, err)
	}
	if len(env) != 2 || env["status"] != "error" || env["error"] != "Check your syntax and input types" {
		t.Fatalf("reply %q", got)
	}
}

// waitConns waits until s serves n connections.
func waitConns(t *testing.T, s *Server, n int) {
	t.Helper()
	if !eventually(10*time.Second, func() bool { return s.Stats().Conns == n }) {
		t.Fatalf("server has %d connections, want %d", s.Stats().Conns, n)
	}
}

// askSelf sends a plain getSelf on a new connection and checks the answer;
// the deadline is only there so a failing test cannot hang.
func askSelf(t *testing.T, s *Server) *client {
	t.Helper()
	c := newClient(t, s)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.send(t, `{"request":"getSelf"}`)
	checkGetSelfReply(t, c.mustRead(t))
	c.expectClosed(t)
	return c
}

// TestIdleConnsDoNotLockOut: a client holding every slot with silent
// connections cannot keep another client from being served; the silent
// connection opened first is the one closed, the eviction is counted and
// its log lines are rate-limited.
func TestIdleConnsDoNotLockOut(t *testing.T) {
	s, lb := newServer(t)
	addFakeHandlers(t, s)
	s.maxConns = 4
	s.firstRequestTimeout = time.Hour
	s.idleTimeout = time.Hour
	startUnix(t, s)

	var idle []*client
	for i := 0; i < s.maxConns; i++ {
		idle = append(idle, newClient(t, s)) // sends nothing
		waitConns(t, s, i+1)
	}
	start := time.Now()
	askSelf(t, s)
	idle[0].expectClosed(t)
	for _, c := range idle[1:] {
		c.send(t, `{"request":"getSelf","keepalive":true}`)
		checkGetSelfReply(t, c.mustRead(t))
	}
	if got := s.Stats().Evictions; got != 1 {
		t.Fatalf("%d evictions, want 1", got)
	}

	// Clients that keep their connection open after the answer make the
	// next one evict again; the log does not say so every time.
	for i := 0; i < 20; i++ {
		askSelf(t, s)
	}
	if got := s.Stats().Evictions; got < 21 {
		t.Fatalf("%d evictions, want at least 21", got)
	}
	lines := strings.Count(lb.String(), "closed the one waited on longest")
	if limit := 4 + 2*int(time.Since(start).Seconds()+1); lines < 1 || lines > limit {
		t.Fatalf("%d eviction lines, want 1 to %d:\n%s", lines, limit, lb.String())
	}
}

// addBlockingHandler registers "slow", which blocks until the channel
// given for its "id" argument is closed.
func addBlockingHandler(t *testing.T, s *Server, release map[string]chan struct{}, entered chan string) {
	t.Helper()
	if err := s.AddHandler("slow", []string{"id"}, func(req Info) (Info, error) {
		id, err := req.GetString("id")
		if err != nil {
			return nil, err
		}
		entered <- id
		<-release[id]
		return Info{"id": id}, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestBusyConnsAreNotEvicted: a connection whose handler runs keeps its
// slot, so past the bound a new client waits; then the first keepalive
// connection to be answered gives up its slot, without running the request
// it had pipelined, and the waiting client is served.
func TestBusyConnsAreNotEvicted(t *testing.T) {
	s, _ := newServer(t)
	n := addFakeHandlers(t, s)
	release := map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})}
	entered := make(chan string, 2)
	addBlockingHandler(t, s, release, entered)
	s.maxConns = 2
	s.firstRequestTimeout = time.Hour
	s.idleTimeout = time.Hour
	startUnix(t, s)

	a, b := newClient(t, s), newClient(t, s)
	a.send(t, `{"request":"slow","id":"a","keepalive":true}{"request":"getSelf","keepalive":true}`)
	b.send(t, `{"request":"slow","id":"b","keepalive":true}`)
	<-entered
	<-entered

	waiting := newClient(t, s)
	waiting.send(t, `{"request":"getSelf"}`)
	waiting.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if got, err := waiting.read(); err == nil || got != "" {
		t.Fatalf("served beyond the bound: %q %v", got, err)
	}

	close(release["a"])
	if got := norm(a.mustRead(t)); !strings.Contains(got, `"response": { "id": "a" }, "status": "success"`) {
		t.Fatalf("a: %s", got)
	}
	a.expectClosed(t)
	waiting.SetReadDeadline(time.Now().Add(10 * time.Second))
	checkGetSelfReply(t, waiting.mustRead(t))

	// Nobody waits now: b stays open after its answer.
	close(release["b"])
	b.mustRead(t)
	b.send(t, `{"request":"getSelf"}`)
	checkGetSelfReply(t, b.mustRead(t))
	if got := n.calls.Load(); got != 2 {
		t.Fatalf("getSelf ran %d times, want 2 (not a's pipelined one)", got)
	}
	// a's close to make room counts as an eviction.
	if got := s.Stats().Evictions; got != 1 {
		t.Fatalf("%d evictions, want 1", got)
	}
}

// phasesAre reports whether every connection s serves is in phase p.
func phasesAre(s *Server, p phase) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.conns {
		if t.phase != p {
			return false
		}
	}
	return true
}

// TestStalledReaderEvicted: clients that request a large reply and never
// read it hold their slot only until another client needs one.
func TestStalledReaderEvicted(t *testing.T) {
	s, _ := newServer(t)
	addFakeHandlers(t, s)
	big := strings.Repeat("x", 8<<20)
	if err := s.AddHandler("big", nil, func(Info) (Info, error) { return Info{"big": big}, nil }); err != nil {
		t.Fatal(err)
	}
	s.maxConns = 2
	s.writeTimeout = time.Hour
	s.stallGrace = 100 * time.Millisecond
	startUnix(t, s)

	var stalled []*client
	for i := 0; i < s.maxConns; i++ {
		c := newClient(t, s)
		c.send(t, `{"request":"big"}`)
		stalled = append(stalled, c)
	}
	waitConns(t, s, 2)
	if !eventually(10*time.Second, func() bool { return phasesAre(s, phaseWriting) }) {
		t.Fatal("the big replies are not being written")
	}
	askSelf(t, s)

	// One stalled client lost its connection part way through its reply;
	// the other gets all of it once it reads.
	var full, cut int
	for i, c := range stalled {
		got, err := io.ReadAll(c)
		switch {
		case err == nil && strings.Contains(string(got), `"big": "`+big+`"`):
			full++
		case len(got) < len(big) && (err == nil || isReset(err)):
			cut++
		default:
			t.Fatalf("client %d read %d bytes, %v", i, len(got), err)
		}
	}
	if full != 1 || cut != 1 {
		t.Fatalf("%d replies complete, %d cut short; want 1 and 1", full, cut)
	}
	if got := s.Stats().Evictions; got != 1 {
		t.Fatalf("%d evictions, want 1", got)
	}
}

// TestFirstRequestTimeout: a connection that never sends a request is
// closed sooner than a keepalive connection waiting between requests.
func TestFirstRequestTimeout(t *testing.T) {
	s, _ := newServer(t)
	addFakeHandlers(t, s)
	s.firstRequestTimeout = 200 * time.Millisecond
	s.idleTimeout = time.Hour
	startUnix(t, s)

	kept := newClient(t, s)
	kept.send(t, `{"request":"getSelf","keepalive":true}`)
	checkGetSelfReply(t, kept.mustRead(t))
	newClient(t, s).expectClosed(t)
	// kept has been idle longer than the first-request timeout by now.
	kept.send(t, `{"request":"getSelf"}`)
	checkGetSelfReply(t, kept.mustRead(t))
}

// dialSmallWindow connects to s; over TCP with the smallest receive buffer,
// so the server's replies queue on its side.
func dialSmallWindow(t *testing.T, s *Server) *client {
	t.Helper()
	network := "tcp"
	if strings.HasPrefix(s.Addr(), "/") {
		network = "unix"
	}
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		if network == "tcp" {
			rc.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 1) })
		}
		return err
	}}
	c, err := d.Dial(network, s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &client{Conn: c, r: bufio.NewReader(c)}
}

// TestOversizedReplyNotReset: a client that writes its whole input before
// reading, as yggdrasilctl does, gets every answer up to and including the
// generic error for a ~1 MiB request, over TCP and unix sockets. Before the
// server drained leftover input, closing with it unread reset the
// connection: over TCP the replies still queued on the server's side (the
// client's window is small and it had pipelined requests) were destroyed;
// over a unix socket the client's write failed with EPIPE (the replies
// stayed readable, but a client that stops at a write error, like
// yggdrasilctl, never reads them).
func TestOversizedReplyNotReset(t *testing.T) {
	const pipelined = 40
	input := strings.Repeat(`{"request":"getSelf","keepalive":true}`, pipelined) +
		`{"request":"getSelf","x":"` + strings.Repeat("a", 1<<20) + `"}`
	for _, tr := range []struct{ name, listen string }{
		{"tcp", "tcp://127.0.0.1:0"},
		{"unix", ""},
	} {
		t.Run(tr.name, func(t *testing.T) {
			s, _ := newServer(t)
			addFakeHandlers(t, s)
			listen := tr.listen
			if listen == "" {
				listen = "unix://" + sockPath(t)
			}
			if err := s.Start(listen); err != nil {
				t.Fatal(err)
			}
			// The loss depends on timing; one try in a few suffices to see it.
			for try := 0; try < 10; try++ {
				c := dialSmallWindow(t, s)
				if _, err := io.WriteString(c, input); err != nil {
					t.Fatalf("try %d: write: %v", try, err)
				}
				for i := 0; i < pipelined; i++ {
					got, err := c.read()
					if err != nil {
						t.Fatalf("try %d: reply %d: %v", try, i, err)
					}
					checkGetSelfReply(t, got)
				}
				got, err := c.read()
				if err != nil {
					t.Fatalf("try %d: generic error: %v (got %q)", try, err, got)
				}
				checkGenericReply(t, got)
				c.expectClosed(t)
				c.Close()
			}
		})
	}
}

// TestDeepRequestRejected: a request nested deeper than any real one gets
// the generic error and a close instead of an echo whose indentation grows
// with the square of the depth (18 KB of brackets made a 160 MB reply).
func TestDeepRequestRejected(t *testing.T) {
	s, _ := newServer(t)
	addFakeHandlers(t, s)
	startUnix(t, s)
	nested := func(d int) string { return strings.Repeat("[", d) + strings.Repeat("]", d) }

	// The request object is one level, so this is maxRequestDepth deep.
	c := newClient(t, s)
	c.send(t, `{"request":"nosuch","keepalive":true,"a":`+nested(maxRequestDepth-1)+`}`)
	if got := norm(c.mustRead(t)); !strings.HasPrefix(got, `{ "error": "Unknown action 'nosuch', try 'list' for help", "request": { "a": [ [ [ [] ] ] ]`) {
		t.Fatalf("at the bound: %s", got)
	}
	for _, d := range []int{maxRequestDepth, 5000} {
		c.send(t, `{"request":"nosuch","keepalive":true,"a":`+nested(d)+`}`)
		checkGenericReply(t, c.mustRead(t))
		c.expectClosed(t)
		c = newClient(t, s)
	}
	if got := s.Stats().Rejected; got != 2 {
		t.Fatalf("%d rejected, want 2", got)
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC() // the second empties sync.Pools
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestIdleConnsHoldLittleMemory: keepalive connections idle after a large
// request do not each keep a decoder buffer as large as that request.
func TestIdleConnsHoldLittleMemory(t *testing.T) {
	s, _ := newServer(t)
	addFakeHandlers(t, s)
	startUnix(t, s)
	const conns = 64
	req := fmt.Sprintf(`{"request":"getSelf","keepalive":true,"x":%q}`, strings.Repeat("a", maxRequestBytes-100))

	before := heapInUse()
	for i := 0; i < conns; i++ {
		c := newClient(t, s)
		c.send(t, req)
		checkGetSelfReply(t, c.mustRead(t))
	}
	grown := int64(heapInUse()) - int64(before)
	t.Logf("heap grew %d bytes per idle connection", grown/conns)
	// Each connection needs a few KiB; a kept buffer would be 128-256 KiB.
	if perConn := grown / conns; perConn > 32<<10 {
		t.Fatalf("heap grew %d bytes per idle connection", perConn)
	}
}

// TestStalledReaderPinsOnlyItsReply: while a client leaves its reply
// unread, the server holds the encoded reply but neither the decoded
// request (ten times the request's size for an array of numbers) nor the
// decoder's buffer.
func TestStalledReaderPinsOnlyItsReply(t *testing.T) {
	s, _ := newServer(t)
	s.writeTimeout = time.Hour
	startUnix(t, s)
	const conns = 16
	// About 128 KiB of input, 64 Ki numbers; the echo is about 450 KiB.
	req := `{"request":"nosuch","a":[` + strings.Repeat("0,", maxRequestBytes/2-50) + `0]}`

	before := heapInUse()
	for i := 0; i < conns; i++ {
		newClient(t, s).send(t, req)
	}
	waitConns(t, s, conns)
	if !eventually(10*time.Second, func() bool { return phasesAre(s, phaseWriting) }) {
		t.Fatal("the replies are not being written")
	}
	perConn := (int64(heapInUse()) - int64(before)) / conns
	t.Logf("heap grew %d bytes per stalled connection", perConn)
	if perConn > 1<<20 {
		t.Fatalf("heap grew %d bytes per stalled connection; the reply is about 450 KiB", perConn)
	}
}

package admin

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/logging/logbuf"
)

// newServer makes a server logging at debug level into the returned buffer;
// it is stopped when the test ends.
func newServer(t *testing.T) (*Server, *logbuf.Buffer) {
	t.Helper()
	lb := &logbuf.Buffer{}
	s := New(logging.New(lb, logging.LevelDebug))
	t.Cleanup(func() { stopWithin(t, s, 10*time.Second) })
	return s, lb
}

// stopWithin fails the test if Stop hangs.
func stopWithin(t *testing.T, s *Server, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() { s.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Errorf("Stop did not return within %v", d)
	}
}

// sockPath is a fresh unix socket path short enough for sun_path.
func sockPath(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "adm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "a.sock")
}

// startUnix starts s on a fresh unix socket.
func startUnix(t *testing.T, s *Server) {
	t.Helper()
	if err := s.Start("unix://" + sockPath(t)); err != nil {
		t.Fatal(err)
	}
}

// dial connects to s, by unix path or TCP address as Addr says.
func dial(t *testing.T, s *Server) net.Conn {
	t.Helper()
	addr := s.Addr()
	network := "tcp"
	if strings.HasPrefix(addr, "/") || strings.HasPrefix(addr, "@") {
		network = "unix"
	}
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return c
}

// client reads raw responses off a connection.
type client struct {
	net.Conn
	r *bufio.Reader
}

func newClient(t *testing.T, s *Server) *client {
	c := dial(t, s)
	return &client{Conn: c, r: bufio.NewReader(c)}
}

func (c *client) send(t *testing.T, req string) {
	t.Helper()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatalf("write %q: %v", req, err)
	}
}

// read returns one raw response: the server's indented objects end with a
// "}" line at column 0.
func (c *client) read() (string, error) {
	var sb strings.Builder
	for {
		line, err := c.r.ReadString('\n')
		sb.WriteString(line)
		if err != nil {
			return sb.String(), err
		}
		if line == "}\n" {
			return sb.String(), nil
		}
	}
}

func (c *client) mustRead(t *testing.T) string {
	t.Helper()
	s, err := c.read()
	if err != nil {
		t.Fatalf("read response: %v (got %q)", err, s)
	}
	return s
}

// expectClosed checks the server closed the connection without sending
// anything more.
func (c *client) expectClosed(t *testing.T) {
	t.Helper()
	b, err := c.r.ReadByte()
	if err == nil {
		rest, _ := c.r.Peek(c.r.Buffered())
		t.Fatalf("expected close, got more data %q", string(b)+string(rest))
	}
	if !errors.Is(err, io.EOF) && !isReset(err) {
		t.Fatalf("expected close, got %v", err)
	}
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}

var spaces = regexp.MustCompile(`\s+`)

// norm collapses whitespace runs, the normalisation the spec's captured
// lines were made with.
func norm(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

// fdCount is the number of open file descriptors of this process.
func fdCount(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count fds: %v", err)
	}
	return len(ents)
}

// eventually polls cond for up to d.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

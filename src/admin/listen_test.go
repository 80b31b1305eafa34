package admin

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"testing"
)

func TestParseListen(t *testing.T) {
	for _, tc := range []struct {
		in, network, addr string
		err               bool
	}{
		{"none", "", "", false},
		{"", "", "", false},
		{"unix:///var/run/yggdrasil.sock", "unix", "/var/run/yggdrasil.sock", false},
		{"UNIX:///tmp/x.sock", "unix", "/tmp/x.sock", false},
		{"unix://@abstract", "unix", "@abstract", false},
		{"unix:///tmp/a b%zz", "unix", "/tmp/a b%zz", false}, // verbatim, not URL-decoded
		{"unix://relative.sock", "unix", "relative.sock", false},
		{"tcp://localhost:9001", "tcp", "localhost:9001", false},
		{"TCP://127.0.0.1:9001/", "tcp", "127.0.0.1:9001", false},
		{"tcp://[::1]:9001", "tcp", "[::1]:9001", false},
		{"tcp://:9001", "tcp", ":9001", false},
		{"tcp://", "", "", true},
		{"tcp://%zz", "", "", true},
		{"localhost:9001", "tcp", "localhost:9001", false},
		{"[::1]:9001", "tcp", "[::1]:9001", false},
		{"NONE", "tcp", "NONE", false}, // only lowercase none disables, as in v0.3.16
	} {
		n, a, err := parseListen(tc.in)
		if n != tc.network || a != tc.addr || (err != nil) != tc.err {
			t.Errorf("parseListen(%q) = %q %q %v", tc.in, n, a, err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "Admin socket failed to listen: ") {
			t.Errorf("parseListen(%q) error text %q", tc.in, err)
		}
	}
}

func ping(t *testing.T, s *Server) {
	t.Helper()
	c := newClient(t, s)
	c.send(t, `{"request":"list"}`)
	if got := norm(c.mustRead(t)); !strings.Contains(got, `"status": "success"`) {
		t.Fatal(got)
	}
}

func TestUnixSocket(t *testing.T) {
	s, lb := newServer(t)
	path := sockPath(t)
	if err := s.Start("unix://" + path); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != path {
		t.Fatalf("Addr %q", s.Addr())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&fs.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
		t.Fatalf("mode %v, want socket 0660", fi.Mode())
	}
	if !strings.Contains(lb.String(), "UNIX admin socket listening on "+path+"\n") {
		t.Fatalf("log: %s", lb.String())
	}
	ping(t, s)
	s.Stop()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("socket file left after Stop: %v", err)
	}
	s.Stop() // idempotent
}

// staleSocket leaves a socket file at path with nothing listening on it.
func staleSocket(t *testing.T, path string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatal(err)
	}
}

func TestUnixStaleReplaced(t *testing.T) {
	s, lb := newServer(t)
	path := sockPath(t)
	staleSocket(t, path)
	if err := s.Start("unix://" + path); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lb.String(), "Admin socket "+path+" was cleaned up") {
		t.Fatalf("log: %s", lb.String())
	}
	ping(t, s)
}

func TestUnixLiveRefused(t *testing.T) {
	path := sockPath(t)
	other, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	go func() { // the "other process": accepts and hangs up
		for {
			c, err := other.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()

	s, lb := newServer(t)
	err = s.Start("unix://" + path)
	want := fmt.Sprintf("Admin socket %s already exists and is in use by another process", path)
	if err == nil || err.Error() != want {
		t.Fatalf("Start: %v, want %s", err, want)
	}
	if !strings.Contains(lb.String(), want) {
		t.Fatalf("log: %s", lb.String())
	}
	s.Stop()
	// The other server's socket is untouched.
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("live socket damaged: %v", err)
	}
	c.Close()
}

func TestUnixNonSocketRefused(t *testing.T) {
	path := sockPath(t)
	if err := os.WriteFile(path, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := newServer(t)
	err := s.Start("unix://" + path)
	if err == nil || err.Error() != "Admin socket "+path+" already exists and is not a socket" {
		t.Fatalf("Start: %v", err)
	}
	s.Stop()
	if b, err := os.ReadFile(path); err != nil || string(b) != "precious" {
		t.Fatalf("file damaged: %q %v", b, err)
	}
}

func TestAbstractSocket(t *testing.T) {
	s, lb := newServer(t)
	name := fmt.Sprintf("@ygg-admin-test-%d", os.Getpid())
	if err := s.Start("unix://" + name); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != name || !strings.Contains(lb.String(), "UNIX admin socket listening on "+name) {
		t.Fatalf("Addr %q log %s", s.Addr(), lb.String())
	}
	ping(t, s)
	// A second server on the same abstract name fails to listen.
	s2, _ := newServer(t)
	if err := s2.Start("unix://" + name); err == nil || !strings.HasPrefix(err.Error(), "Admin socket failed to listen: ") {
		t.Fatalf("second Start: %v", err)
	}
}

func TestTCP(t *testing.T) {
	for _, listen := range []string{"tcp://127.0.0.1:0", "127.0.0.1:0", "tcp://localhost:0", "[::1]:0"} {
		t.Run(listen, func(t *testing.T) {
			s, lb := newServer(t)
			if err := s.Start(listen); err != nil {
				if strings.Contains(listen, "::1") {
					t.Skipf("no IPv6 loopback: %v", err)
				}
				t.Fatal(err)
			}
			host, _, err := net.SplitHostPort(s.Addr())
			if err != nil || !net.ParseIP(host).IsLoopback() {
				t.Fatalf("Addr %q", s.Addr())
			}
			if !strings.Contains(lb.String(), "TCP admin socket listening on "+s.Addr()+"\n") {
				t.Fatalf("log: %s", lb.String())
			}
			ping(t, s)
			ping(t, s)
		})
	}
}

func TestDisabledAndFailures(t *testing.T) {
	for _, listen := range []string{"none", ""} {
		s, lb := newServer(t)
		if err := s.Start(listen); err != nil || s.Addr() != "" || lb.String() != "" {
			t.Fatalf("%q: err %v addr %q log %q", listen, err, s.Addr(), lb.String())
		}
		s.Stop()
	}
	for _, listen := range []string{"tcp://", "bogus", "tcp://256.0.0.1:1", "unix:///nonexistent-dir/x/a.sock"} {
		s, lb := newServer(t)
		err := s.Start(listen)
		if err == nil || !strings.HasPrefix(err.Error(), "Admin socket failed to listen: ") {
			t.Fatalf("%q: %v", listen, err)
		}
		if !strings.Contains(lb.String(), err.Error()) {
			t.Fatalf("%q: not logged: %s", listen, lb.String())
		}
		s.Stop()
	}
	s, _ := newServer(t)
	startUnix(t, s)
	if err := s.Start("none"); err == nil {
		t.Fatal("second Start accepted")
	}
	s.Stop()
	if err := New(nil).Start("none"); err != nil {
		t.Fatal(err)
	}
	stopped := New(nil)
	stopped.Stop()
	if err := stopped.Start("none"); err == nil {
		t.Fatal("Start after Stop accepted")
	}
}

//go:build !windows && !plan9

package logging

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Syslog lines carry facility daemon, priority notice (<29>) and the tag.
func TestSyslogOutput(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skipf("no unix datagram sockets here: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	w, err := openSyslog("unixgram", sock, "yggtest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	New(w, LevelInfo).Infof("node started")
	buf := make([]byte, 2048)
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	n, _, err := conn.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	got := string(buf[:n])
	if !strings.HasPrefix(got, "<29>") || !strings.Contains(got, " yggtest[") || !strings.Contains(got, "node started") {
		t.Fatalf("syslog message %q", got)
	}
}

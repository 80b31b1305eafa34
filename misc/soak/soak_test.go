//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The crash scan finds each panic and fatal error with the lines after it,
// in any run of the log, and nothing in a clean log.
func TestScanLog(t *testing.T) {
	clean := "=== labtest: n0 start 1 ===\n2026/01/01 00:00:00 Starting up...\n2026/01/01 00:00:01 Connected TCP: 200::1@fd7a::1, source fd7a::2\n"
	crash := "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 7 [running]:\nmain.f()\n"
	fatal := "fatal error: concurrent map writes\n"
	path := filepath.Join(t.TempDir(), "n0.log")
	if err := os.WriteFile(path, []byte(clean+crash+clean+fatal), 0o600); err != nil {
		t.Fatal(err)
	}
	hits, err := scanLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || !strings.HasPrefix(hits[0], "panic: runtime error") ||
		!strings.Contains(hits[0], "goroutine 7 [running]:") || hits[1] != strings.TrimSuffix(fatal, "\n") {
		t.Fatalf("scanLog found %q", hits)
	}
	if err := os.WriteFile(path, []byte(clean+clean), 0o600); err != nil {
		t.Fatal(err)
	}
	if hits, err := scanLog(path); err != nil || len(hits) != 0 {
		t.Fatalf("scanLog of a clean log: %q, %v", hits, err)
	}
	if _, err := scanLog(filepath.Join(t.TempDir(), "missing.log")); err == nil {
		t.Fatal("scanLog of a missing log reported no error")
	}
}

// near names the restarts and latest flaps around a failure, counts the
// rest, and leaves out faults that were over well before it.
func TestEventsNear(t *testing.T) {
	var l eventLog
	t0 := time.Now()
	add := func(kind, what string, start, end time.Duration) {
		l.events = append(l.events, event{kind: kind, what: what, start: t0.Add(start), end: t0.Add(end)})
	}
	add("restart", "restart n1", 0, time.Second)
	for i := range 5 {
		add("flap", "flap "+string(rune('a'+i)), time.Duration(60+i)*time.Second, time.Duration(62+i)*time.Second)
	}
	add("reload", "reload n2", 70*time.Second, 71*time.Second)
	add("flap", "flap f", 115*time.Second, 0)
	l.events[len(l.events)-1].end = time.Time{} // still in progress

	got := l.near(t0.Add(65*time.Second), t0.Add(80*time.Second))
	want := "near: 5 flaps, the latest: flap c, flap d, flap e; 1 reloads"
	if got != want {
		t.Fatalf("near = %q, want %q", got, want)
	}
	if got := l.near(t0.Add(20*time.Second), t0.Add(25*time.Second)); got != "near: restart n1" {
		t.Fatalf("near a restart = %q", got)
	}
	if got := l.near(t0.Add(110*time.Second), t0.Add(120*time.Second)); got != "near: flap f" {
		t.Fatalf("near a flap in progress = %q", got)
	}
	if got := l.near(t0.Add(102*time.Second), t0.Add(108*time.Second)); got != "no fault within 30s" {
		t.Fatalf("near nothing = %q", got)
	}
}

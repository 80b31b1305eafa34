package main

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/logging/logbuf"
)

// With YGG_DEBUG_LISTEN set, a running node serves the goroutine profile
// there, says so in one log line, and closes the listener when it stops.
func TestDebugListenerServesGoroutineProfile(t *testing.T) {
	t.Setenv(debugListenEnv, "127.0.0.1:0")
	cfg, keys, _ := quietConfig(t)
	logs, done := runNodeInBackground(t, cfg, keys, "")

	m := regexp.MustCompile(`Debug listener \(pprof\) on (http://[^ ]+/debug/pprof/)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no debug listener line in the log:\n%s", logs)
	}
	url := m[1] + "goroutine?debug=1"
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(body), "\n")
	total, ok := strings.CutPrefix(first, "goroutine profile: total ")
	n, err := strconv.Atoi(total)
	if resp.StatusCode != http.StatusOK || !ok || err != nil || n < 1 {
		t.Fatalf("GET %s: status %d, first line %q", url, resp.StatusCode, first)
	}

	kill(t, syscall.SIGTERM)
	waitExit(t, done, logs)
	if resp, err := client.Get(url); err == nil {
		resp.Body.Close()
		t.Fatalf("the debug listener still answers after the node stopped")
	}
}

// An address that cannot be listened on stops the node at start-up with an
// error naming the variable.
func TestDebugListenerBadAddressFailsStart(t *testing.T) {
	t.Setenv(debugListenEnv, "127.0.0.1:notaport")
	cfg, keys, _ := quietConfig(t)
	logs := &logbuf.Buffer{}
	if code := runNode(cfg, keys, logging.New(logs, logging.LevelInfo), ""); code != 1 {
		t.Fatalf("exit code %d, want 1; log:\n%s", code, logs)
	}
	if !strings.Contains(logs.String(), debugListenEnv+`="127.0.0.1:notaport"`) || strings.Contains(logs.String(), "Startup complete") {
		t.Fatalf("want a start-up error naming %s and no start; log:\n%s", debugListenEnv, logs)
	}
}

// Without the variable nothing is opened and nothing is logged.
func TestDebugListenerOffByDefault(t *testing.T) {
	logs := &logbuf.Buffer{}
	stop, err := startDebugListener("", logging.New(logs, logging.LevelDebug))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if logs.String() != "" {
		t.Fatalf("logged %q with the listener off", logs)
	}
}

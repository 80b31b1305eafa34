package ctl

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fixedTime is the timestamp every diagnostic line gets in tests.
var fixedTime = time.Date(2026, 11, 22, 12, 30, 22, 0, time.Local)

func init() {
	now = func() time.Time { return fixedTime }
}

// readTestdata returns a file from testdata or fails the test.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// decode parses a JSON response the way the client does.
func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("bad test JSON: %v\n%s", err, data)
	}
	return m
}

// render runs printResponse on a JSON envelope and returns what it printed.
func render(t *testing.T, envelope string, opts outputOptions) (string, int) {
	t.Helper()
	var out bytes.Buffer
	status, err := printResponse(&out, decode(t, []byte(envelope)), opts)
	if err != nil {
		t.Fatalf("printResponse: %v", err)
	}
	return out.String(), status
}

// envelope wraps a response object for the named request in a success
// envelope, as the node sends it.
func envelope(request, response string) string {
	return `{"request":{"request":"` + request + `"},"response":` + response + `,"status":"success"}`
}

// diffText reports the first differing line of two texts, with trailing
// spaces made visible.
func diffText(t *testing.T, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := bytes.Split([]byte(got), []byte("\n")), bytes.Split([]byte(want), []byte("\n"))
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl []byte
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if !bytes.Equal(gl, wl) {
			t.Errorf("line %d differs\n got: %q\nwant: %q", i+1, gl, wl)
			return
		}
	}
	t.Errorf("texts differ\n got: %q\nwant: %q", got, want)
}

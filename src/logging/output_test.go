package logging

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenOutputStdout(t *testing.T) {
	var buf bytes.Buffer
	w, err := OpenOutput("stdout", "x", &buf)
	if err != nil {
		t.Fatal(err)
	}
	New(w, LevelInfo).Infof("hello")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(buf.String(), " hello\n") {
		t.Fatalf("got %q", buf.String())
	}
}

// A file destination is created 0644 and appended to, never truncated.
func TestOpenOutputFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.log")
	for _, msg := range []string{"first", "second"} {
		w, err := OpenOutput(path, "x", nil)
		if err != nil {
			t.Fatal(err)
		}
		New(w, LevelInfo).Infof("%s", msg)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], " first") || !strings.HasSuffix(lines[1], " second") {
		t.Fatalf("file holds %q", raw)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm&^0o644 != 0 {
		t.Fatalf("mode %v allows more than 0644", perm)
	}
	if _, err := OpenOutput(filepath.Join(t.TempDir(), "missing", "x.log"), "x", nil); err == nil {
		t.Fatal("opening a file in a missing directory should fail")
	}
}

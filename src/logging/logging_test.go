package logging

import (
	"bytes"
	"strings"
	"testing"
)

func TestLevels(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, LevelWarn)
	l.Errorf("e1")
	l.Warnf("w1")
	l.Infof("i1")
	l.Debugf("d1")
	l.Printf("p1")
	out := buf.String()
	for _, want := range []string{"e1", "w1", "p1"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in %q", want, out)
		}
	}
	for _, not := range []string{"i1", "d1"} {
		if strings.Contains(out, not) {
			t.Errorf("unexpected %s in %q", not, out)
		}
	}
	if lv, ok := ParseLevel("DEBUG"); !ok || lv != LevelDebug {
		t.Fatal("ParseLevel DEBUG")
	}
	if lv, ok := ParseLevel("loud"); ok || lv != LevelInfo {
		t.Fatal("ParseLevel unknown should be info")
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines[0]) < 20 || lines[0][4] != '/' {
		t.Fatalf("format %q", lines[0])
	}
}

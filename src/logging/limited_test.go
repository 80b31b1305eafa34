package logging

import (
	"strings"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/logging/logbuf"
)

func TestLimitedCapsLinesAndCountsTheRest(t *testing.T) {
	var buf logbuf.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lim := New(&buf, LevelInfo).Limited(2, 3, func() time.Time { return now })
	for range 100 {
		lim.Warnf("refused %s", "x")
	}
	if got := buf.Count("refused x"); got != 3 {
		t.Fatalf("%d lines written in a burst, want 3", got)
	}
	if lim.Suppressed() != 97 {
		t.Fatalf("suppressed %d, want 97", lim.Suppressed())
	}
	now = now.Add(time.Second)
	lim.Warnf("refused %s", "y")
	out := buf.String()
	if !strings.Contains(out, "refused y (97 similar lines left out)") {
		t.Fatalf("the next line should say how many were left out:\n%s", out)
	}
	if lim.Suppressed() != 0 {
		t.Fatal("count not reset")
	}
}

func TestLimitedLevelOffCountsNothing(t *testing.T) {
	var buf logbuf.Buffer
	lim := New(&buf, LevelWarn).Limited(1, 1, nil)
	for range 10 {
		lim.Debugf("hidden")
	}
	if buf.String() != "" || lim.Suppressed() != 0 {
		t.Fatalf("a disabled level wrote or counted: %q %d", buf.String(), lim.Suppressed())
	}
}

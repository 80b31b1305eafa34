package ratelimit

import (
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestBucketBurstThenRate(t *testing.T) {
	b := NewBucket(10, 5)
	got := 0
	for range 20 {
		if b.Allow(t0) {
			got++
		}
	}
	if got != 5 {
		t.Fatalf("burst: %d allowed at once, want 5", got)
	}
	// One second later exactly 10 more tokens have come, capped by the burst.
	got = 0
	for range 20 {
		if b.Allow(t0.Add(time.Second)) {
			got++
		}
	}
	if got != 5 {
		t.Fatalf("after 1 s: %d allowed, want the burst of 5", got)
	}
	if w := b.Wait(t0.Add(time.Second)); w < 100*time.Millisecond || w > 100*time.Millisecond+time.Microsecond {
		t.Fatalf("Wait = %v, want 100ms (rounded up)", w)
	}
	if !b.Allow(t0.Add(time.Second + 100*time.Millisecond)) {
		t.Fatal("a token should have come after 100 ms")
	}
}

func TestBucketClockBackwards(t *testing.T) {
	b := NewBucket(1, 1)
	if !b.Allow(t0) {
		t.Fatal("first")
	}
	if b.Allow(t0.Add(-time.Hour)) {
		t.Fatal("a clock going backwards must not earn tokens")
	}
	if !b.Allow(t0.Add(time.Second)) {
		t.Fatal("a second after the first token, one more")
	}
}

func TestZeroBucketAllowsNothing(t *testing.T) {
	var b Bucket
	if b.Allow(t0) || b.Allow(t0.Add(time.Hour)) {
		t.Fatal("zero bucket allowed")
	}
}

func TestTablePerKeyAndBounded(t *testing.T) {
	tab := NewTable(64, 1, 2, crand.Reader)
	// One key spends its own burst only.
	a := []byte("key-a")
	n := 0
	for range 10 {
		if tab.Allow(a, t0) {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("key a allowed %d, want 2", n)
	}
	// Many other keys still get tokens (some share slots, so fewer than all).
	allowed := 0
	for i := range 32 {
		if tab.Allow(fmt.Appendf(nil, "other-%d", i), t0) {
			allowed++
		}
	}
	if allowed < 16 {
		t.Fatalf("only %d of 32 other keys allowed", allowed)
	}
	if len(tab.buckets) != 64 {
		t.Fatalf("table grew to %d", len(tab.buckets))
	}
}

// After waiting exactly what Wait said, Allow succeeds: with a virtual
// clock a wait that is a rounding error short repeats at the same instant
// for ever (a peer's held switch message spun the simulator this way).
func TestWaitIsNeverShort(t *testing.T) {
	for _, rate := range []float64{2, 3, 7, 10, 1000, 0.3} {
		b := NewBucket(rate, 8)
		now := t0
		for i := range 10000 {
			if b.Allow(now) {
				continue
			}
			w := b.Wait(now)
			if w <= 0 {
				t.Fatalf("rate %v step %d: Wait %v while Allow fails", rate, i, w)
			}
			now = now.Add(w)
			if !b.Allow(now) {
				t.Fatalf("rate %v step %d: Allow fails after waiting %v", rate, i, w)
			}
			now = now.Add(time.Duration(i%7) * time.Millisecond / 3)
		}
	}
}

// The slots follow the key read from the random source: a seeded source
// gives the same table in every run (a simulation replays), another seed
// another one.
func TestTableKeyFromSource(t *testing.T) {
	pattern := func(seed byte) string {
		tab := NewTable(16, 1, 1, rand.NewChaCha8([32]byte{seed}))
		out := make([]byte, 0, 64)
		for i := range 64 {
			if tab.Allow([]byte(fmt.Sprint("key", i)), t0) {
				out = append(out, '1')
			} else {
				out = append(out, '0')
			}
		}
		return string(out)
	}
	if a, b := pattern(1), pattern(1); a != b {
		t.Fatalf("same seed, different slots:\n%s\n%s", a, b)
	}
	if a, b := pattern(1), pattern(2); a == b {
		t.Fatalf("different seeds, same slots: %s", a)
	}
}

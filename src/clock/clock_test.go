package clock

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestVirtualOrderAndStop(t *testing.T) {
	start := time.Unix(1000, 0)
	v := NewVirtual(start)
	var got []int
	var seen []time.Time
	v.AfterFunc(3*time.Second, func() { got = append(got, 3); seen = append(seen, v.Now()) })
	v.AfterFunc(1*time.Second, func() {
		got = append(got, 1)
		seen = append(seen, v.Now())
		v.AfterFunc(time.Second, func() { got = append(got, 2) }) // lands at 2 s, inside this Advance
	})
	stopped := v.AfterFunc(2500*time.Millisecond, func() { got = append(got, 99) })
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop should report pending exactly once")
	}
	v.Advance(5 * time.Second)
	if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Fatalf("order %v", got)
	}
	if !seen[0].Equal(start.Add(time.Second)) || !seen[1].Equal(start.Add(3*time.Second)) {
		t.Fatalf("callback times %v", seen)
	}
	if !v.Now().Equal(start.Add(5*time.Second)) || v.Pending() != 0 {
		t.Fatal("end state")
	}
}

// Many timers set and stopped at random fire in deadline order, equal
// deadlines in the order they were set, and stopped ones never.
func TestVirtualHeapOrder(t *testing.T) {
	start := time.Unix(0, 0)
	v := NewVirtual(start)
	rng := rand.New(rand.NewPCG(1, 2))
	type fired struct {
		at  time.Duration
		seq int
	}
	var got []fired
	var timers []Timer
	stopped := map[int]bool{}
	for i := range 5000 {
		d := time.Duration(rng.IntN(1000)) * time.Millisecond
		timers = append(timers, v.AfterFunc(d, func() { got = append(got, fired{v.Now().Sub(start), i}) }))
		if rng.IntN(4) == 0 {
			j := rng.IntN(len(timers))
			if timers[j].Stop() {
				stopped[j] = true
			}
		}
	}
	v.Advance(time.Second)
	if len(got) != 5000-len(stopped) {
		t.Fatalf("%d fired, want %d", len(got), 5000-len(stopped))
	}
	for k, f := range got {
		if stopped[f.seq] {
			t.Fatalf("stopped timer %d fired", f.seq)
		}
		if k > 0 {
			p := got[k-1]
			if f.at < p.at || (f.at == p.at && f.seq < p.seq) {
				t.Fatalf("timer %d at %v fired after %d at %v", f.seq, f.at, p.seq, p.at)
			}
		}
	}
}

package clock

import (
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

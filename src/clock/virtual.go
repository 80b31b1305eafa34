package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Virtual is a manually advanced clock for tests and simulation. Callbacks
// run synchronously inside Advance, in deadline order, each with Now set to
// its deadline.
type Virtual struct {
	mu    sync.Mutex
	now   time.Time
	seq   uint64
	queue timerHeap
}

// NewVirtual starts a virtual clock at t.
func NewVirtual(t time.Time) *Virtual { return &Virtual{now: t} }

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// AfterFunc schedules f at Now()+d.
func (v *Virtual) AfterFunc(d time.Duration, f func()) Timer {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seq++
	t := &virtualTimer{clock: v, at: v.now.Add(d), seq: v.seq, f: f, index: -1}
	heap.Push(&v.queue, t)
	return t
}

// Advance moves time forward by d, running every callback that falls due.
func (v *Virtual) Advance(d time.Duration) {
	v.mu.Lock()
	end := v.now.Add(d)
	for len(v.queue) > 0 && !v.queue[0].at.After(end) {
		t := heap.Pop(&v.queue).(*virtualTimer)
		if t.at.After(v.now) {
			v.now = t.at
		}
		v.mu.Unlock()
		t.f()
		v.mu.Lock()
	}
	v.now = end
	v.mu.Unlock()
}

// RunNext runs the earliest callback due at or before end, with Now moved
// to its deadline, and reports whether there was one. A driver that must do
// work between callbacks (the actor executor runs every behaviour they
// cause first) advances time with it one callback at a time.
func (v *Virtual) RunNext(end time.Time) bool {
	v.mu.Lock()
	if len(v.queue) == 0 || v.queue[0].at.After(end) {
		v.mu.Unlock()
		return false
	}
	t := heap.Pop(&v.queue).(*virtualTimer)
	if t.at.After(v.now) {
		v.now = t.at
	}
	v.mu.Unlock()
	t.f()
	return true
}

// NextAt is the deadline of the earliest pending callback.
func (v *Virtual) NextAt() (time.Time, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.queue) == 0 {
		return time.Time{}, false
	}
	return v.queue[0].at, true
}

// SetNow moves time forward to t without running callbacks; it never moves
// time back, nor past a pending callback's deadline.
func (v *Virtual) SetNow(t time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.queue) > 0 && v.queue[0].at.Before(t) {
		t = v.queue[0].at
	}
	if t.After(v.now) {
		v.now = t
	}
}

// Pending is the number of scheduled callbacks.
func (v *Virtual) Pending() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.queue)
}

type virtualTimer struct {
	clock *Virtual
	at    time.Time
	seq   uint64
	f     func()
	index int
}

func (t *virtualTimer) Stop() bool {
	v := t.clock
	v.mu.Lock()
	defer v.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&v.queue, t.index)
	return true
}

type timerHeap []*virtualTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*virtualTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}

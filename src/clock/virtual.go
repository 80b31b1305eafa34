package clock

import (
	"sync"
	"time"
)

// Virtual is a manually advanced clock for tests and simulation. Callbacks
// run synchronously inside Advance, in deadline order (equal deadlines in
// the order they were set), each with Now set to its deadline.
//
// Times are kept as nanoseconds since the start, and the callbacks in a
// binary heap of their own: a simulation of thousands of nodes keeps
// hundreds of thousands of timers, and comparing time.Time values through
// container/heap's interface was a tenth of its run time.
type Virtual struct {
	mu    sync.Mutex
	start time.Time
	now   int64 // since start
	seq   uint64
	queue []*virtualTimer
}

// NewVirtual starts a virtual clock at t.
func NewVirtual(t time.Time) *Virtual { return &Virtual{start: t} }

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.start.Add(time.Duration(v.now))
}

// AfterFunc schedules f at Now()+d.
func (v *Virtual) AfterFunc(d time.Duration, f func()) Timer {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seq++
	t := &virtualTimer{clock: v, at: v.now + int64(max(d, 0)), seq: v.seq, f: f}
	v.push(t)
	return t
}

func (v *Virtual) offset(t time.Time) int64 { return int64(t.Sub(v.start)) }

// Advance moves time forward by d, running every callback that falls due.
func (v *Virtual) Advance(d time.Duration) {
	v.mu.Lock()
	end := v.now + int64(d)
	v.mu.Unlock()
	for v.runNext(end) {
	}
	v.mu.Lock()
	if end > v.now {
		v.now = end
	}
	v.mu.Unlock()
}

// RunNext runs the earliest callback due at or before end, with Now moved
// to its deadline, and reports whether there was one. A driver that must do
// work between callbacks (the actor executor runs every behaviour they
// cause first) advances time with it one callback at a time.
func (v *Virtual) RunNext(end time.Time) bool { return v.runNext(v.offset(end)) }

func (v *Virtual) runNext(end int64) bool {
	v.mu.Lock()
	if len(v.queue) == 0 || v.queue[0].at > end {
		v.mu.Unlock()
		return false
	}
	t := v.pop()
	if t.at > v.now {
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
	return v.start.Add(time.Duration(v.queue[0].at)), true
}

// SetNow moves time forward to t without running callbacks; it never moves
// time back, nor past a pending callback's deadline.
func (v *Virtual) SetNow(t time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	at := v.offset(t)
	if len(v.queue) > 0 && v.queue[0].at < at {
		at = v.queue[0].at
	}
	if at > v.now {
		v.now = at
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
	at    int64
	seq   uint64
	f     func()
	index int // in the heap; -1 once fired or stopped
}

func (t *virtualTimer) Stop() bool {
	v := t.clock
	v.mu.Lock()
	defer v.mu.Unlock()
	if t.index < 0 {
		return false
	}
	v.remove(t.index)
	return true
}

// The heap: queue[0] is the earliest (deadline, then sequence).

func (t *virtualTimer) before(o *virtualTimer) bool {
	return t.at < o.at || (t.at == o.at && t.seq < o.seq)
}

func (v *Virtual) push(t *virtualTimer) {
	t.index = len(v.queue)
	v.queue = append(v.queue, t)
	v.up(t.index)
}

func (v *Virtual) pop() *virtualTimer { return v.remove(0) }

func (v *Virtual) remove(i int) *virtualTimer {
	q := v.queue
	t := q[i]
	last := len(q) - 1
	if i != last {
		q[i] = q[last]
		q[i].index = i
	}
	q[last] = nil
	v.queue = q[:last]
	if i < last {
		v.down(i)
		v.up(i)
	}
	t.index = -1
	return t
}

func (v *Virtual) up(i int) {
	q := v.queue
	for i > 0 {
		p := (i - 1) / 2
		if !q[i].before(q[p]) {
			return
		}
		q[i], q[p] = q[p], q[i]
		q[i].index, q[p].index = i, p
		i = p
	}
}

func (v *Virtual) down(i int) {
	q := v.queue
	for {
		l := 2*i + 1
		if l >= len(q) {
			return
		}
		m := l
		if r := l + 1; r < len(q) && q[r].before(q[l]) {
			m = r
		}
		if !q[m].before(q[i]) {
			return
		}
		q[i], q[m] = q[m], q[i]
		q[i].index, q[m].index = i, m
		i = m
	}
}

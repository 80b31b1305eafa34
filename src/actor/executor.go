package actor

// The executor is seed 000's single worker: one run queue of actors with
// pending behaviours, served in FIFO order, one goroutine (the driver's),
// and a virtual clock whose callbacks fire only when no behaviour is
// pending. Nothing here depends on goroutine scheduling, so a run is fixed
// by its inputs.
//
// Backpressure follows phony's rule, on the queue instead of on goroutines:
// a send to an actor holding more than the limit of pending behaviours puts
// a hold at the tail of the sender's own queue, for the send's position in
// the receiver's queue. When the sender reaches the hold before the
// receiver has run that far, the sender stops being scheduled (the worker
// goes on with other actors) until the receiver catches up. Because a hold
// sits behind everything the sender had already queued, and the two
// positions are taken at the same moment, holds can never wait on each
// other in a cycle.

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yggmesh/ygg/src/clock"
)

// DefaultLimit is the queue length past which a sender is held back.
const DefaultLimit = 64

// turn is how many behaviours an actor runs before the worker moves on to
// the next actor in the run queue; it only trades fairness for speed.
const turn = 32

type entry struct {
	f      func()
	target *Inbox // a hold: wait until target.done >= ticket
	ticket uint64
}

type hold struct {
	sender *Inbox
	ticket uint64
}

// Executor runs bound actors on one worker with a virtual clock. It is
// driven by one goroutine (the test's or the simulator's) through Block,
// RunUntilIdle, Advance and RunUntil; a condition passed to RunUntil may
// itself Block. Act may come from any goroutine and waits for the next
// drive.
type Executor struct {
	clock *clock.Virtual
	limit int

	mu   sync.Mutex
	runq []*Inbox
	rqHd int

	inBehaviour atomic.Bool // a behaviour or a timer callback is running
	events      atomic.Uint64
}

// NewExecutor makes an executor whose clock starts at start.
func NewExecutor(start time.Time) *Executor {
	return &Executor{clock: clock.NewVirtual(start), limit: DefaultLimit}
}

// SetLimit changes the backpressure limit (queue length; at least 1).
func (ex *Executor) SetLimit(n int) { ex.limit = max(n, 1) }

// Now is the virtual time.
func (ex *Executor) Now() time.Time { return ex.clock.Now() }

// AfterFunc schedules f on the worker d from now; f runs when no behaviour
// is pending and time reaches its deadline. f must not block; it may Act.
func (ex *Executor) AfterFunc(d time.Duration, f func()) clock.Timer {
	return ex.clock.AfterFunc(d, f)
}

// Events is the number of behaviours and timer callbacks run so far.
func (ex *Executor) Events() uint64 { return ex.events.Load() }

var _ clock.Clock = (*Executor)(nil)

func (ex *Executor) act(in *Inbox, from Actor, f func()) {
	ex.mu.Lock()
	in.q = append(in.q, entry{f: f})
	in.sent++
	if from != nil {
		if fi := from.inbox(); fi != in && fi.ex == ex && len(in.q)-in.head > ex.limit {
			fi.q = append(fi.q, entry{target: in, ticket: in.sent})
			fi.sent++
			ex._schedule(fi)
		}
	}
	ex._schedule(in)
	ex.mu.Unlock()
}

// _schedule puts in on the run queue if it has work and is not held.
func (ex *Executor) _schedule(in *Inbox) {
	if in.queued || in.waiting != nil || in.head == len(in.q) {
		return
	}
	in.queued = true
	ex.runq = append(ex.runq, in)
}

// step gives the first actor of the run queue its turn; false if none.
func (ex *Executor) step() bool {
	ex.mu.Lock()
	if ex.rqHd == len(ex.runq) {
		ex.runq, ex.rqHd = ex.runq[:0], 0
		ex.mu.Unlock()
		return false
	}
	in := ex.runq[ex.rqHd]
	ex.runq[ex.rqHd] = nil
	ex.rqHd++
	for n := 0; n < turn && in.head < len(in.q); n++ {
		e := in.q[in.head]
		in.q[in.head] = entry{}
		in.head++
		if e.target != nil {
			in.done++
			ex._release(in)
			if e.target.done < e.ticket {
				in.waiting, in.ticket = e.target, e.ticket
				e.target.holders = append(e.target.holders, hold{in, e.ticket})
				break
			}
			continue
		}
		ex.mu.Unlock()
		ex.inBehaviour.Store(true)
		e.f()
		ex.inBehaviour.Store(false)
		ex.events.Add(1)
		ex.mu.Lock()
		in.done++
		ex._release(in)
	}
	if in.head == len(in.q) {
		in.q, in.head = in.q[:0], 0
	} else if in.head > 1024 && in.head*2 > len(in.q) {
		in.q = in.q[:copy(in.q, in.q[in.head:])]
		in.head = 0
	}
	in.queued = false
	ex._schedule(in)
	ex.mu.Unlock()
	return true
}

// _release lets go of the senders in's progress has caught up with.
func (ex *Executor) _release(in *Inbox) {
	for in.holdFront < len(in.holders) {
		h := in.holders[in.holdFront]
		if h.ticket > in.done {
			break
		}
		in.holders[in.holdFront] = hold{}
		in.holdFront++
		h.sender.waiting = nil
		ex._schedule(h.sender)
	}
	if in.holdFront == len(in.holders) {
		in.holders, in.holdFront = in.holders[:0], 0
	}
}

// checkDriver refuses to drive from inside a behaviour: the worker would
// wait for itself.
func (ex *Executor) checkDriver(what string) {
	if ex.inBehaviour.Load() {
		panic("actor: " + what + " called from inside a behaviour or timer callback")
	}
}

// RunUntilIdle runs behaviours until none is pending. Time does not move.
func (ex *Executor) RunUntilIdle() {
	ex.checkDriver("RunUntilIdle")
	ex.runIdle()
}

func (ex *Executor) runIdle() {
	for ex.step() {
	}
}

func (ex *Executor) block(in *Inbox, f func()) {
	ex.checkDriver("Block")
	finished := false
	ex.act(in, nil, func() { f(); finished = true })
	for !finished {
		if !ex.step() {
			panic(fmt.Sprintf("actor: Block can never finish: its actor is held (%d of %d behaviours done)", in.done, in.sent))
		}
	}
}

// Advance runs the system for d of virtual time: every behaviour pending,
// then each timer callback that falls due (with the clock at its deadline)
// followed by every behaviour it causes, and leaves the clock at now+d.
func (ex *Executor) Advance(d time.Duration) {
	ex.checkDriver("Advance")
	end := ex.clock.Now().Add(d)
	ex.runIdle()
	for ex.fire(end) {
		ex.runIdle()
	}
	ex.clock.SetNow(end)
}

// fire runs the next timer callback due by end.
func (ex *Executor) fire(end time.Time) bool {
	ex.inBehaviour.Store(true)
	ran := ex.clock.RunNext(end)
	ex.inBehaviour.Store(false)
	if ran {
		ex.events.Add(1)
	}
	return ran
}

// RunUntil advances time event by event until cond holds (checked whenever
// no behaviour is pending) or max of virtual time has passed. It reports
// whether cond held; the clock stays where cond first held.
func (ex *Executor) RunUntil(max time.Duration, cond func() bool) bool {
	ex.checkDriver("RunUntil")
	end := ex.clock.Now().Add(max)
	for {
		ex.runIdle()
		if cond() {
			return true
		}
		if !ex.fire(end) {
			ex.clock.SetNow(end)
			return cond()
		}
	}
}

// NextTimer is the deadline of the earliest pending timer callback.
func (ex *Executor) NextTimer() (time.Time, bool) { return ex.clock.NextAt() }

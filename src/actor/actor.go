// Package actor is the project's actor runtime seam. Every actor embeds an
// Inbox; its behaviours are closures sent with Act and run one at a time.
//
// An Inbox runs on one of two runtimes, chosen when the actor is made:
//
//   - unbound (the zero Inbox): upstream phony. Each busy actor runs on its
//     own goroutine; a sender to a busy actor is held back by phony. This is
//     production.
//   - bound to an Executor (Bind): every behaviour of every bound actor runs
//     on one worker, in an order fixed by the order of the sends, and time
//     is virtual and advances only when no behaviour is pending. This is for
//     tests and the simulator: the same inputs give the same run.
//
// The code of an actor is the same on both; only its constructor binds it.
package actor

import "github.com/Arceliar/phony"

// Actor is anything with an Inbox: it can be sent behaviours, and it can be
// the sender that a slow receiver holds back.
type Actor interface {
	// Act queues f to run inside the actor. from is the sending actor (nil
	// for non-actor code, a reply, or a send to oneself): if the receiver
	// is flooded, from is held back until the receiver has caught up.
	Act(from Actor, f func())
	inbox() *Inbox
}

// Inbox is the queue of an actor's pending behaviours. Embed it in the
// struct whose fields the actor owns. It must not be copied after first use.
type Inbox struct {
	ph phony.Inbox
	ex *Executor // nil: phony

	// Executor state, guarded by ex.mu.
	q         []entry
	head      int
	queued    bool   // in the executor's run queue, or running
	waiting   *Inbox // held until waiting.done reaches ticket
	ticket    uint64
	sent      uint64 // behaviours ever queued here
	done      uint64 // behaviours ever finished here
	holders   []hold // senders waiting for done to reach their ticket
	holdFront int
}

// Bind puts the actor on ex's single worker. Call it before the actor's
// first Act; a nil ex leaves it on phony.
func (in *Inbox) Bind(ex *Executor) { in.ex = ex }

// Executor is the executor the actor is bound to (nil on phony).
func (in *Inbox) Executor() *Executor { return in.ex }

func (in *Inbox) inbox() *Inbox { return in }

// Act queues f; see Actor.
func (in *Inbox) Act(from Actor, f func()) {
	if f == nil {
		panic("actor: nil behaviour")
	}
	if in.ex != nil {
		in.ex.act(in, from, f)
		return
	}
	var pf phony.Actor
	if from != nil {
		if fi := from.inbox(); fi.ex == nil {
			pf = &fi.ph
		}
	}
	in.ph.Act(pf, f)
}

// Block runs f inside a and waits for it. Only non-actor code may call it
// (tests, the admin socket's request handlers, main): an actor that blocks
// on another can deadlock, and on an executor a Block from inside a
// behaviour panics.
func Block(a Actor, f func()) {
	in := a.inbox()
	if in.ex != nil {
		in.ex.block(in, f)
		return
	}
	phony.Block(&in.ph, f)
}

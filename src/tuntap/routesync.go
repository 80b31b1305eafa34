package tuntap

// The route syncer: a small actor that owns the kernel routes of crypto-key
// routing (routes_linux.go) and whose one behaviour, _sync, does their
// blocking rtnetlink I/O. It is kept apart from the adapter because every
// packet between the TUN and the sessions passes through the adapter: a
// slow or lost netlink answer may hold up route changes, never traffic.
//
// The adapter hands over each newly published CKR table with publish,
// which never waits. The hand-over slot holds only the newest table, and at
// most one _sync waits in the inbox, so a burst of changes while a sync
// runs costs one more sync, with the newest table. Stop (non-actor code)
// skips the syncs still waiting, waits for the running one and closes the
// backend after it.

import (
	"sync/atomic"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/ckr"
	"github.com/yggmesh/ygg/src/logging"
)

// routeBackend puts the routes of a CKR table into the system. Its methods
// may block; only the route syncer calls them, one at a time.
type routeBackend interface {
	// sync makes the installed routes those of t.
	sync(t *ckr.Table) error
	// close releases the backend; no sync follows it.
	close()
}

type routeSyncer struct {
	actor.Inbox
	backend routeBackend // owned by the actor
	closed  bool         // owned by the actor
	log     *logging.Logger
	name    string // the interface, for log lines

	// The hand-over slot between the adapter and the actor.
	newest   atomic.Pointer[ckr.Table] // the table to sync next; nil once taken
	queued   atomic.Bool               // a _sync is in the inbox and has not started
	stopping atomic.Bool               // set by stop: syncs still waiting are skipped
}

func newRouteSyncer(b routeBackend, name string, log *logging.Logger) *routeSyncer {
	return &routeSyncer{backend: b, name: name, log: log}
}

// publish makes t the next table to sync. It never blocks, so the adapter
// calls it from its behaviours.
func (s *routeSyncer) publish(t *ckr.Table) {
	s.newest.Store(t)
	if s.queued.CompareAndSwap(false, true) {
		s.Act(nil, s._sync)
	}
}

// _sync brings the backend in step with the newest table. Clearing queued
// before taking the table means a table published meanwhile is either taken
// here or queues one more _sync, never lost.
func (s *routeSyncer) _sync() {
	s.queued.Store(false)
	t := s.newest.Swap(nil)
	if t == nil || s.stopping.Load() {
		return
	}
	if err := s.backend.sync(t); err != nil {
		s.log.Errorf("Tunnel routes on %s: %v", s.name, err)
	}
}

// wait returns once every table published before the call is synced (or
// skipped by stop). Only for non-actor code.
func (s *routeSyncer) wait() { actor.Block(s, func() {}) }

// stop skips the syncs still waiting, waits for the running one, then
// closes the backend. Only for non-actor code; it may be called again.
func (s *routeSyncer) stop() {
	s.stopping.Store(true)
	actor.Block(s, s._close)
}

func (s *routeSyncer) _close() {
	if !s.closed {
		s.closed = true
		s.backend.close()
	}
}

package admin

import (
	"net"
	"time"
)

// The connection table: at most maxConns connections are served at once.
// The accept goroutine admits a new connection into a free slot; when none
// is free it makes one by evicting the connection the server has been
// waiting on longest, so clients that hold slots without using them cannot
// lock a real client out. Only the accept goroutine evicts; each
// connection's own goroutine moves it from phase to phase and frees its
// slot when it ends. All of it is guarded by Server.mu.

// phase is what the server is doing with a connection; it decides whether
// the connection may be evicted.
type phase int

const (
	// phaseReading: waiting for the client's next request (or the rest of
	// it). Evictable: the client is making the server wait.
	phaseReading phase = iota
	// phaseRunning: a request was read and its handler is running. Never
	// evicted: the client is owed an answer.
	phaseRunning
	// phaseWriting: sending a reply. Evictable only once a chunk of it
	// (writeChunk) has waited stallGrace for the client to take it: a
	// client reading its answer is being served.
	phaseWriting
	// phaseClosing: the last reply is sent and the server only drains the
	// client's leftover input before closing. Evicted before any other.
	phaseClosing
)

// tracked is the server's record of one connection.
type tracked struct {
	c       net.Conn // nil for a session not served from a listener (fuzzing)
	phase   phase
	since   time.Time // when the server began waiting on the client in this phase
	evicted bool      // closed to make room; its goroutine is finishing
}

// Stats are the server's counters, for metrics.
type Stats struct {
	Conns     int    // connections being served now
	Evictions uint64 // connections closed to make room for a new one
	Rejected  uint64 // requests refused for their size or nesting depth
}

// Stats returns the current counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Conns: len(s.conns), Evictions: s.evictions, Rejected: s.rejected}
}

// admit waits until c can have a slot, evicting to make one, and records
// it. False if the server stopped first.
func (s *Server) admit(c net.Conn) (*tracked, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.stopped {
			return nil, false
		}
		if len(s.conns) < s.maxConns {
			t := &tracked{c: c, phase: phaseReading, since: time.Now()}
			s.conns[c] = t
			s.waiting = false
			s.wg.Add(1)
			return t, true
		}
		s.evictOne()
		// Wait for a slot to free or a connection to become evictable; a
		// stalled writer becomes evictable with time alone, hence the timer.
		s.waiting = true
		s.mu.Unlock()
		select {
		case <-s.changed:
		case <-s.quit:
		case <-time.After(max(s.stallGrace/2, 10*time.Millisecond)):
		}
		s.mu.Lock()
	}
}

// evictOne closes the evictable connection the server has waited on
// longest, unless a slot is already about to free.
func (s *Server) evictOne() {
	if s.slotComing() {
		return
	}
	now := time.Now()
	var victim *tracked
	for _, t := range s.conns {
		if s.evictable(t, now) && (victim == nil || waitedLonger(t, victim)) {
			victim = t
		}
	}
	if victim == nil {
		return
	}
	victim.evicted = true
	victim.c.Close()
	s.evictions++
	s.evictLog.Debugf("Admin socket has all %d connections in use: closed the one waited on longest (%v) for a new client",
		s.maxConns, now.Sub(victim.since).Round(time.Millisecond))
}

// slotComing reports whether a connection is already on its way out.
func (s *Server) slotComing() bool {
	for _, t := range s.conns {
		if t.evicted {
			return true
		}
	}
	return false
}

func (s *Server) evictable(t *tracked, now time.Time) bool {
	switch t.phase {
	case phaseReading, phaseClosing:
		return true
	case phaseWriting:
		return now.Sub(t.since) >= s.stallGrace
	}
	return false
}

// waitedLonger orders eviction candidates: draining connections first,
// then the one the server has waited on longest.
func waitedLonger(a, b *tracked) bool {
	if (a.phase == phaseClosing) != (b.phase == phaseClosing) {
		return a.phase == phaseClosing
	}
	return a.since.Before(b.since)
}

// enter moves t to phase p; false if t was evicted, and the caller should
// give up on the connection.
func (s *Server) enter(t *tracked, p phase) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.evicted {
		return false
	}
	t.phase, t.since = p, time.Now()
	if p != phaseRunning {
		s.notify()
	}
	return true
}

// yieldSlot decides whether keepalive connection t, just answered, should
// close rather than wait for another request: yes when a new client is
// waiting for a slot and none is about to free. t then enters
// phaseClosing, so admit evicts it at once. Without this a client keeping
// every connection busy with back-to-back requests would never leave an
// idle moment in which one could be evicted.
func (s *Server) yieldSlot(t *tracked) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.waiting || s.slotComing() {
		return false
	}
	for _, u := range s.conns {
		if u.phase == phaseClosing {
			return false
		}
	}
	t.phase, t.since = phaseClosing, time.Now()
	s.notify()
	return true
}

// release frees c's slot.
func (s *Server) release(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.notify()
	s.mu.Unlock()
	s.wg.Done()
}

// notify wakes admit if it is waiting; s.mu is held.
func (s *Server) notify() {
	if !s.waiting {
		return
	}
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

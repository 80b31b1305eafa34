//go:build linux

package main

// The transfer streams: each repeats TCP transfers of -mib MiB from one
// node's TUN address to another's over the overlay until -duration has
// passed. A transfer that fails is tried again with the same payload until
// it completes or -recover has passed since its first attempt; then it is
// lost. A transfer whose two ends finished with other bytes than were sent
// is a mismatch and is not retried: the data was damaged.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/yggmesh/ygg/src/labtest"
)

// retryPause is the wait between attempts of one transfer.
const retryPause = 2 * time.Second

// slowAttempt is how long a successful attempt may take before it is shown
// with the faults near it: at the default size an unhurt one takes about
// half a second on a small machine.
const slowAttempt = 15 * time.Second

// maxErrText bounds how much of a helper's error a line shows.
const maxErrText = 240

// stream is a sender and a receiver. Streams never share a receiver: the
// transfer sink listens on a fixed port.
type stream struct {
	index    int
	from, to *member
}

// streams returns stream i from node i to node i+2 (two hops apart).
func (s *soak) streams() []stream {
	var out []stream
	for i := range s.opts.streams {
		out = append(out, stream{index: i, from: s.members[i], to: s.members[(i+2)%meshSize]})
	}
	return out
}

// runStream runs transfers one after another until the deadline or ctx
// ends; the transfer in flight at the deadline still finishes.
func (s *soak) runStream(ctx context.Context, st stream, deadline time.Time) {
	for k := 0; ctx.Err() == nil && time.Now().Before(deadline); k++ {
		s.transfer(ctx, st, k)
	}
}

// transfer moves payload k of a stream, retrying as the file comment says.
func (s *soak) transfer(ctx context.Context, st stream, k int) {
	size := int64(s.opts.mib) << 20
	// A different payload for each transfer, so a stale copy of an
	// earlier one can never pass the check.
	seed := s.opts.seed ^ uint64(st.index)<<56 ^ uint64(k)<<1
	first := time.Now()
	giveUp := first.Add(s.opts.recoverWithin)
	for attempt := 1; ; attempt++ {
		timeout := min(s.opts.attemptTimeout, max(time.Until(giveUp), 10*time.Second))
		start := time.Now()
		res, err := labtest.TransferContext(ctx, st.from.Node, st.to.Node, st.to.Addr.String(), size, seed, timeout)
		end := time.Now()
		switch {
		case ctx.Err() != nil:
			return // interrupted: neither a success nor a failure
		case err == nil:
			s.tally.completed(st.index, attempt, size, res.Elapsed)
			if res.Elapsed > slowAttempt {
				s.out.logf("%s #%d was slow: %v [%s]", st, k, res.Elapsed.Round(100*time.Millisecond), s.events.near(start, end))
			}
			if attempt > 1 {
				s.out.logf("%s #%d recovered at attempt %d, %v after its first", st, k, attempt, end.Sub(first).Round(time.Second))
			}
			return
		case errors.Is(err, labtest.ErrTransferMismatch):
			s.tally.mismatched(st.index)
			s.out.logf("MISMATCH %s #%d: %v", st, k, err)
			return
		}
		s.tally.failedAttempt(st.index)
		s.out.logf("%s #%d attempt %d failed after %v: %s [%s]", st, k, attempt,
			end.Sub(start).Round(100*time.Millisecond), shorten(err.Error()), s.events.near(start, end))
		if !end.Before(giveUp) {
			s.tally.lostOne(st.index)
			s.out.logf("LOST %s #%d: no complete transfer within %v of the first attempt", st, k, s.opts.recoverWithin)
			return
		}
		if !sleepCtx(ctx, retryPause) {
			return
		}
	}
}

func (st stream) String() string { return "transfer " + st.from.Name + "->" + st.to.Name }

// shorten puts an error on one line and bounds its length.
func shorten(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > maxErrText {
		text = text[:maxErrText] + "..."
	}
	return text
}

// tally counts the transfers; safe for concurrent use.
type tally struct {
	mu        sync.Mutex
	perStream [meshSize]streamCounts
	bytes     int64
	durations []time.Duration // of the successful attempts
}

type streamCounts struct {
	done, retried, failedAttempts, lost, mismatched int
}

func (t *tally) completed(stream, attempt int, size int64, took time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &t.perStream[stream]
	c.done++
	if attempt > 1 {
		c.retried++
	}
	t.bytes += size
	t.durations = append(t.durations, took)
}

func (t *tally) failedAttempt(stream int) {
	t.update(stream, func(c *streamCounts) { c.failedAttempts++ })
}
func (t *tally) lostOne(stream int)    { t.update(stream, func(c *streamCounts) { c.lost++ }) }
func (t *tally) mismatched(stream int) { t.update(stream, func(c *streamCounts) { c.mismatched++ }) }

func (t *tally) update(stream int, f func(*streamCounts)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f(&t.perStream[stream])
}

// totals are the counts over all streams.
type totals struct {
	streamCounts
	bytes             int64
	median, slowest   time.Duration
	durationsMeasured int
}

func (t *tally) totals() totals {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out totals
	for _, c := range t.perStream {
		out.done += c.done
		out.retried += c.retried
		out.failedAttempts += c.failedAttempts
		out.lost += c.lost
		out.mismatched += c.mismatched
	}
	out.bytes = t.bytes
	if n := len(t.durations); n > 0 {
		d := slices.Sorted(slices.Values(t.durations))
		out.median, out.slowest, out.durationsMeasured = d[n/2], d[n-1], n
	}
	return out
}

// streamCounts returns the counts of one stream.
func (t *tally) streamCounts(stream int) streamCounts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.perStream[stream]
}

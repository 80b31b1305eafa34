//go:build linux

package main

// Reachability probes: next to each transfer stream, ping(8) runs in the
// sender's namespace to the receiver's overlay address for the whole run,
// five times a second. The longest silences between replies tell how long
// the overlay itself was broken, apart from TCP's retransmission back-off,
// which can stretch a short outage into a much longer transfer stall.

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

const (
	// probeInterval is ping's -i.
	probeInterval = "0.2"
	// reportSilence is the shortest silence that is shown as it ends.
	reportSilence = 5 * time.Second
	// pingRestartPause is the wait before starting ping again after it
	// exited, as it does when the sender has no route (its TUN is gone
	// during a restart).
	pingRestartPause = time.Second
)

// probeStats are one probe's findings; safe for concurrent use.
type probeStats struct {
	mu        sync.Mutex
	longest   time.Duration // the longest silence between two replies
	longestAt time.Time     // when it began
	long      int           // silences of reportSilence or more
}

// probe pings st's receiver until ctx ends, recording silences.
func (s *soak) probe(ctx context.Context, st stream) {
	last := time.Now() // the latest reply, or the start
	for {
		last = s.pingOnce(ctx, st, last)
		if !sleepCtx(ctx, pingRestartPause) {
			break
		}
	}
	s.silence(st, last, time.Now()) // one still going on at the end counts too
}

// pingOnce runs ping until it exits or ctx ends, and returns the time of
// the latest reply.
func (s *soak) pingOnce(ctx context.Context, st stream, last time.Time) time.Time {
	cmd := st.from.NS.Command(ctx, "ping", "-6", "-n", "-i", probeInterval, st.to.Addr.String())
	out, err := cmd.StdoutPipe()
	if err != nil {
		return last
	}
	if err := cmd.Start(); err != nil {
		return last
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if strings.Contains(lines.Text(), " bytes from ") {
			now := time.Now()
			s.silence(st, last, now)
			last = now
		}
	}
	_ = cmd.Wait()
	return last
}

// silence records the time between two replies (or the start and a reply)
// and shows it if it was long.
func (s *soak) silence(st stream, from, to time.Time) {
	d := to.Sub(from)
	p := &s.probes[st.index]
	p.mu.Lock()
	if d > p.longest {
		p.longest, p.longestAt = d, from
	}
	long := d >= reportSilence
	if long {
		p.long++
	}
	p.mu.Unlock()
	if long {
		s.out.logf("probe %s->%s: no ping reply for %v from %s [%s]", st.from.Name, st.to.Name,
			d.Round(100*time.Millisecond), runTime(from.Sub(s.started)), s.events.near(from, to))
	}
}

// probeSummary describes a probe's findings in one phrase.
func (s *soak) probeSummary(st stream) string {
	p := &s.probes[st.index]
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprintf("%s->%s longest ping silence %v from %s, %d of %v or more", st.from.Name, st.to.Name,
		p.longest.Round(100*time.Millisecond), runTime(p.longestAt.Sub(s.started)), p.long, reportSilence)
}

//go:build linux

package main

// What the soak prints: the per-node figures once a period, the scan of
// the node logs for panics and fatal errors, and the summary with the exit
// code.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/yggmesh/ygg/src/labtest"
)

// printer serialises output lines from the goroutines of the run.
type printer struct {
	mu    sync.Mutex
	w     io.Writer
	since time.Time // logf stamps lines with the time since; zero before the run
}

func newPrinter(w io.Writer) *printer { return &printer{w: w} }

func (p *printer) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
}

// logf prints one line stamped with the run time.
func (p *printer) logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "[%7s] %s\n", runTime(time.Since(p.since)), fmt.Sprintf(format, args...))
}

// runTime prints a duration as minutes and seconds, e.g. 12m05s.
func runTime(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// statSeries keeps the samples of the node's current process: the first
// one, the latest and the peaks.
type statSeries struct {
	first, last, peak labtest.Stats
	samples           int
}

func (ss *statSeries) add(st labtest.Stats) {
	if st.PID != ss.first.PID {
		*ss = statSeries{first: st, peak: st}
	}
	ss.last = st
	ss.samples++
	ss.peak.Goroutines = max(ss.peak.Goroutines, st.Goroutines)
	ss.peak.RSSKiB = max(ss.peak.RSSKiB, st.RSSKiB)
	ss.peak.FDs = max(ss.peak.FDs, st.FDs)
}

// reporter prints the figures every -report until the context until ends.
// A report under way then still completes: its queries end only with run.
// A ticker keeps the cadence however long a report takes to gather.
func (s *soak) reporter(until, run context.Context) {
	tick := time.NewTicker(s.opts.reportEvery)
	defer tick.Stop()
	for {
		select {
		case <-until.Done():
			return
		case <-tick.C:
			s.report(run, "")
		}
	}
}

// report prints the transfer tallies and one line per node.
func (s *soak) report(ctx context.Context, label string) {
	t := s.tally.totals()
	var b strings.Builder
	fmt.Fprintf(&b, "[%7s] %stransfers: %d done (%d after a retry), %d failed attempts, %d lost, %d mismatched, %s verified; faults: %d flaps, %d restarts, %d reloads; node errors %d\n",
		runTime(time.Since(s.started)), prefix(label), t.done, t.retried, t.failedAttempts, t.lost, t.mismatched, mib(t.bytes),
		s.faults.flaps.Load(), s.faults.restarts.Load(), s.faults.reloads.Load(), len(s.errs.list()))
	var probes []string
	for _, st := range s.streams() {
		probes = append(probes, s.probeSummary(st))
	}
	fmt.Fprintf(&b, "          probes: %s\n", strings.Join(probes, "; "))
	for _, m := range s.members {
		st, err := m.Stats(ctx, debugAddr)
		if err == nil { // a sample with a figure missing would spoil the trend
			m.stats.add(st)
		}
		fmt.Fprintf(&b, "          %-3s %s  starts %d", m.Name, formatStats(st), m.starts.Load())
		if err != nil {
			fmt.Fprintf(&b, "  (%s)", shorten(err.Error()))
		}
		b.WriteString("\n")
	}
	s.out.printf("%s", b.String())
}

func prefix(label string) string {
	if label == "" {
		return ""
	}
	return label + ": "
}

// formatStats prints one sample; figures that could not be read show as ?.
func formatStats(st labtest.Stats) string {
	if st.PID == 0 {
		return fmt.Sprintf("%-46s", "down")
	}
	g := "?"
	if st.Goroutines >= 0 {
		g = fmt.Sprint(st.Goroutines)
	}
	return fmt.Sprintf("pid %-7d goroutines %4s  rss %9s  fds %4d", st.PID, g, mib(st.RSSKiB<<10), st.FDs)
}

func mib(bytes int64) string { return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20)) }

// crashMarkers are what a Go program prints when it dies of a panic or a
// fatal runtime error.
var crashMarkers = []string{"panic:", "fatal error:"}

// maxCrashLines bounds how much of each crash the scan prints.
const maxCrashLines = 12

// scanLogs looks through every node's whole log (all its runs) for crash
// markers, prints each hit with the lines after it, and returns how many
// it found.
func (s *soak) scanLogs() int {
	found := 0
	for _, m := range s.members {
		hits, err := scanLog(m.LogPath)
		if err != nil {
			s.out.printf("soak: reading the log of %s: %v\n", m.Name, err)
			found++ // an unreadable log cannot be declared clean
			continue
		}
		for _, h := range hits {
			s.out.printf("CRASH in the log of %s (%s):\n%s\n", m.Name, m.LogPath, h)
		}
		found += len(hits)
	}
	return found
}

// scanLog returns each crash in a log: the marker line and up to
// maxCrashLines lines after it.
func scanLog(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var hits []string
	var current []string // the crash being collected, if any
	lines := bufio.NewScanner(f)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	flush := func() {
		if len(current) > 0 {
			hits = append(hits, strings.Join(current, "\n"))
			current = nil
		}
	}
	for lines.Scan() {
		line := lines.Text()
		switch {
		case containsAny(line, crashMarkers):
			flush()
			current = []string{line}
		case len(current) > 0 && len(current) < maxCrashLines:
			current = append(current, line)
		default:
			flush()
		}
	}
	flush()
	return hits, lines.Err()
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// summary prints the end of run report and returns the exit code. The
// faults stopped at deadline, or before it on an interrupt.
func (s *soak) summary(deadline time.Time, crashes int, interrupted bool) int {
	t := s.tally.totals()
	p := s.out.printf
	faultsEnd := deadline
	if s.ended.Before(deadline) {
		faultsEnd = s.ended
	}
	p("\n=== soak summary: %v of traffic and faults, then %v to finish the transfers in flight (seed %d) ===\n",
		faultsEnd.Sub(s.started).Round(time.Second), s.ended.Sub(faultsEnd).Round(time.Second), s.opts.seed)
	p("transfers: %d completed, %d of them only after a retry (cut by a fault and recovered); %d lost (no complete transfer within %v); %d mismatched (wrong bytes or SHA-256)\n",
		t.done, t.retried, t.lost, s.opts.recoverWithin, t.mismatched)
	p("           %s verified end to end, bytes and SHA-256 on both ends; %d failed attempts", mib(t.bytes), t.failedAttempts)
	if t.durationsMeasured > 0 {
		p("; successful attempts took %v median, %v at most", t.median.Round(time.Millisecond), t.slowest.Round(time.Millisecond))
	}
	p("\n")
	for _, st := range s.streams() {
		c := s.tally.streamCounts(st.index)
		p("  stream %d %s->%s: %d done, %d retried, %d failed attempts, %d lost, %d mismatched\n",
			st.index, st.from.Name, st.to.Name, c.done, c.retried, c.failedAttempts, c.lost, c.mismatched)
		p("    probe %s\n", s.probeSummary(st))
	}
	p("faults: %d link flaps, %d node restarts, %d SIGHUP reloads\n",
		s.faults.flaps.Load(), s.faults.restarts.Load(), s.faults.reloads.Load())
	p("nodes (samples of the process running at the end: first -> last, peak):\n")
	for _, m := range s.members {
		p("  %s\n", m.trend())
	}
	if crashes == 0 {
		p("node logs: no %q in any of the %d logs\n", crashMarkers, len(s.members))
	}
	nodeErrs, harnessErrs := s.errs.list(), s.harness.list()
	for _, e := range nodeErrs {
		p("node error: %s\n", e)
	}
	for _, e := range harnessErrs {
		p("fault injection error: %s\n", e)
	}

	var failed []string
	add := func(n int, what string) {
		if n > 0 {
			failed = append(failed, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(crashes, "crashes in node logs")
	add(t.mismatched, "mismatched transfers")
	add(t.lost, "lost transfers")
	add(len(nodeErrs), "node errors")
	add(len(harnessErrs), "fault injection errors")
	switch {
	case len(failed) > 0:
		p("result: FAIL: %s\n", strings.Join(failed, ", "))
		return 1
	case interrupted:
		p("result: INTERRUPTED, no failure seen until then\n")
		return exitInterrupted
	}
	p("result: PASS\n")
	return 0
}

// trend describes the samples of the node's current process.
func (m *member) trend() string {
	ss := m.stats
	name := m.Name
	if m.steady {
		name += " (never restarted)"
	}
	if ss.samples == 0 {
		return name + ": no samples"
	}
	return fmt.Sprintf("%s: pid %d, %d samples: goroutines %d -> %d (peak %d), rss %s -> %s (peak %s), fds %d -> %d (peak %d)",
		name, ss.first.PID, ss.samples, ss.first.Goroutines, ss.last.Goroutines, ss.peak.Goroutines,
		mib(ss.first.RSSKiB<<10), mib(ss.last.RSSKiB<<10), mib(ss.peak.RSSKiB<<10), ss.first.FDs, ss.last.FDs, ss.peak.FDs)
}

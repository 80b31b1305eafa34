//go:build linux

package main

// The fault loops, each a goroutine that acts, then pauses, until the
// deadline: link flaps (one end of a random veth down for 2 s up to
// -flap-down, then up),
// node restarts (round robin over every node but the last, which stays up
// as a witness for slow leaks), and SIGHUP reloads of a random node with a
// changed NodeInfo. Every fault is recorded with its time span, so a failed
// transfer can be shown next to the faults that overlapped it.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// flapMin is the shortest time a flapped link stays down; the longest is
// -flap-down.
const flapMin = 2 * time.Second

// settle is how long after a fault a failure is still shown next to it:
// sessions and links take a while to come back.
const settle = 30 * time.Second

// faultCounts counts the faults done.
type faultCounts struct {
	flaps, restarts, reloads atomic.Int64
}

// startFaults starts the enabled fault loops; each ends with ctx.
func (s *soak) startFaults(ctx context.Context, wg *sync.WaitGroup) {
	loops := []struct {
		every time.Duration
		step  func(rng *rand.Rand, k int)
	}{
		{s.opts.flapEvery, s.flap},
		{s.opts.restartEvery, s.restartNext},
		{s.opts.reloadEvery, s.reloadRandom},
	}
	for i, l := range loops {
		if l.every == 0 {
			continue
		}
		rng := rand.New(rand.NewPCG(s.opts.seed, uint64(i)))
		wg.Go(func() {
			for k := 0; sleepCtx(ctx, l.every); k++ {
				l.step(rng, k)
			}
		})
	}
}

// flap takes one end of a random link down and brings it up again.
func (s *soak) flap(rng *rand.Rand, _ int) {
	links := s.lab.Links()
	lk := links[rng.IntN(len(links))]
	side := rng.IntN(2)
	down := flapMin + time.Duration(rng.Int64N(int64(s.opts.flapDown-flapMin)+1))
	n := lk.Nodes[side]
	what := fmt.Sprintf("flap %s-%s (down at %s for %v)", lk.Nodes[0].Name, lk.Nodes[1].Name, n.Name, down.Round(100*time.Millisecond))
	i := s.events.begin("flap", what)
	defer s.events.end(i)
	err := lk.SetUp(n, false)
	if err == nil {
		time.Sleep(down) // not cut short: the link must come back up
	}
	if err2 := lk.SetUp(n, true); err == nil {
		err = err2
	}
	if err != nil {
		s.harness.add(what + ": " + err.Error())
		s.out.logf("FAULT INJECTION FAILED %s: %v", what, err)
		return
	}
	s.faults.flaps.Add(1)
}

// restartNext restarts the k-th node in turn, skipping the steady one.
func (s *soak) restartNext(_ *rand.Rand, k int) {
	candidates := s.members[:meshSize-1]
	m := candidates[k%len(candidates)]
	m.mu.Lock()
	defer m.mu.Unlock()
	i := s.events.begin("restart", "restart "+m.Name)
	defer s.events.end(i)
	start := time.Now()
	err := m.Restart()
	if err != nil {
		s.nodeError(m, "restart", err)
		s.startAgain(m)
		return
	}
	m.starts.Add(1)
	s.faults.restarts.Add(1)
	s.out.logf("restarted %s in %v", m.Name, time.Since(start).Round(100*time.Millisecond))
}

// reloadRandom changes a random node's NodeInfo, sends it SIGHUP and waits
// until it logs the reload.
func (s *soak) reloadRandom(rng *rand.Rand, k int) {
	m := s.members[rng.IntN(len(s.members))]
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.Running() {
		return // the watchdog's business
	}
	i := s.events.begin("reload", "reload "+m.Name)
	defer s.events.end(i)
	m.Config.NodeInfo = map[string]any{"soak-reload": k}
	if err := m.Reload(); err != nil {
		s.nodeError(m, "reload", err)
		return
	}
	s.faults.reloads.Add(1)
}

// eventLog holds every fault with its time span; safe for concurrent use.
type eventLog struct {
	mu     sync.Mutex
	events []event
}

type event struct {
	kind       string // flap, restart or reload
	what       string
	start, end time.Time // end is zero while the fault is in progress
}

// begin records a fault that starts now and returns its index for end.
func (l *eventLog) begin(kind, what string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, event{kind: kind, what: what, start: time.Now()})
	return len(l.events) - 1
}

// end records that fault i is over.
func (l *eventLog) end(i int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events[i].end = time.Now()
}

// maxNamedFlaps is how many flaps near names before it only counts them.
const maxNamedFlaps = 3

// near describes the faults that overlapped [from, to] or ended less than
// settle before from: restarts by name, the latest flaps by name and the
// rest by count, reloads by count.
func (l *eventLog) near(from, to time.Time) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var restarts, flaps []string
	reloads := 0
	for _, e := range l.events {
		end := e.end
		if end.IsZero() {
			end = to
		}
		if e.start.After(to) || end.Before(from.Add(-settle)) {
			continue
		}
		switch e.kind {
		case "reload":
			reloads++
		case "flap":
			flaps = append(flaps, e.what)
		default:
			restarts = append(restarts, e.what)
		}
	}
	named := restarts
	if n := len(flaps); n > maxNamedFlaps {
		named = append(named, fmt.Sprintf("%d flaps, the latest: %s", n, strings.Join(flaps[n-maxNamedFlaps:], ", ")))
	} else {
		named = append(named, flaps...)
	}
	if reloads > 0 {
		named = append(named, fmt.Sprintf("%d reloads", reloads))
	}
	if len(named) == 0 {
		return "no fault within " + settle.String()
	}
	return "near: " + strings.Join(named, "; ")
}

//go:build linux

package main

// The run as a whole: build and start the mesh, then run the transfer
// streams, the fault loops, the watchdog and the reporter side by side
// until -duration has passed, let the transfers in flight finish (bounded
// by -recover), stop the nodes cleanly and print the summary.
//
// Next to each stream a ping probe measures how long the overlay path was
// broken (probe.go).
//
// Who touches what: each member's mutex serialises everything that starts,
// stops or signals that node (restarts, reloads, the watchdog, the final
// stop), so a SIGHUP never reaches a node before it has installed its
// signal handlers or after it has removed them, either of which would kill
// it. Transfers, flaps and the reporter never take it: they only use the
// node's namespace and /proc, which stay valid through a restart.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yggmesh/ygg/src/labtest"
)

// meshSize is the number of nodes.
const meshSize = 6

// meshEdges join the nodes in a ring n0..n5 with the three chords between
// opposite nodes, each edge's dialer calling its listener: every node has
// three links, any two nodes are at most two hops apart, and no single link
// or node that goes away cuts the others off from each other.
var meshEdges = []labtest.Edge{
	{Dialer: 1, Listener: 0}, {Dialer: 2, Listener: 1}, {Dialer: 3, Listener: 2},
	{Dialer: 4, Listener: 3}, {Dialer: 5, Listener: 4}, {Dialer: 0, Listener: 5},
	{Dialer: 3, Listener: 0}, {Dialer: 4, Listener: 1}, {Dialer: 5, Listener: 2},
}

// debugAddr is where every node serves pprof: each namespace has a
// loopback of its own, so the one address serves every node.
const debugAddr = "127.0.0.1:6060"

// setupTimeout bounds each wait while the mesh comes up.
const setupTimeout = time.Minute

// watchEvery is how often the watchdog looks for nodes that exited.
const watchEvery = 5 * time.Second

// soak is one run.
type soak struct {
	opts      options
	dir       string
	out       *printer
	lab       *labtest.Lab
	cleanOnce sync.Once

	members []*member
	started time.Time // when the traffic and faults began
	ended   time.Time // when the last transfer finished
	events  eventLog
	tally   tally
	probes  [meshSize]probeStats // by stream
	faults  faultCounts
	errs    problems // node errors: unclean stops, failed starts or reloads, unexpected exits
	harness problems // fault injection that failed, which makes the run invalid
}

// member is a node of the mesh as the soak sees it.
type member struct {
	*labtest.Node
	mu     sync.Mutex // see the file comment
	steady bool       // never restarted, so its process lives through the whole run
	starts atomic.Int32
	stats  statSeries // the reporter's samples; only the reporter touches them
}

// soak runs the whole soak and returns the exit code.
func (s *soak) soak(ctx context.Context) int {
	if err := s.setUp(ctx); err != nil {
		s.out.printf("soak: setting up the mesh: %v\n", err)
		if ctx.Err() != nil {
			return exitInterrupted
		}
		s.lab.DumpLogs(func(format string, args ...any) { s.out.printf(format+"\n", args...) }, 8<<10)
		return exitSetup
	}
	s.printPlan()
	s.started = time.Now()
	s.out.since = s.started
	deadline := s.started.Add(s.opts.duration)

	faultCtx, stopFaults := context.WithDeadline(ctx, deadline)
	defer stopFaults()
	var faults sync.WaitGroup
	s.startFaults(faultCtx, &faults)

	watchCtx, stopWatching := context.WithCancel(ctx)
	var watchers sync.WaitGroup
	watchers.Go(func() { s.watchdog(watchCtx) })
	watchers.Go(func() { s.reporter(watchCtx, ctx) })
	for _, st := range s.streams() {
		watchers.Go(func() { s.probe(watchCtx, st) })
	}

	var traffic sync.WaitGroup
	for _, st := range s.streams() {
		traffic.Go(func() { s.runStream(ctx, st, deadline) })
	}
	faults.Wait()
	traffic.Wait()
	stopWatching()
	watchers.Wait()
	s.ended = time.Now()

	// The final figures are wanted after an interrupt too; HTTPGet bounds
	// the wait by itself.
	s.report(context.Background(), "final")
	if ctx.Err() == nil {
		s.stopAll()
	}
	panics := s.scanLogs()
	return s.summary(deadline, panics, ctx.Err() != nil)
}

// setUp builds the binaries and the mesh, starts every node and waits until
// every link is up and every transfer pair reaches each other.
func (s *soak) setUp(ctx context.Context) error {
	s.out.printf("soak: building yggdrasil into %s\n", s.dir)
	bin, err := labtest.BuildBinaries(s.dir)
	if err != nil {
		return err
	}
	s.lab.Bin = bin
	nodes, err := s.lab.Build(meshSize, meshEdges)
	if err != nil {
		return err
	}
	for i, n := range nodes {
		n.Env = []string{labtest.DebugListenEnv + "=" + debugAddr}
		s.members = append(s.members, &member{Node: n, steady: i == meshSize-1})
	}
	for _, m := range s.members {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := m.Start(); err != nil {
			return err
		}
		m.starts.Add(1)
	}
	for _, lk := range s.lab.Links() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := labtest.WaitPeered(lk.Nodes[0], lk.Nodes[1], setupTimeout); err != nil {
			return err
		}
	}
	for _, st := range s.streams() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := st.from.WaitPingNode(st.to.Node, setupTimeout); err != nil {
			return err
		}
	}
	return nil
}

func (s *soak) printPlan() {
	o := s.opts
	s.out.printf("soak: %d nodes, %d links (ring with chords), %d transfer streams of %d MiB each (retried for up to %v), for %v; seed %d\n",
		meshSize, len(meshEdges), o.streams, o.mib, o.recoverWithin, o.duration, o.seed)
	s.out.printf("soak: faults: link flap %s (down %v to %v), node restart %s (never %s), SIGHUP reload %s; figures every %v\n",
		every(o.flapEvery), flapMin, o.flapDown, every(o.restartEvery), s.members[meshSize-1].Name, every(o.reloadEvery), o.reportEvery)
	for _, st := range s.streams() {
		s.out.printf("soak: stream %d: %s -> %s (%s)\n", st.index, st.from.Name, st.to.Name, st.to.Addr)
	}
}

// every describes a fault loop's pause; 0 turns the loop off.
func every(d time.Duration) string {
	if d == 0 {
		return "off"
	}
	return "every " + d.String()
}

// stopAll stops every node with labtest's clean-shutdown checks: exit code
// 0 within its bound, TUN and admin socket gone.
func (s *soak) stopAll() {
	for _, m := range s.members {
		m.mu.Lock()
		if m.Running() {
			if err := m.Stop(); err != nil {
				s.nodeError(m, "final stop", err)
			}
		} else {
			s.nodeError(m, "final stop", fmt.Errorf("%s was not running", m.Name))
		}
		m.mu.Unlock()
	}
}

// watchdog looks for nodes that exited on their own, records it and starts
// them again, so the rest of the run still has six nodes.
func (s *soak) watchdog(ctx context.Context) {
	for sleepCtx(ctx, watchEvery) {
		for _, m := range s.members {
			if !m.mu.TryLock() { // a restart or reload is in progress
				continue
			}
			if !m.Running() {
				s.nodeError(m, "exited on its own", m.Stop()) // Stop reports the exit status
				s.startAgain(m)
			}
			m.mu.Unlock()
		}
	}
}

// startAgain starts a node that is down, recording a failure. The caller
// holds m.mu.
func (s *soak) startAgain(m *member) {
	if m.Running() {
		return
	}
	if err := m.Start(); err != nil {
		s.nodeError(m, "start", err)
		return
	}
	m.starts.Add(1)
}

// nodeError records and prints a problem with a node.
func (s *soak) nodeError(m *member, what string, err error) {
	if err == nil {
		err = fmt.Errorf("no error reported")
	}
	line := fmt.Sprintf("%s: %s: %v", m.Name, what, err)
	s.errs.add(line)
	s.out.logf("NODE ERROR %s", line)
}

// sleepCtx waits for d and reports whether ctx is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// problems is a list of problems found, safe for concurrent use.
type problems struct {
	mu    sync.Mutex
	lines []string
}

func (p *problems) add(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines = append(p.lines, line)
}

func (p *problems) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

//go:build linux

// Command soak runs a six-node mesh of real yggdrasil processes, each in a
// network namespace of its own with a real TUN, for a bounded time while it
// keeps them busy and breaks things under them: repeated bulk TCP transfers
// between node pairs over the overlay, each checked end to end (byte count
// and SHA-256); veth links taken down for a few seconds; nodes stopped and
// started again with the same keys; SIGHUP config reloads. A ping probe
// next to each transfer stream measures how long the overlay path itself
// was broken. Once a minute it prints each node's goroutines (from the
// node's opt-in debug listener, YGG_DEBUG_LISTEN), RSS and open file
// descriptors with the transfer tallies; at the end it prints a summary and
// exits non-zero if a node log shows a panic or fatal error, a transfer
// delivered wrong data, a transfer could not complete even after retries,
// or a node failed to stop, start or reload cleanly.
//
// It needs root and ping(8); misc/soak.sh runs it. Everything it creates
// (namespaces, processes) is removed on exit, also after a failure or
// Ctrl-C (press it twice to skip waiting for the operations in progress).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/yggmesh/ygg/src/labtest"
)

// options are the command-line flags.
type options struct {
	duration       time.Duration
	reportEvery    time.Duration
	streams        int
	mib            int
	recoverWithin  time.Duration
	attemptTimeout time.Duration
	flapEvery      time.Duration
	flapDown       time.Duration
	restartEvery   time.Duration
	reloadEvery    time.Duration
	seed           uint64
	keep           bool
}

func parseFlags() options {
	var o options
	flag.DurationVar(&o.duration, "duration", 5*time.Minute, "how long to run traffic and faults (the wind-down after it is bounded by -recover)")
	flag.DurationVar(&o.reportEvery, "report", time.Minute, "how often to print the per-node figures")
	flag.IntVar(&o.streams, "streams", 3, "concurrent transfer streams, node i to node i+2 (1 to 6)")
	flag.IntVar(&o.mib, "mib", 32, "size of each transfer in MiB")
	flag.DurationVar(&o.recoverWithin, "recover", 2*time.Minute, "how long a transfer may keep retrying before it counts as lost")
	flag.DurationVar(&o.attemptTimeout, "attempt", time.Minute, "the longest one transfer attempt may take")
	flag.DurationVar(&o.flapEvery, "flap", 6*time.Second, "pause between link flaps (0: none)")
	flag.DurationVar(&o.flapDown, "flap-down", 8*time.Second, "longest a flapped link stays down (at least 2s; past 6s a node's stall timer marks the port blocked)")
	flag.DurationVar(&o.restartEvery, "restart", 40*time.Second, "pause between node restarts (0: none)")
	flag.DurationVar(&o.reloadEvery, "reload", 4*time.Second, "pause between SIGHUP reloads (0: none)")
	flag.Uint64Var(&o.seed, "seed", uint64(time.Now().UnixNano()), "seed for the choice of links, nodes and payloads")
	flag.BoolVar(&o.keep, "keep", false, "keep the node logs and configs even when the run passes")
	flag.Parse()
	return o
}

func (o options) check() error {
	switch {
	case o.duration <= 0 || o.reportEvery <= 0:
		return errors.New("-duration and -report must be positive")
	case o.streams < 1 || o.streams > meshSize:
		return fmt.Errorf("-streams must be 1 to %d", meshSize)
	case o.mib < 1 || o.mib > 1024:
		return errors.New("-mib must be 1 to 1024")
	case o.recoverWithin < 10*time.Second || o.attemptTimeout < 10*time.Second:
		return errors.New("-recover and -attempt must be at least 10s")
	case o.flapEvery < 0 || o.restartEvery < 0 || o.reloadEvery < 0:
		return errors.New("-flap, -restart and -reload must not be negative")
	case o.flapDown < flapMin:
		return fmt.Errorf("-flap-down must be at least %v", flapMin)
	}
	return nil
}

func main() {
	labtest.HelperMain() // a re-executed transfer or HTTP helper never returns from here
	o := parseFlags()
	if err := o.check(); err != nil {
		fmt.Fprintf(os.Stderr, "soak: %v\n", err)
		os.Exit(2)
	}
	os.Exit(run(o))
}

// Exit codes besides 0 and 1.
const (
	exitSetup       = 3   // the lab could not be built; nothing was soaked
	exitInterrupted = 130 // stopped by SIGINT or SIGTERM without a failure seen
)

// run builds the lab, soaks it and returns the exit code. The lab is closed
// and its leftovers checked on every path out.
func run(o options) int {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "soak: needs root to create network namespaces")
		return exitSetup
	}
	for _, tool := range []string{"ip", "sysctl", "ping"} {
		if _, err := exec.LookPath(tool); err != nil {
			fmt.Fprintf(os.Stderr, "soak: needs %s (misc/soak.sh installs ping)\n", tool)
			return exitSetup
		}
	}
	dir, err := os.MkdirTemp("", "soak")
	if err != nil {
		fmt.Fprintf(os.Stderr, "soak: %v\n", err)
		return exitSetup
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &soak{opts: o, dir: dir, out: newPrinter(os.Stdout)}
	s.lab = labtest.New(labtest.Binaries{}, dir)
	stopSignals := s.handleSignals(cancel)
	defer stopSignals()

	code := s.soak(ctx)
	s.cleanUp(code)
	return code
}

// handleSignals makes the first SIGINT or SIGTERM end the run in order (the
// operations in progress finish, the summary is printed) and a second one
// remove everything at once and exit.
func (s *soak) handleSignals(cancel context.CancelFunc) (stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		s.out.printf("soak: interrupted: finishing the operations in progress, then cleaning up (again to stop at once)\n")
		cancel()
		select {
		case <-sigs:
		case <-done:
			return
		}
		s.out.printf("soak: interrupted again: removing the lab now\n")
		s.cleanUp(exitInterrupted)
		os.Exit(exitInterrupted)
	}()
	return func() { signal.Stop(sigs); close(done) }
}

// cleanUp closes the lab, removes any namespace it left behind, and
// removes the lab directory unless the run failed or -keep asks to keep it
// (an interrupted run without a failure does not count as failed).
// Only the first call does anything; a second one waits for it.
func (s *soak) cleanUp(code int) {
	s.cleanOnce.Do(func() { s.cleanUpNow(code) })
}

func (s *soak) cleanUpNow(code int) {
	if err := s.lab.Close(); err != nil {
		s.out.printf("soak: closing the lab: %v\n", err)
	}
	if left, err := labtest.LeftoverNamespaces(); err == nil && len(left) > 0 {
		s.out.printf("soak: namespaces left behind, removing: %v\n", left)
		for _, name := range left {
			_ = exec.Command("ip", "netns", "del", name).Run()
		}
	}
	failed := code == 1 || code == exitSetup
	if !failed && !s.opts.keep {
		_ = os.RemoveAll(s.dir)
		return
	}
	s.out.printf("soak: node logs and configs kept in %s\n", s.dir)
}

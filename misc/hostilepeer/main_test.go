package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/core/hostiletest"
)

const wait = 10 * time.Second

func quietFlags() *flag.FlagSet {
	fs := newFlagSet()
	fs.SetOutput(io.Discard)
	return fs
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags(quietFlags(), []string{"-peer", "tcp://a:1", "-attack", "dht", "-entries", "7", "-coords", "[1 2]", "tcp://b:2"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(cfg.peers) != "[tcp://a:1 tcp://b:2]" || cfg.attack != "dht" || cfg.entries != 7 || cfg.coords != "[1 2]" {
		t.Fatalf("config %+v", cfg)
	}
	for _, args := range [][]string{
		{},                                 // no peer
		{"-attack", "nope", "x:1"},         // unknown attack
		{"-coords", "[1 x]", "x:1"},        // not ports
		{"-victim", "1,2", "x:1"},          // not ports
		{"-duration", "0s", "x:1"},         // not positive
		{"-rate", "0", "x:1"},              // not positive
		{"-entries", "-1", "-peer", "x:1"}, // negative
		{"-conns", "0", "x:1"},             // not positive
		{"x:1", "-rate", "5"},              // flags after a peer are taken as peers
		{"-peer", "udp://x"},               // not host:port
	} {
		if _, err := parseFlags(quietFlags(), args); err == nil {
			t.Errorf("%q: accepted", args)
		}
	}
}

// startNode runs a node with a TCP listener on loopback.
func startNode(t *testing.T) (*core.Core, string) {
	t.Helper()
	cfg := config.Generate()
	cfg.MulticastInterfaces = nil
	cfg.Listen = []string{"tcp://127.0.0.1:0"}
	n := core.New(core.NewIdentity(), core.Options{})
	if err := n.Start(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	return n, "tcp://" + n.ListenerAddrs()["tcp://127.0.0.1:0"].String()
}

// runFor runs one attack for d against addr and returns the totals.
func runFor(t *testing.T, attack string, d time.Duration, addr string, extra ...string) map[string]uint64 {
	t.Helper()
	got, err := runArgs(append([]string{"-attack", attack, "-duration", d.String(), "-rate", "100", "-entries", "20", "-seed", "1", "-peer", addr}, extra...)...)
	if err != nil {
		t.Fatalf("%s: %v", attack, err)
	}
	return got
}

// runArgs runs the tool in-process with args and returns the totals.
func runArgs(args ...string) (map[string]uint64, error) {
	cfg, err := parseFlags(quietFlags(), args)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := run(context.Background(), cfg, &out); err != nil {
		return nil, fmt.Errorf("%w; output:\n%s", err, out.String())
	}
	return parseTotals(out.String())
}

func totals(t *testing.T, out string) map[string]uint64 {
	t.Helper()
	m, err := parseTotals(out)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// parseTotals reads the counters of the last ("total") line of the output.
func parseTotals(out string) (map[string]uint64, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "total ") {
		return nil, fmt.Errorf("no total line in:\n%s", out)
	}
	m := map[string]uint64{}
	for _, f := range strings.Fields(last)[1:] {
		k, v, _ := strings.Cut(f, "=")
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			m[k] = n
		}
	}
	return m, nil
}

func waitFor(t *testing.T, what string, cond func() error) {
	t.Helper()
	if err := hostiletest.Eventually(wait, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// noPeersLeft checks the attack closed every link it made.
func noPeersLeft(t *testing.T, n *core.Core) {
	t.Helper()
	waitFor(t, "links closed", func() error {
		if p := n.Peers(); len(p) != 0 {
			return fmt.Errorf("%d peers still connected", len(p))
		}
		return nil
	})
}

// acceptAll lets the node answer session pings.
type acceptAll struct{}

func (acceptAll) NewSession(core.Session)             {}
func (acceptAll) Receive(core.Session, []byte)        {}
func (acceptAll) TooBig(core.Session, []byte, uint64) {}

// Each link attack reaches the node, does what it is for, and leaves no
// link behind when its time is up.
func TestLinkAttacksAgainstNode(t *testing.T) {
	cases := []struct {
		attack string
		check  func(t *testing.T, n *core.Core, got map[string]uint64)
	}{
		{"tiny", sent},
		{"control", sent},
		{"sessions", func(t *testing.T, n *core.Core, got map[string]uint64) {
			sent(t, n, got)
			if len(n.Sessions()) == 0 {
				t.Error("the node opened no session for the pings")
			}
		}},
		{"dht", func(t *testing.T, n *core.Core, got map[string]uint64) {
			if got["in_dht_req"] == 0 || got["answers"] == 0 {
				t.Errorf("no DHT requests answered: %v", got)
			}
		}},
		{"reflect", sent},
		{"reannounce", sent},
		{"replay", sent},
		{"stall", sent},
		{"garbage", func(t *testing.T, n *core.Core, got map[string]uint64) {
			if got["lost"] == 0 || got["connected"] < 2 {
				t.Errorf("garbage closed no link: %v", got)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.attack, func(t *testing.T) {
			n, addr := startNode(t)
			n.SetSessionHandler(acceptAll{})
			got := runFor(t, c.attack, 1500*time.Millisecond, addr)
			if got["connected"] == 0 {
				t.Fatalf("never connected: %v", got)
			}
			c.check(t, n, got)
			noPeersLeft(t, n)
		})
	}
}

func sent(t *testing.T, _ *core.Core, got map[string]uint64) {
	t.Helper()
	if got["out_frames"] < 2 || got["out_bytes"] == 0 {
		t.Errorf("nothing sent: %v", got)
	}
}

// The node takes the tool's key as its root while the root attack runs.
func TestRootAttackTakesOverTheTree(t *testing.T) {
	n, addr := startNode(t)
	type result struct {
		got map[string]uint64
		err error
	}
	done := make(chan result, 1)
	go func() {
		got, err := runArgs("-attack", "root", "-duration", "3s", "-rate", "20", addr)
		done <- result{got, err}
	}()
	waitFor(t, "node under another root", func() error {
		if s := n.Self(); s.Root == n.SigPub() {
			return fmt.Errorf("node is still its own root")
		}
		return nil
	})
	if r := <-done; r.err != nil || r.got["out_frames"] == 0 {
		t.Fatalf("root attack: %v %v", r.err, r.got)
	}
	noPeersLeft(t, n)
}

// countingListener accepts connections and counts those that ended.
type countingListener struct {
	ln               net.Listener
	accepted, closed atomic.Int64
	wg               sync.WaitGroup
}

func newCountingListener(t *testing.T) *countingListener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &countingListener{ln: ln}
	l.wg.Add(1)
	go l.serve()
	t.Cleanup(func() { ln.Close(); l.wg.Wait() })
	return l
}

func (l *countingListener) serve() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.accepted.Add(1)
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			_, _ = io.Copy(io.Discard, c)
			c.Close()
			l.closed.Add(1)
		}()
	}
}

// The conns attack holds its connections for the whole run and closes
// every one at the end.
func TestConnsAttackClosesAll(t *testing.T) {
	l := newCountingListener(t)
	got := runFor(t, "conns", time.Second, "tcp://"+l.ln.Addr().String(), "-conns", "9")
	if got["connected"] != 9 || l.accepted.Load() != 9 {
		t.Fatalf("connected %d, listener accepted %d, want 9", got["connected"], l.accepted.Load())
	}
	waitFor(t, "every connection closed", func() error {
		if c := l.closed.Load(); c != 9 {
			return fmt.Errorf("%d of 9 closed", c)
		}
		return nil
	})
}

func TestAllCyclesAndPrintsEverySecond(t *testing.T) {
	n, addr := startNode(t)
	cfg, err := parseFlags(quietFlags(), []string{"-attack", "all", "-phase", "150ms", "-duration", "2500ms", "-conns", "3", addr})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), cfg, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "t=1s attack=") || !strings.HasPrefix(lines[1], "t=2s attack=") {
		t.Fatalf("output:\n%s", out.String())
	}
	if got := totals(t, out.String()); got["connected"] < uint64(len(attacks)) {
		t.Fatalf("fewer connections than attacks: %v", got)
	}
	noPeersLeft(t, n)
}

func TestNoPeerReachableFails(t *testing.T) {
	l := newCountingListener(t)
	addr := l.ln.Addr().String()
	l.ln.Close() // nothing listens there now
	cfg, err := parseFlags(quietFlags(), []string{"-attack", "tiny", "-duration", "300ms", addr})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), cfg, &out); err == nil {
		t.Fatalf("no error; output:\n%s", out.String())
	}
	if got := totals(t, out.String()); got["dial_errors"] == 0 {
		t.Fatalf("no dial errors counted: %v", got)
	}
}

// The built command stops on SIGTERM long before -duration, closing its links.
func TestSignalStopsTheCommand(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool to build the command")
	}
	bin := filepath.Join(t.TempDir(), "hostilepeer")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	n, addr := startNode(t)
	var out bytes.Buffer
	cmd := exec.Command(bin, "-attack", "stall", "-duration", "10m", addr)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waitFor(t, "the tool's link", func() error {
		if len(n.Peers()) != 1 {
			return fmt.Errorf("%d peers", len(n.Peers()))
		}
		return nil
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, out.String())
		}
	case <-time.After(wait):
		cmd.Process.Kill()
		t.Fatal("still running after SIGTERM")
	}
	if got := totals(t, out.String()); got["connected"] != 1 {
		t.Fatalf("totals %v", got)
	}
	noPeersLeft(t, n)
}

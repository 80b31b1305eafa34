// Command hostilepeer connects to one or more nodes as a hostile peer and
// runs one attack (or all of them in turn) for a bounded time, printing a
// line of counts every second and a total at the end. It is the
// out-of-process side of the issue-10 tests: a lab replaces one of its
// nodes with this tool, inside that node's network namespace, and checks
// that the other nodes keep working.
//
//	hostilepeer -peer tcp://10.0.0.2:12345 -attack dht -duration 30s
//
// Attacks (see attacks.go for what each sends):
//
//	tiny        flood of small traffic packets (type 0) toward -coords, not reading
//	control     flood of protocol traffic (type 1) toward -coords, not reading
//	sessions    session pings from fresh keys, timestamps now, 0, negative, future
//	dht         answer every DHT request with -entries made-up nodes; re-announce to be asked again
//	reflect     DHT and NodeInfo requests that carry the -victim coords
//	root        declare ourselves root (with a key that beats the node's root), newer timestamp each time
//	reannounce  the node's parent chain (or our extension) with only the unsigned last port changed
//	replay      one valid switch message, sealed once, sent again and again
//	stall       announce, stop reading, keep asking for answers so the node's writes to us block
//	garbage     bad frames of several kinds, one kind per connection, reconnecting
//	conns       -conns idle connections per peer that never finish the handshake
//	all         each of the above for -phase, in turn, until -duration ends
//
// It exits at the end of -duration or on SIGINT/SIGTERM, after closing
// every connection; the exit status is 1 when no connection to any peer
// could be made.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/yggmesh/ygg/src/wire"
)

// settings are what the flags say.
type settings struct {
	peers    []string
	attack   string
	duration time.Duration
	phase    time.Duration
	seed     uint64
	rate     int
	entries  int
	maxKeys  int
	conns    int
	size     int
	coords   string
	victim   string
}

func main() {
	cfg, err := parseFlags(newFlagSet(), os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "hostilepeer: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "hostilepeer: %v\n", err)
		os.Exit(1)
	}
}

func newFlagSet() *flag.FlagSet { return flag.NewFlagSet("hostilepeer", flag.ContinueOnError) }

func parseFlags(fs *flag.FlagSet, args []string) (settings, error) {
	var cfg settings
	fs.Func("peer", "a node to attack, tcp://host:port (repeat for more; bare arguments also count)", func(s string) error {
		cfg.peers = append(cfg.peers, s)
		return nil
	})
	fs.StringVar(&cfg.attack, "attack", "all", "attack: "+strings.Join(attackNames(), "|")+"|all")
	fs.DurationVar(&cfg.duration, "duration", 30*time.Second, "how long to run")
	fs.DurationVar(&cfg.phase, "phase", 5*time.Second, "with -attack all: how long each attack runs")
	fs.Uint64Var(&cfg.seed, "seed", 0, "seed for made-up keys (0: random)")
	fs.IntVar(&cfg.rate, "rate", 200, "messages per second per peer for the paced attacks (all but tiny, control, replay, garbage, conns)")
	fs.IntVar(&cfg.entries, "entries", 300, "made-up nodes in each DHT answer")
	fs.IntVar(&cfg.maxKeys, "maxkeys", 4096, "made-up nodes per connection at most (then they repeat)")
	fs.IntVar(&cfg.conns, "conns", 256, "idle connections per peer for the conns attack")
	fs.IntVar(&cfg.size, "size", 16, "payload bytes of each flood packet")
	fs.StringVar(&cfg.coords, "coords", "self", `flood destination: "self" (our own coords, so the node queues toward us) or coords like "[1 2]"`)
	fs.StringVar(&cfg.victim, "victim", "[]", "coords the reflect attack puts in its requests")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	cfg.peers = append(cfg.peers, fs.Args()...)
	return cfg, cfg.check()
}

func (cfg *settings) check() error {
	switch {
	case len(cfg.peers) == 0:
		return errors.New("no -peer given")
	case cfg.attack != "all" && attackByName(cfg.attack) == nil:
		return fmt.Errorf("unknown attack %q", cfg.attack)
	case cfg.duration <= 0 || cfg.phase <= 0:
		return errors.New("-duration and -phase must be positive")
	case cfg.rate <= 0 || cfg.entries < 0 || cfg.maxKeys <= 0 || cfg.conns <= 0 || cfg.size < 0:
		return errors.New("-rate, -maxkeys and -conns must be positive; -entries and -size not negative")
	}
	for _, p := range cfg.peers {
		if !isHostPort(strings.TrimPrefix(p, "tcp://")) {
			return fmt.Errorf("peer %q is not tcp://host:port (flags go before bare peer addresses)", p)
		}
	}
	if cfg.coords != "self" {
		if _, err := parseCoords(cfg.coords); err != nil {
			return fmt.Errorf("-coords: %w", err)
		}
	}
	if _, err := parseCoords(cfg.victim); err != nil {
		return fmt.Errorf("-victim: %w", err)
	}
	return nil
}

func isHostPort(s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" || strings.Contains(host, "/") {
		return false
	}
	_, err = strconv.ParseUint(port, 10, 16)
	return err == nil
}

// parseCoords reads "[1 2 3]" (or "1 2 3"); every element must be a port.
func parseCoords(s string) (wire.Coords, error) {
	c := wire.ParseCoordsString(strings.TrimSpace(s))
	if got, want := len(c), len(strings.Fields(strings.Trim(s, "[] "))); got != want {
		return nil, fmt.Errorf("%q is not a list of ports", s)
	}
	return c, nil
}

// run attacks until ctx ends or cfg.duration passes, printing counts to out.
func run(ctx context.Context, cfg settings, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	st := newStats()
	rep := startReporter(st, out)
	runAttacks(ctx, cfg, st)
	rep.stop()
	if st.connected.Load() == 0 {
		return errors.New("could not connect to any peer")
	}
	return nil
}

// Command yggdrasilsim runs a network of real nodes on one deterministic
// executor in virtual time and reports how it converges, routes and heals:
//
//	yggdrasilsim (-topology FILE | -nodes N -graph ba|geo|grid) [-seed S] [-pairs K]
//	             [-fail F | -kill K | -kill-root] [-max-time D] [-json FILE] [-svg FILE]
//
// The same inputs and seed give the same report, except its host section.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/yggmesh/ygg/src/sim"
	"github.com/yggmesh/ygg/src/topology"
)

type options struct {
	topology string
	nodes    int
	graph    string
	seed     uint64
	pairs    int
	fail     float64
	kill     int
	killRoot bool
	maxTime  time.Duration
	json     string
	svg      string
	cpuprof  string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("yggdrasilsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.topology, "topology", "", "edge list `FILE` (one link \"A B\" a line)")
	fs.IntVar(&o.nodes, "nodes", 0, "`N` nodes of a generated graph")
	fs.StringVar(&o.graph, "graph", "ba", "generated graph: ba (preferential attachment), geo (random geometric) or grid")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of keys, latencies, pairs and faults")
	fs.IntVar(&o.pairs, "pairs", 100, "source/destination pairs to sample")
	fs.Float64Var(&o.fail, "fail", 0, "cut this fraction of the links after the first measurement")
	fs.IntVar(&o.kill, "kill", 0, "stop this many adjacent nodes after the first measurement")
	fs.BoolVar(&o.killRoot, "kill-root", false, "stop the root after the first measurement")
	fs.DurationVar(&o.maxTime, "max-time", 10*time.Minute, "bound on each convergence and on the recovery, in virtual time")
	fs.StringVar(&o.json, "json", "", "also write the report as JSON to `FILE`")
	fs.StringVar(&o.svg, "svg", "", "draw convergence and stretch to `FILE`")
	fs.StringVar(&o.cpuprof, "cpuprofile", "", "write a Go CPU profile of the run to `FILE` (where the wall time goes)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	switch {
	case (o.topology == "") == (o.nodes == 0):
		return nil, errors.New("give either -topology FILE or -nodes N")
	case o.nodes < 0 || o.pairs < 0 || o.kill < 0 || o.fail < 0 || o.fail >= 1:
		return nil, errors.New("-nodes, -pairs and -kill must not be negative, -fail must be in [0, 1)")
	case o.maxTime <= 0:
		return nil, errors.New("-max-time must be positive")
	}
	faults := 0
	for _, set := range []bool{o.fail > 0, o.kill > 0, o.killRoot} {
		if set {
			faults++
		}
	}
	if faults > 1 {
		return nil, errors.New("give at most one of -fail, -kill and -kill-root")
	}
	return o, nil
}

// loadGraph reads the topology file or generates the graph.
func loadGraph(o *options) (*topology.Graph, string, error) {
	if o.topology != "" {
		f, err := os.Open(o.topology)
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		g, err := topology.Parse(f)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", o.topology, err)
		}
		return g, filepath.Base(o.topology), nil
	}
	rng := sim.GraphRand(o.seed)
	switch o.graph {
	case "ba":
		return topology.BarabasiAlbert(o.nodes, rng), "ba", nil
	case "geo":
		return topology.Geometric(o.nodes, rng), "geo", nil
	case "grid":
		return topology.Grid(o.nodes), "grid", nil
	}
	return nil, "", fmt.Errorf("unknown -graph %q: want ba, geo or grid", o.graph)
}

func run(args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	g, name, err := loadGraph(o)
	if err != nil {
		return err
	}
	cfg := sim.Config{
		Graph: g, Topology: name, Seed: o.seed, Pairs: o.pairs, MaxTime: o.maxTime,
		Scenario: sim.Scenario{Fail: o.fail, Kill: o.kill, KillRoot: o.killRoot},
	}
	if o.cpuprof != "" {
		f, err := os.Create(o.cpuprof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// A run allocates steadily and keeps little: collect less often than
	// the default (a fifth of a large run's time went to the collector),
	// at the cost of a larger peak RSS, which the report shows.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(300)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(6 << 30) // collect harder rather than pass 6 GiB
	}
	bar := newProgress(stderr)
	cfg.Progress = bar.show
	r, err := sim.Run(cfg)
	bar.done()
	if err != nil {
		return err
	}
	if err := r.WriteTable(stdout); err != nil {
		return err
	}
	if o.json != "" {
		if err := writeFile(o.json, r.WriteJSON); err != nil {
			return err
		}
	}
	if o.svg != "" {
		if err := writeFile(o.svg, r.WriteSVG); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// progress draws one status line on stderr, only when it is a terminal.
type progress struct {
	w    io.Writer
	on   bool
	last time.Time
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.on = true
		}
	}
	return p
}

func (p *progress) show(phase string, virtual time.Duration) {
	if !p.on || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\033[K%s: %v of virtual time", phase, virtual.Truncate(time.Second))
}

func (p *progress) done() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "yggdrasilsim:", err)
		}
		os.Exit(2)
	}
}

package sim

// A run, in virtual time:
//
//	build      every node started; links come up within linkSpread
//	converge   until every component agrees on a root and nothing changed
//	           for quietTime (bounded by MaxTime)
//	control    controlWindow of an idle network: protocol traffic per node
//	pairs      each sampled source searches, opens a session, says hello
//	           and waits for the reply; the sessions stay open
//	fault      (optional) links cut or nodes stopped; every source probes its
//	           open session each second until it carries traffic again;
//	           reconvergence; then a fresh search and hello per pair

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/yggmesh/ygg/src/simreport"
	"github.com/yggmesh/ygg/src/topology"
)

const (
	controlWindow = 60 * time.Second
	pairSpread    = 10 * time.Second
	probeEvery    = time.Second
)

// Scenario is the failure injected after the first measurement.
type Scenario struct {
	Fail     float64 // fraction of links cut
	Kill     int     // adjacent nodes stopped
	KillRoot bool    // the root stopped
}

func (s Scenario) String() string {
	switch {
	case s.Fail > 0:
		return fmt.Sprintf("fail %g", s.Fail)
	case s.Kill > 0:
		return fmt.Sprintf("kill %d", s.Kill)
	case s.KillRoot:
		return "kill-root"
	}
	return "none"
}

func (s Scenario) none() bool { return s.Fail <= 0 && s.Kill <= 0 && !s.KillRoot }

// Config is one run.
type Config struct {
	Graph    *topology.Graph
	Topology string // the file name, or the generator's name
	Seed     uint64
	Pairs    int
	Scenario Scenario
	// MaxTime bounds each convergence (from the start, and after the fault)
	// and the recovery of the open sessions, in virtual time.
	MaxTime time.Duration
	// Progress, if set, is told the phase and the virtual time now.
	Progress func(phase string, virtual time.Duration)
}

// Run simulates the network and reports what it measured.
func Run(cfg Config) (*simreport.Report, error) {
	wallStart := time.Now()
	g := cfg.Graph
	if g.N() < 2 {
		return nil, fmt.Errorf("the graph has %d nodes; a run needs at least 2", g.N())
	}
	if cfg.MaxTime <= 0 {
		cfg.MaxTime = 10 * time.Minute
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x79676773696d)) // "yggsim"
	n, err := build(g, cfg.Seed, rng)
	if err != nil {
		return nil, err
	}
	defer n.stopAll()
	progress := func(phase string) func(time.Duration) {
		if cfg.Progress == nil {
			return nil
		}
		return func(v time.Duration) { cfg.Progress(phase, v) }
	}

	r := &simreport.Report{Input: simreport.Input{
		Topology: cfg.Topology, Nodes: g.N(), Links: g.NumEdges(), Seed: cfg.Seed, Pairs: cfg.Pairs,
		Scenario: cfg.Scenario.String(), MaxTime: simreport.Duration(cfg.MaxTime),
		LatencyMin: simreport.Duration(minLatency), LatencyMax: simreport.Duration(maxLatency),
	}}

	w := newWatcher(n, progress("converge"))
	took, hit := w.converge(0, cfg.MaxTime)
	r.Converge = simreport.Converge{Time: simreport.Duration(took), HitMaxTime: hit}
	n.describeTree(&r.Converge.Root, &r.Converge.DepthMax, &r.Converge.DepthMean)

	f0, b0 := n.traffic()
	n.ex.Advance(controlWindow)
	f1, b1 := n.traffic()
	r.Control = simreport.NewControl(f1-f0, b1-b0, g.N(), controlWindow)
	if cfg.Progress != nil {
		cfg.Progress("pairs", n.now())
	}

	n.newPairs(g.SamplePairs(cfg.Pairs, rng, g.Components()[0]))
	n.dialAll(pairSpread, func(*pair) bool { return true })
	n.refreshPorts()
	reach, stretch, search, setup := n.measurePairs()
	r.Reach = simreport.NewReach(len(n.pairs), reach)
	r.SetStretch(stretch)
	r.Search = simreport.SummarizeDurations(search)
	r.SessionSetup = simreport.SummarizeDurations(setup)

	if !cfg.Scenario.none() {
		r.Fault = n.fault(cfg, rng, w, progress("fault"))
	}
	r.Series = w.series

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	r.Host = simreport.NewHost(time.Since(wallStart), n.ex.Events(), ms.HeapAlloc, peakRSS(), g.N())
	return r, nil
}

// measurePairs counts the pairs whose last attempt got its reply, and
// gives the stretch of their paths and the search and set-up times.
func (n *network) measurePairs() (reachable int, stretch []float64, search, setup []time.Duration) {
	hopsFrom := map[int][]int{}
	g := n.current()
	for _, p := range n.pairs {
		a := p.try
		if a == nil {
			continue
		}
		if a.searched > 0 {
			search = append(search, a.searched-a.started)
		}
		if a.answered == 0 {
			continue
		}
		reachable++
		setup = append(setup, a.answered-a.searched)
		if hopsFrom[p.src] == nil {
			hopsFrom[p.src] = g.HopsFrom(p.src)
		}
		short := hopsFrom[p.src][p.dst]
		if over := n.overlayHops(p.src, p.dst, a.coords); over > 0 && short > 0 {
			stretch = append(stretch, float64(over)/float64(short))
		}
	}
	return
}

// describeTree names the root of the largest component and the tree's depth.
func (n *network) describeTree(root *string, depthMax *int, depthMean *float64) {
	comps := n.aliveComponents()
	best := n.bestRoot(comps[0])
	*root = n.graph.Labels[n.rootIndex(best)]
	total := 0
	for _, i := range comps[0] {
		d := len(n.nodes[i].core.Self().Coords)
		total += d
		*depthMax = max(*depthMax, d)
	}
	*depthMean = round6(float64(total) / float64(len(comps[0])))
}

func (n *network) stopAll() {
	for _, nd := range n.nodes {
		if nd.alive {
			n.stop(nd.idx)
		}
	}
}

// GraphRand is the source a generated graph is drawn from, for seed; it is
// apart from the run's own, so the same seed gives the same graph whatever
// the run does.
func GraphRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6772617068)) } // "graph"

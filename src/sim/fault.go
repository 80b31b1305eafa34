package sim

// The fault phase: break the network as the scenario says, then watch the
// sessions that were open carry traffic again (each source sends a probe
// every second on its old session), wait for the survivors to reconverge,
// and finally try every surviving pair afresh (search, session, hello).

import (
	"math/rand/v2"
	"time"

	"github.com/yggmesh/ygg/src/simreport"
)

func (n *network) fault(cfg Config, rng *rand.Rand, w *watcher, progress func(time.Duration)) *simreport.Fault {
	at := n.now()
	f := &simreport.Fault{At: simreport.Duration(at), RecoveryBound: simreport.Duration(cfg.MaxTime)}
	s := cfg.Scenario
	switch {
	case s.Fail > 0:
		for _, e := range n.graph.ChooseEdges(s.Fail, rng) {
			n.cutEdge(e)
			f.LinksCut++
		}
	case s.Kill > 0:
		for _, i := range n.graph.AdjacentNodes(s.Kill, rng) {
			n.stop(i)
			f.NodesStopped++
		}
	case s.KillRoot:
		n.stop(n.rootIndex(n.bestRoot(n.aliveComponents()[0])))
		f.NodesStopped++
	}

	// The sessions to watch: open, both ends alive and still connected.
	compOf := n.componentOf()
	var watched []*pair
	for _, p := range n.pairs {
		if p.session != nil && p.try != nil && p.try.answered > 0 && n.nodes[p.src].alive && n.nodes[p.dst].alive &&
			compOf[p.src] == compOf[p.dst] {
			p.probing, p.faultAt, p.recovery = true, at, 0
			watched = append(watched, p)
		}
	}
	f.Sessions = len(watched)
	n.probe(watched, at+cfg.MaxTime)

	w.progress = progress
	took, hit := w.converge(at, cfg.MaxTime)
	f.Reconverge, f.HitMaxTime = simreport.Duration(took), hit
	n.ex.RunUntil(at+cfg.MaxTime-n.now(), func() bool { return allRecovered(watched) })
	var recovery []time.Duration
	for _, p := range watched {
		p.probing = false
		if p.recovery > 0 {
			recovery = append(recovery, p.recovery)
		} else {
			f.NeverRecovered++
		}
	}
	f.Recovery = simreport.SummarizeDurations(recovery)
	f.Root = n.graph.Labels[n.rootIndex(n.bestRoot(n.aliveComponents()[0]))]

	// Reachability among the survivors, with fresh searches.
	survivors := func(p *pair) bool {
		return n.nodes[p.src].alive && n.nodes[p.dst].alive && compOf[p.src] == compOf[p.dst]
	}
	n.dialAll(pairSpread, survivors)
	reachable, pairs := 0, 0
	for _, p := range n.pairs {
		if survivors(p) {
			pairs++
			if p.try.answered > 0 {
				reachable++
			}
		}
	}
	f.Reach = simreport.NewReach(pairs, reachable)
	return f
}

func allRecovered(ps []*pair) bool {
	for _, p := range ps {
		if p.recovery == 0 {
			return false
		}
	}
	return true
}

// probe sends each watched pair's probe every probeEvery until it has
// recovered or until is reached.
func (n *network) probe(ps []*pair, until time.Duration) {
	var tick func()
	tick = func() {
		left := false
		for _, p := range ps {
			if p.probing && p.recovery == 0 {
				p.session.Send(nil, encodeMsg(msgProbe, uint32(p.id), 0), 0)
				left = true
			}
		}
		if left && n.now()+probeEvery <= until {
			n.ex.AfterFunc(probeEvery, tick)
		}
	}
	tick()
}

// cutEdge cuts the link of edge e for good.
func (n *network) cutEdge(e [2]int) {
	n.cut[e] = true
	for i, x := range n.edges {
		if x == e && n.pipes[i] != nil {
			n.pipes[i].Cut()
		}
	}
}

// componentOf numbers the components of the current graph, by node.
func (n *network) componentOf() []int {
	comp := make([]int, len(n.nodes))
	for i, c := range n.current().Components() {
		for _, j := range c {
			comp[j] = i
		}
	}
	return comp
}

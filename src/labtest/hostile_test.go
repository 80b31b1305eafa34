//go:build linux

package labtest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// meshAttacks are the hostile peer's link-level attacks, run in this order
// against the hostile node's neighbours: every attack of misc/hostilepeer
// except root and reannounce. Those two change the spanning tree on
// purpose (a better key becomes root, a re-announced chain moves the
// peer's coords), which v0.3's protocol lets any peer do; they are out of
// scope for a test of what a peer must NOT be able to do.
var meshAttacks = []string{"tiny", "control", "sessions", "dht", "reflect", "replay", "stall", "garbage", "conns"}

const (
	// attackLen is how long each attack runs; all of them take about 40 s.
	attackLen = 4500 * time.Millisecond
	// meshPingInterval is the gap between the echo requests of each pair.
	meshPingInterval = 200 * time.Millisecond
	// pingTail keeps the pings going a little after the last attack ends.
	pingTail = 3 * time.Second
	// throughHostileRecovery is the "back within a stated time" for
	// pairs whose tree path ran through the hostile node: every echo
	// request sent later than this after the SIGTERM to the node there gets
	// its reply. The node below h re-parents at once (spec 01 §6.7) and
	// re-pings its sessions from its new coords on its next write (spec 02
	// §6.12), so about a second is expected; 0.6-1.3 s was measured under
	// attack on a loaded 2-core machine. It is a functional deadline like
	// the ring test's, not a performance figure.
	throughHostileRecovery = 10 * time.Second
)

var (
	hostileOnce sync.Once
	hostileBin  string
	hostileErr  error
)

// hostileBinary builds misc/hostilepeer once per test binary run, next to
// the node binaries.
func hostileBinary(t *testing.T) string {
	t.Helper()
	binaries(t)
	hostileOnce.Do(func() { hostileBin, hostileErr = BuildHostilePeer(binDir) })
	if hostileErr != nil {
		t.Fatalf("building the hostile peer: %v", hostileErr)
	}
	return hostileBin
}

// hostileMesh is the lab of TestHostileMesh: five honest nodes on a ring
// and the hostile node h linked to three of them.
type hostileMesh struct {
	honest     []*Node
	h          *Node
	neighbours []*Node // h's honest neighbours
}

// buildHostileMesh starts the ring n0-n1-n2-n3-n4-n0 and h (n5) linked to
// n0, n3 and n2, so that the tree is known: n0 has the best TreeID and is
// root; n1 and n4 hang under n0, n3 under n4, h under n0 or n3, and n2,
// the only node below h, under h. Each node calls the neighbours already
// running when it starts, so every link comes up at once; n2 first calls
// only h and adds n1 and n3 by a reload once it has taken h as parent (a
// node keeps its first parent, spec 01 §6.6). The honest neighbours of h also
// listen on their ends of its links, for the hostile peer to call.
func buildHostileMesh(t *testing.T, lab *Lab) hostileMesh {
	t.Helper()
	n, err := lab.Build(6, []Edge{
		{Dialer: 1, Listener: 0}, {Dialer: 4, Listener: 0}, {Dialer: 3, Listener: 4},
		{Dialer: 5, Listener: 0}, {Dialer: 5, Listener: 3}, {Dialer: 2, Listener: 5},
		{Dialer: 2, Listener: 1}, {Dialer: 2, Listener: 3},
	})
	must(t, err)
	m := hostileMesh{honest: n[:5], h: n[5], neighbours: []*Node{n[0], n[3], n[2]}}
	later := []*Link{lab.LinkBetween(n[2], n[1]), lab.LinkBetween(n[2], n[3])}
	for _, lk := range later {
		must(t, lab.Unpeer(lk, n[2], lk.Nodes[0]))
	}
	toH := lab.LinkBetween(n[2], m.h)
	n[2].Config.Listen = append(n[2].Config.Listen, toH.ListenURI(n[2]))

	must(t, n[0].Start())
	for _, step := range [][2]int{{1, 0}, {4, 0}, {3, 4}, {5, 0}, {2, 5}} {
		must(t, n[step[0]].Start())
		must(t, WaitPeered(n[step[0]], n[step[1]], 20*time.Second))
	}
	must(t, WaitPeered(m.h, n[3], 20*time.Second))
	waitCoords(t, n[0], "[] (root)", func(c []uint64) bool { return len(c) == 0 })
	for _, edge := range [][2]int{{1, 0}, {4, 0}, {3, 4}, {2, 5}} {
		childOf(t, n[edge[0]], n[edge[1]])
	}
	for _, lk := range later {
		must(t, lab.Peer(lk, n[2], lk.Nodes[0]))
	}
	must(t, n[2].Reload())
	must(t, WaitPeered(n[2], n[1], 20*time.Second))
	must(t, WaitPeered(n[2], n[3], 20*time.Second))
	return m
}

// runsThrough reports whether the tree path between a and b passes the
// node at coords h: h is an ancestor of one of them (or one of them), so
// when h goes, that end's coords change.
func runsThrough(h, a, b []uint64) bool {
	under := func(c []uint64) bool { return len(c) >= len(h) && slices.Equal(c[:len(h)], h) }
	return under(a) || under(b)
}

// attack runs each of attacks in turn, with flags, from h's namespace
// against the listeners of h's neighbours.
func (m hostileMesh) attack(t *testing.T, lab *Lab, bin string, attacks, flags []string) []AttackResult {
	var peers []string
	for _, nb := range m.neighbours {
		peers = append(peers, lab.LinkBetween(nb, m.h).ListenURI(nb))
	}
	var results []AttackResult
	for _, name := range attacks {
		a := Attack{Name: name, Peers: peers, Duration: attackLen, Flags: flags}
		results = append(results, RunAttack(t.Context(), m.h.NS, bin, a))
	}
	return results
}

// pingAll pings every pair at once, count requests each, and returns their
// logs in the order of pairs.
func pingAll(t *testing.T, pairs [][2]*Node, count int) ([]PingLog, []error) {
	logs := make([]PingLog, len(pairs))
	errs := make([]error, len(pairs))
	var wg sync.WaitGroup
	for i, p := range pairs {
		wg.Go(func() {
			logs[i], errs[i] = p[0].PingSeries(t.Context(), p[1].Addr.String(), count, meshPingInterval)
		})
	}
	wg.Wait()
	return logs, errs
}

// coordsPoll is how often watchCoords asks the nodes for their coords.
const coordsPoll = 500 * time.Millisecond

// watchCoords logs every change of the nodes' coords from last on, with
// the time since since, until the returned func is called: a node that
// re-parents during the attack explains lost pings.
func watchCoords(t *testing.T, nodes []*Node, last map[*Node][]uint64, since time.Time) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, n := range nodes {
		prev := last[n]
		wg.Go(func() {
			tick := time.NewTicker(coordsPoll)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
				}
				if self, err := n.GetSelf(); err == nil && !slices.Equal(self.Coords, prev) {
					t.Logf("%s: coords %v -> %v at %v after the stop", n.Name, prev, self.Coords,
						time.Since(since).Round(10*time.Millisecond))
					prev = self.Coords
				}
			}
		})
	}
	return func() {
		close(done)
		wg.Wait()
	}
}

// logStats logs each node's process figures with a label.
func logStats(t *testing.T, label string, nodes []*Node) {
	t.Helper()
	for _, n := range nodes {
		s, err := n.ProcStats()
		if err != nil {
			t.Logf("%s %s: %v", label, n.Name, err)
			continue
		}
		t.Logf("%s %s: %v", label, n.Name, s)
	}
}

// Issue 10: a six-node namespace mesh in which one node runs the hostile
// kit against its neighbours while the others ping each other. Pairs whose
// tree path does not run through the hostile node lose nothing for the
// whole attack; the pairs whose path did are back within
// throughHostileRecovery of the hostile node's stop and lose nothing after.
//
// Phase 1 runs h as a real node, to learn the tree and to set up a session
// between every honest pair. Phase 2 stops h and, once its neighbours have
// dropped their links to it, starts the pings and the attacks at the same
// moment: a pair's packets that took h as a shortcut (a peer can be the
// nearest entry of a trie node, spec 01 §6.10, without being on the tree
// path) have by then moved to another peer, so they cannot be lost with
// the stop itself; and a hostile peer cannot draw honest traffic, since
// its coords always extend the node's own (it is a leaf of each neighbour).
//
// Every honest node pings every other, both ways at once, as "ping each
// other" says. That matters for the pairs through h: the node that moved
// (n2) tells a session its new coords only when it next writes to it
// (spec 02 §6.12, §10 item 16). A node that only answered would stay
// unreachable until its peer's re-search found it, and that search can
// keep failing on the stale DHT entry for it, which answers listing the
// fresh coords do not replace (§3.9 step 4), for 30 s and more, attack or
// not: a property of v0.3's DHT, not of the hostile peer.
func TestHostileMesh(t *testing.T) {
	runHostileMesh(t, meshAttacks, nil)
}

// The same mesh, but the floods go to the root's coords instead of back
// to the hostile peer: the neighbours forward them over honest links to
// n0, which is honest and on the path of most honest pairs. Before queues
// went by source and n0 dropped traffic for handles of none of its
// sessions before queueing it, honest pairs not through h lost 10-25 % of
// their pings while tiny ran, and n0's RSS reached 274 MB.
func TestHostileMeshFloodToRoot(t *testing.T) {
	runHostileMesh(t, []string{"tiny", "control", "tiny", "control"}, []string{"-coords", "[]"})
}

// runHostileMesh builds the mesh, runs phase 1, then phase 2 with the
// given attacks, each with the given extra hostilepeer flags, and checks
// what the issue asks.
func runHostileMesh(t *testing.T, attacks, flags []string) {
	lab := newLab(t, false)
	bin := hostileBinary(t)
	m := buildHostileMesh(t, lab)

	pairs := allPairs(m.honest)
	took := pingPairs(t, pairs, time.Now(), pingTimeout)
	t.Logf("all %d honest pairs answered within %v", len(pairs), slices.Max(took).Round(time.Millisecond))
	coords := m.learnTree(t, lab)
	through := classifyPairs(t, pairs, coords, coords[m.h])
	logStats(t, "before", m.honest)

	stopAt := time.Now()
	must(t, m.h.Stop())
	for _, nb := range m.neighbours {
		must(t, nb.waitFor(10*time.Second, "link to the stopped "+m.h.Name+" to close",
			func() bool { return !nb.ConnectedTo(m.h) }))
	}
	seed := rand.Uint64()
	t.Logf("%s stopped; attacking %d neighbours with hostilepeer -seed %d %s", m.h.Name, len(m.neighbours), seed, strings.Join(flags, " "))
	count := int((time.Duration(len(attacks))*attackLen + pingTail) / meshPingInterval)
	var logs []PingLog
	var pingErrs []error
	pingsDone := make(chan struct{})
	go func() {
		defer close(pingsDone)
		logs, pingErrs = pingAll(t, pairs, count)
	}()
	stopWatch := watchCoords(t, m.honest, coords, stopAt)
	flags = append([]string{"-seed", strconv.FormatUint(seed, 10)}, flags...)
	results := m.attack(t, lab, bin, attacks, flags)
	<-pingsDone
	stopWatch()

	for _, r := range results {
		t.Logf("attack %v", r)
		if r.Err != nil || r.Totals["connected"] < int64(len(m.neighbours)) || r.Totals["out_frames"]+r.Totals["out_bytes"] == 0 {
			t.Errorf("attack %s did not run against all %d neighbours: %v\n%s", r.Attack.Name, len(m.neighbours), r, lastLines(r.Output, 5))
		}
	}
	for i, p := range pairs {
		checkPairUnderAttack(t, p, through[i], logs[i], pingErrs[i], count, stopAt)
	}
	checkSurvivors(t, m.honest)
	logStats(t, "after", m.honest)
	for _, n := range m.honest {
		must(t, n.Stop())
	}
}

// learnTree records every node's coords and checks that h is not the
// root.
func (m hostileMesh) learnTree(t *testing.T, lab *Lab) map[*Node][]uint64 {
	t.Helper()
	coords := make(map[*Node][]uint64)
	for _, n := range lab.Nodes() {
		coords[n] = coordsOf(t, n)
		t.Logf("%s: coords %v", n.Name, coords[n])
	}
	if len(coords[m.h]) == 0 {
		t.Fatalf("the hostile node %s is the root", m.h.Name)
	}
	return coords
}

// classifyPairs tells, per pair, whether its tree path runs through the
// node at coords h, and fails the test unless both kinds exist.
func classifyPairs(t *testing.T, pairs [][2]*Node, coords map[*Node][]uint64, h []uint64) []bool {
	t.Helper()
	through := make([]bool, len(pairs))
	var n int
	for i, p := range pairs {
		if through[i] = runsThrough(h, coords[p[0]], coords[p[1]]); through[i] {
			n++
		}
	}
	if n == 0 || n == len(pairs) {
		t.Fatalf("%d of %d pairs run through the hostile node: not the tree this test needs", n, len(pairs))
	}
	return through
}

// checkPairUnderAttack checks one pair's ping log: no loss at all for a
// pair away from the hostile node; for one through it, replies to every
// request sent later than throughHostileRecovery after the stop.
func checkPairUnderAttack(t *testing.T, p [2]*Node, through bool, log PingLog, err error, count int, stopAt time.Time) {
	t.Helper()
	name := fmt.Sprintf("%s -> %s", p[0].Name, p[1].Name)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	lost := log.Lost()
	if log.Sent != count {
		t.Errorf("%s: ping sent %d requests, not %d", name, log.Sent, count)
	}
	if !through {
		t.Logf("%s (away from the hostile node): %d sent, %d lost", name, log.Sent, len(lost))
		if len(lost) > 0 {
			t.Errorf("%s lost %d of %d pings during the attack: seqs %v, sent %v apart from %v after the stop on",
				name, len(lost), log.Sent, lost, meshPingInterval, seqOneSentAt(log, stopAt))
		}
		return
	}
	steady, ok := log.Steady()
	if !ok {
		t.Errorf("%s (through the hostile node) never recovered: last request unanswered, %d of %d lost", name, len(lost), log.Sent)
		return
	}
	back := log.Replies[steady].SentAt().Sub(stopAt)
	t.Logf("%s (through the hostile node): %d sent, %d lost, every request answered from seq %d, %v after the stop",
		name, log.Sent, len(lost), steady, back.Round(10*time.Millisecond))
	if back > throughHostileRecovery {
		t.Errorf("%s came back only %v after the stop; the bound is %v (lost seqs %v)",
			name, back.Round(10*time.Millisecond), throughHostileRecovery, lost)
	}
}

// seqOneSentAt estimates when, after since, the first request of the log
// left, from the first reply: with the interval it dates a lost sequence
// number.
func seqOneSentAt(log PingLog, since time.Time) time.Duration {
	for seq := 1; seq <= log.Sent; seq++ {
		if r, ok := log.Replies[seq]; ok {
			return r.SentAt().Add(-time.Duration(seq-1) * meshPingInterval).Sub(since).Round(10 * time.Millisecond)
		}
	}
	return 0
}

// checkSurvivors checks that every honest node still runs and that no log
// shows a panic or a fatal runtime error.
func checkSurvivors(t *testing.T, nodes []*Node) {
	t.Helper()
	for _, n := range nodes {
		if !n.Running() {
			t.Errorf("%s is no longer running", n.Name)
		}
		log, err := n.Log()
		if err != nil {
			t.Errorf("%s: %v", n.Name, err)
			continue
		}
		for _, bad := range []string{"panic:", "fatal error:", "DATA RACE"} {
			if i := strings.Index(log, bad); i >= 0 {
				t.Errorf("%s logged %q:\n%s", n.Name, bad, firstLines(log[i:], 30))
			}
		}
	}
}

// firstLines returns at most the first n lines of s.
func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// lastLines returns at most the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

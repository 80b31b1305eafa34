package sim

// Convergence: once a second of virtual time the driver looks at every live
// node (its root, its coords, the NodeIDs in its DHT). The network has
// converged when, in every connected component, all nodes follow one root,
// and no node's root, coords or DHT table changed for quietTime.

import (
	"bytes"
	"hash/fnv"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/simreport"
)

const (
	sampleEvery = time.Second
	// quietTime is how long nothing may change for the network to count as
	// converged. DHT maintenance runs every second and tree refreshes every
	// 30 s; a quiet minute has seen every periodic message at least once.
	quietTime = 60 * time.Second
)

// watcher keeps the last state of every node and the time series.
type watcher struct {
	n          *network
	state      []uint64 // hash of root, coords and DHT NodeIDs, by node
	coords     []string
	lastChange time.Duration
	series     []simreport.Sample
	progress   func(virtual time.Duration)
}

func newWatcher(n *network, progress func(time.Duration)) *watcher {
	return &watcher{n: n, state: make([]uint64, len(n.nodes)), coords: make([]string, len(n.nodes)), progress: progress}
}

// sample looks at every live node; it reports whether all components
// agree on one root each, and records one Sample.
func (w *watcher) sample(comps [][]int) (agreed bool) {
	now := w.n.now()
	roots := make([]crypto.SigPubKey, len(w.n.nodes))
	changes, coordChanges := 0, 0
	for _, nd := range w.n.nodes {
		if !nd.alive {
			continue
		}
		self := nd.core.Self()
		roots[nd.idx] = self.Root
		h := fnv.New64a()
		h.Write(self.Root[:])
		c := self.Coords.String()
		h.Write([]byte(c))
		for _, e := range nd.core.DHT() {
			h.Write(e.BoxPub[:])
		}
		sum := h.Sum64()
		if sum != w.state[nd.idx] {
			changes++
			w.state[nd.idx] = sum
		}
		if c != w.coords[nd.idx] {
			coordChanges++
			w.coords[nd.idx] = c
		}
	}
	if changes > 0 {
		w.lastChange = now
	}
	agreed = true
	for _, comp := range comps {
		for _, i := range comp[1:] {
			if roots[i] != roots[comp[0]] {
				agreed = false
			}
		}
	}
	// The root the largest component converges to is its best key.
	best := w.n.bestRoot(comps[0])
	following := 0
	alive := 0
	for _, nd := range w.n.nodes {
		if nd.alive {
			alive++
			if roots[nd.idx] == best {
				following++
			}
		}
	}
	w.series = append(w.series, simreport.Sample{
		T:             simreport.Duration(now),
		Converged:     round6(float64(following) / float64(max(alive, 1))),
		CoordsChanges: coordChanges,
	})
	if w.progress != nil {
		w.progress(now)
	}
	return agreed
}

// converge advances time a sample at a time until the network has
// converged or maxTime has passed since start; it returns when the last
// change happened (relative to start) and whether maxTime was hit.
func (w *watcher) converge(start, maxTime time.Duration) (took time.Duration, hitMax bool) {
	comps := w.n.aliveComponents()
	w.lastChange = w.n.now()
	for {
		w.n.ex.Advance(sampleEvery)
		agreed := w.sample(comps)
		now := w.n.now()
		if !agreed {
			w.lastChange = now
		}
		if agreed && now-w.lastChange >= quietTime {
			return w.lastChange - start, false
		}
		if now-start >= maxTime {
			return maxTime, true
		}
	}
}

// bestRoot is the signing key that wins the root election in comp.
func (n *network) bestRoot(comp []int) crypto.SigPubKey {
	best := n.nodes[comp[0]].core.SigPub()
	for _, i := range comp[1:] {
		k := n.nodes[i].core.SigPub()
		if k.Better(&best) {
			best = k
		}
	}
	return best
}

// rootIndex is the node whose signing key is k (-1: none).
func (n *network) rootIndex(k crypto.SigPubKey) int {
	for _, nd := range n.nodes {
		if pub := nd.core.SigPub(); bytes.Equal(pub[:], k[:]) {
			return nd.idx
		}
	}
	return -1
}

func round6(x float64) float64 {
	const scale = 1e6
	v := x * scale
	if v < 0 {
		return -float64(int64(-v+0.5)) / scale
	}
	return float64(int64(v+0.5)) / scale
}

// Package simreport holds what one yggdrasilsim run measured and writes it
// three ways: a table for people (WriteTable), indented JSON for scripts
// (WriteJSON) and an SVG of convergence over time and the stretch histogram
// (WriteSVG).
//
// A run is meant to be reproducible: the same topology, seed and scenario
// give the same virtual-time results. So everything in a Report except Host
// is written byte for byte the same for the same values: struct fields in
// declaration order, no maps, floats rounded before they are stored, durations
// as exact strings. Host holds what the machine running the simulation
// contributes (wall time, memory) and is kept apart; Deterministic gives the
// bytes a determinism test compares.
package simreport

import (
	"math"
	"runtime"
	"time"
)

// Report is one simulation run. The driver fills it; the zero value of an
// optional section means "not measured".
type Report struct {
	Input    Input    `json:"input"`
	Converge Converge `json:"converge"`
	// Reach is over the sampled pairs once converged.
	Reach Reach `json:"reach"`
	// Stretch is overlay hops over shortest-path hops for the reachable
	// pairs; StretchHist bins the same values for the plot, so a report read
	// back from JSON can still be drawn. SetStretch fills both.
	Stretch     Dist      `json:"stretch"`
	StretchHist Histogram `json:"stretch_histogram"`
	// Search is the time from asking for a node's key to having a route;
	// SessionSetup the time from asking to open a session to its first
	// delivered packet.
	Search       DurationDist `json:"search"`
	SessionSetup DurationDist `json:"session_setup"`
	Control      Control      `json:"control"`
	// Fault is nil when the scenario is "none".
	Fault *Fault `json:"fault,omitempty"`
	// Series samples the run over virtual time, in time order.
	Series []Sample `json:"series"`
	// Host varies from run to run and machine to machine.
	Host Host `json:"host"`
}

// Input records what the run was asked to do.
type Input struct {
	// Topology is the file name, or "ba", "geo" or "grid" for a generated one.
	Topology   string   `json:"topology"`
	Nodes      int      `json:"nodes"`
	Links      int      `json:"links"`
	Seed       uint64   `json:"seed"`
	Pairs      int      `json:"pairs"`
	Scenario   string   `json:"scenario"`
	MaxTime    Duration `json:"max_time"`
	LatencyMin Duration `json:"latency_min"`
	LatencyMax Duration `json:"latency_max"`
}

// Converge is how the spanning tree settled from a cold start.
type Converge struct {
	// Time is the virtual time at which every node agreed on the root and
	// stopped changing coordinates.
	Time Duration `json:"time"`
	// HitMaxTime is true when the run gave up at Input.MaxTime instead; Time
	// is then MaxTime.
	HitMaxTime bool `json:"hit_max_time"`
	// Root is the label of the root node.
	Root      string  `json:"root"`
	DepthMax  int     `json:"depth_max"`
	DepthMean float64 `json:"depth_mean"`
}

// Reach counts sampled pairs whose source reached the destination.
type Reach struct {
	Pairs     int     `json:"pairs"`
	Reachable int     `json:"reachable"`
	Percent   float64 `json:"percent"`
}

// NewReach fills Percent, rounded to 6 decimals; 0 when there are no pairs.
func NewReach(pairs, reachable int) Reach {
	r := Reach{Pairs: pairs, Reachable: reachable}
	if pairs > 0 {
		r.Percent = round6(100 * float64(reachable) / float64(pairs))
	}
	return r
}

// Control is the protocol's own traffic after convergence, with no user
// traffic to hide it: what an idle network costs each node.
type Control struct {
	// Window is the stretch of virtual time counted.
	Window   Duration `json:"window"`
	Messages uint64   `json:"messages"`
	Bytes    uint64   `json:"bytes"`
	// Per node per second of Window.
	MessagesPerNodeSec float64 `json:"messages_per_node_sec"`
	BytesPerNodeSec    float64 `json:"bytes_per_node_sec"`
}

// NewControl fills the per-node rates, rounded to 6 decimals; they are 0
// when nodes or window is not positive.
func NewControl(messages, bytes uint64, nodes int, window time.Duration) Control {
	c := Control{Window: Duration(window), Messages: messages, Bytes: bytes}
	if nodes > 0 && window > 0 {
		per := float64(nodes) * window.Seconds()
		c.MessagesPerNodeSec = round6(float64(messages) / per)
		c.BytesPerNodeSec = round6(float64(bytes) / per)
	}
	return c
}

// Fault is what happened after the scenario's failure was injected.
type Fault struct {
	// At is the virtual time of the failure.
	At           Duration `json:"at"`
	LinksCut     int      `json:"links_cut"`
	NodesStopped int      `json:"nodes_stopped"`
	// Reconverge is the time from At until the survivors settled again.
	Reconverge Duration `json:"reconverge"`
	HitMaxTime bool     `json:"hit_max_time"`
	// Root is the label of the root afterwards (it changes under kill-root).
	Root string `json:"root"`
	// Reach is over the sampled pairs whose both ends survived.
	Reach Reach `json:"reach"`
	// Sessions is how many sessions were open at At and watched; Recovery
	// is, for those that carried traffic again within RecoveryBound, how
	// long after At; NeverRecovered counts the rest.
	Sessions       int          `json:"sessions"`
	Recovery       DurationDist `json:"recovery"`
	NeverRecovered int          `json:"never_recovered"`
	RecoveryBound  Duration     `json:"recovery_bound"`
}

// Sample is the network's state at one virtual time.
type Sample struct {
	T Duration `json:"t"`
	// Converged is the fraction of nodes that agree with the final root.
	Converged float64 `json:"converged"`
	// CoordsChanges counts tree coordinate changes since the previous sample.
	CoordsChanges int `json:"coords_changes"`
}

// Host is what the machine contributed. It differs between runs of the same
// simulation and is left out of Deterministic.
type Host struct {
	Wall         Duration `json:"wall"`
	Events       uint64   `json:"events"`
	EventsPerSec float64  `json:"events_per_sec"`
	// HeapBytesPerNode is the live heap after the run over the node count.
	HeapBytesPerNode uint64 `json:"heap_bytes_per_node"`
	PeakRSSBytes     uint64 `json:"peak_rss_bytes"`
	GoVersion        string `json:"go_version"`
	CPUs             int    `json:"cpus"`
}

// NewHost fills the rates from totals and the Go version and CPU count from
// the running process.
func NewHost(wall time.Duration, events, heapBytes, peakRSS uint64, nodes int) Host {
	h := Host{
		Wall:         Duration(wall),
		Events:       events,
		PeakRSSBytes: peakRSS,
		GoVersion:    runtime.Version(),
		CPUs:         runtime.NumCPU(),
	}
	if wall > 0 {
		h.EventsPerSec = math.Round(float64(events) / wall.Seconds())
	}
	if nodes > 0 {
		h.HeapBytesPerNode = heapBytes / uint64(nodes)
	}
	return h
}

// SetStretch fills Stretch and StretchHist from the raw per-pair values.
func (r *Report) SetStretch(values []float64) {
	r.Stretch = Summarize(values)
	r.StretchHist = NewHistogram(values)
}

package simreport

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

// WriteTable writes r as aligned text for a terminal: the deterministic
// sections first, then the host section, marked as varying run to run so
// nobody diffs it.
func (r *Report) WriteTable(w io.Writer) error {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	in := r.Input
	t.section("input")
	t.row("topology", in.Topology)
	t.row("nodes", strconv.Itoa(in.Nodes))
	t.row("links", strconv.Itoa(in.Links))
	t.row("seed", strconv.FormatUint(in.Seed, 10))
	t.row("pairs", strconv.Itoa(in.Pairs))
	t.row("scenario", in.Scenario)
	t.row("max time", in.MaxTime.Short())
	t.row("link latency", in.LatencyMin.Short()+" to "+in.LatencyMax.Short())

	c := r.Converge
	t.section("convergence")
	t.row("time", c.Time.Short()+hitMax(c.HitMaxTime))
	t.row("root", c.Root)
	t.row("tree depth", fmt.Sprintf("max %d, mean %.3f", c.DepthMax, c.DepthMean))
	t.row("reachable", reach(r.Reach))
	t.row("control msgs/node/s", fmt.Sprintf("%.3f (over %s)", r.Control.MessagesPerNodeSec, r.Control.Window.Short()))
	t.row("control bytes/node/s", fmt.Sprintf("%.3f", r.Control.BytesPerNodeSec))

	t.section("distributions\tn\tmean\tp50\tp95\tmax")
	t.dist("stretch", r.Stretch)
	t.durations("search", r.Search)
	t.durations("session set-up", r.SessionSetup)
	if f := r.Fault; f != nil {
		t.durations("session recovery", f.Recovery)
	}

	if f := r.Fault; f != nil {
		t.section("after the fault")
		t.row("at", f.At.Short())
		t.row("links cut", strconv.Itoa(f.LinksCut))
		t.row("nodes stopped", strconv.Itoa(f.NodesStopped))
		t.row("reconverged in", f.Reconverge.Short()+hitMax(f.HitMaxTime))
		t.row("root", f.Root)
		t.row("reachable (both ends alive)", reach(f.Reach))
		t.row("sessions watched", strconv.Itoa(f.Sessions))
		t.row("never recovered", fmt.Sprintf("%d (within %s)", f.NeverRecovered, f.RecoveryBound.Short()))
	}

	h := r.Host
	t.section("host (varies run to run)")
	t.row("wall time", h.Wall.Short())
	t.row("events", fmt.Sprintf("%d (%.0f/s)", h.Events, h.EventsPerSec))
	t.row("heap/node", fmt.Sprintf("%d B", h.HeapBytesPerNode))
	t.row("peak RSS", fmt.Sprintf("%d B", h.PeakRSSBytes))
	t.row("go", fmt.Sprintf("%s, %d CPUs", h.GoVersion, h.CPUs))
	if t.err != nil {
		return t.err
	}
	return t.tw.Flush()
}

// table writes rows through a tabwriter, keeping the first error.
type table struct {
	tw      *tabwriter.Writer
	started bool
	err     error
}

func (t *table) printf(format string, a ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.tw, format, a...)
	}
}

func (t *table) section(title string) {
	if t.started {
		t.printf("\n")
	}
	t.started = true
	t.printf("%s\n", title)
}

func (t *table) row(name, value string) {
	t.printf("  %s\t%s\n", name, value)
}

func (t *table) dist(name string, d Dist) {
	t.printf("  %s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\n", name, d.N, d.Mean, d.P50, d.P95, d.Max)
}

func (t *table) durations(name string, d DurationDist) {
	t.printf("  %s\t%d\t%s\t%s\t%s\t%s\n", name, d.N, d.Mean.Short(), d.P50.Short(), d.P95.Short(), d.Max.Short())
}

func reach(r Reach) string {
	return fmt.Sprintf("%d of %d (%.3f %%)", r.Reachable, r.Pairs, r.Percent)
}

func hitMax(hit bool) string {
	if hit {
		return " (hit max time, not converged)"
	}
	return ""
}

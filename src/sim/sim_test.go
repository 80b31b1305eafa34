package sim

import (
	"bytes"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/topology"
)

func smallRun(t *testing.T, seed uint64, sc Scenario) []byte {
	t.Helper()
	g := topology.BarabasiAlbert(16, GraphRand(1))
	r, err := Run(Config{Graph: g, Topology: "ba", Seed: seed, Pairs: 12, Scenario: sc, MaxTime: 3 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if r.Converge.HitMaxTime {
		t.Fatalf("seed %d: no convergence within the bound", seed)
	}
	if r.Reach.Reachable != r.Reach.Pairs || r.Reach.Pairs != 12 {
		t.Fatalf("seed %d: %d of %d pairs reachable", seed, r.Reach.Reachable, r.Reach.Pairs)
	}
	if r.Stretch.N != 12 || r.Stretch.Mean < 1 {
		t.Fatalf("seed %d: stretch %+v", seed, r.Stretch)
	}
	b, err := r.Deterministic()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The same graph and seed give byte-identical reports (outside the host
// section); another seed gives another.
func TestSameSeedSameReport(t *testing.T) {
	sc := Scenario{Kill: 2}
	first := smallRun(t, 5, sc)
	if again := smallRun(t, 5, sc); !bytes.Equal(first, again) {
		t.Fatalf("same seed, different reports:\n%s\n---\n%s", first, again)
	}
	if other := smallRun(t, 6, sc); bytes.Equal(first, other) {
		t.Fatal("another seed gave the same report")
	}
}

// Cutting a tenth of the links: every pair whose ends are still connected
// reaches the other again, and the open sessions carry traffic again.
func TestFailLinksHeals(t *testing.T) {
	g := topology.Geometric(24, GraphRand(3))
	r, err := Run(Config{Graph: g, Topology: "geo", Seed: 3, Pairs: 16, Scenario: Scenario{Fail: 0.1}, MaxTime: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	f := r.Fault
	if f == nil || f.LinksCut == 0 {
		t.Fatalf("no links cut: %+v", f)
	}
	if f.Reach.Reachable != f.Reach.Pairs {
		t.Fatalf("after the cut %d of %d surviving pairs reachable", f.Reach.Reachable, f.Reach.Pairs)
	}
	if f.Sessions == 0 || f.NeverRecovered != 0 {
		t.Fatalf("%d sessions watched, %d never recovered", f.Sessions, f.NeverRecovered)
	}
}

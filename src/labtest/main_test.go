//go:build linux

package labtest

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/internal/roottest"
)

var (
	buildOnce sync.Once
	built     Binaries
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	HelperMain() // a re-executed transfer helper never returns from here
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	// A test that leaks a namespace fails the run, even if every test
	// passed; the leak is removed so it cannot disturb the next run.
	if left, err := LeftoverNamespaces(); err == nil && len(left) > 0 {
		fmt.Fprintf(os.Stderr, "labtest: namespaces left behind: %v\n", left)
		for _, name := range left {
			_, _ = run("ip", "netns", "del", name)
		}
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// needLabHost skips the test, or fails it when YGG_REQUIRE_ROOT_TESTS=1, if
// this host cannot run a lab: not root, no ip(8) or ping(8), or no TUN
// device.
func needLabHost(t *testing.T) {
	t.Helper()
	roottest.NeedTUN(t, "ip", "ping")
}

// binaries builds the node once per test binary run.
func binaries(t *testing.T) Binaries {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "labtest-bin")
		if buildErr == nil {
			built, buildErr = BuildBinaries(binDir)
		}
	})
	if buildErr != nil {
		t.Fatalf("building the node: %v", buildErr)
	}
	return built
}

// newLab returns an empty lab that is closed, and whose node logs are
// shown if the test fails, when the test ends.
func newLab(t *testing.T, noTUN bool) *Lab {
	t.Helper()
	needLabHost(t)
	if testing.Short() && !roottest.Required() {
		t.Skip("network-namespace test skipped with -short")
	}
	lab := New(binaries(t), t.TempDir())
	lab.NoTUN = noTUN
	lab.Logf = t.Logf
	t.Cleanup(func() {
		if t.Failed() {
			lab.DumpLogs(t.Logf, 24<<10)
		}
		if err := lab.Close(); err != nil {
			t.Errorf("closing the lab: %v", err)
		}
	})
	return lab
}

// peeredPair starts two nodes with TUN, n1 calling n0, and waits until
// each logs the link to the other.
func peeredPair(t *testing.T) (*Lab, []*Node) {
	t.Helper()
	lab := newLab(t, false)
	nodes, err := lab.Build(2, []Edge{{Dialer: 1, Listener: 0}})
	must(t, err)
	for _, n := range nodes {
		must(t, n.Start())
	}
	must(t, WaitPeered(nodes[0], nodes[1], 20*time.Second))
	return lab, nodes
}

// must fails the test on an error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

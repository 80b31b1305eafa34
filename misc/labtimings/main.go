//go:build linux

// Command labtimings prints the lab figures asked for in issue 4 test 4:
// the time from start to the first ping answered across two hops, and
// single-stream TCP throughput across one hop over the overlay next to the
// same over the plain veth, measured in the same run. It needs root (it
// builds network namespaces) and iperf3; misc/lab-timings.sh installs
// iperf3 if it is missing and runs this. The figures are printed, never
// asserted: they depend on the machine.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/yggmesh/ygg/src/labtest"
)

func main() {
	runs := flag.Int("runs", 5, "how many times to measure the time to the first ping")
	seconds := flag.Int("seconds", 5, "length of each iperf3 run in seconds")
	flag.Parse()
	if err := run(*runs, *seconds); err != nil {
		fmt.Fprintf(os.Stderr, "labtimings: %v\n", err)
		os.Exit(1)
	}
}

func run(runs, seconds int) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root to create network namespaces")
	}
	if _, err := exec.LookPath("iperf3"); err != nil {
		return fmt.Errorf("iperf3 is not installed (misc/lab-timings.sh installs it)")
	}
	dir, err := os.MkdirTemp("", "labtimings")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := labtest.BuildBinaries(dir)
	if err != nil {
		return err
	}
	fmt.Printf("lab timings: %d CPUs, %s/%s, %s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, time.Now().Format(time.DateTime))

	var firsts []time.Duration
	for i := range runs {
		d, err := firstPing(bin, dir, i)
		if err != nil {
			return fmt.Errorf("first ping, run %d: %w", i+1, err)
		}
		firsts = append(firsts, d)
	}
	slices.Sort(firsts)
	fmt.Printf("start to first ping across 2 hops (3-node line, %d runs): median %v, min %v, max %v\n",
		runs, ms(firsts[len(firsts)/2]), ms(firsts[0]), ms(firsts[len(firsts)-1]))

	overlay, veth, mtus, err := throughput(bin, dir, seconds)
	if err != nil {
		return fmt.Errorf("throughput: %w", err)
	}
	fmt.Printf("single-stream TCP across 1 hop, iperf3 %d s each (%s):\n", seconds, mtus)
	fmt.Printf("  overlay (TUN to TUN): %8.0f Mbit/s\n", overlay/1e6)
	fmt.Printf("  plain veth:           %8.0f Mbit/s\n", veth/1e6)
	fmt.Printf("  overlay / veth:       %8.1f %%\n", 100*overlay/veth)
	return nil
}

func ms(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// newLab makes a lab in its own subdirectory.
func newLab(bin labtest.Binaries, dir, name string) (*labtest.Lab, error) {
	sub, err := os.MkdirTemp(dir, name)
	if err != nil {
		return nil, err
	}
	return labtest.New(bin, sub), nil
}

// firstPing starts a line n0 - n1 - n2 and measures from the launch of the
// first node until n0 gets its first echo reply from n2. Each node is
// launched once the previous one listens, so no call is refused and held
// off; n0 pings every 20 ms from the moment its TUN is up.
func firstPing(bin labtest.Binaries, dir string, i int) (time.Duration, error) {
	lab, err := newLab(bin, dir, fmt.Sprintf("ping%d-", i))
	if err != nil {
		return 0, err
	}
	defer lab.Close()
	nodes, err := lab.Build(3, []labtest.Edge{{Dialer: 1, Listener: 0}, {Dialer: 2, Listener: 1}})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for _, n := range nodes {
		if err := n.Launch(); err != nil {
			return 0, err
		}
		if err := n.WaitLog("Startup complete", 20*time.Second); err != nil {
			return 0, err
		}
	}
	if err := nodes[0].WaitReady(20 * time.Second); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := nodes[0].NS.Command(ctx, "ping", "-6", "-n", "-i", "0.02", "-W", "5", nodes[2].Addr.String())
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if strings.Contains(lines.Text(), "bytes from") {
			return time.Since(start), nil
		}
	}
	return 0, fmt.Errorf("no reply from n2 within 30 s")
}

// throughput runs iperf3 from n0 to n1 of a two-node lab, first to n1's
// overlay address, then to its veth address, and returns bits per second
// received for each, and the MTUs of the two paths.
func throughput(bin labtest.Binaries, dir string, seconds int) (overlay, veth float64, mtus string, err error) {
	lab, err := newLab(bin, dir, "iperf-")
	if err != nil {
		return 0, 0, "", err
	}
	defer lab.Close()
	nodes, err := lab.Build(2, []labtest.Edge{{Dialer: 1, Listener: 0}})
	if err != nil {
		return 0, 0, "", err
	}
	for _, n := range nodes {
		if err := n.Start(); err != nil {
			return 0, 0, "", err
		}
	}
	if err := labtest.WaitPeered(nodes[0], nodes[1], 20*time.Second); err != nil {
		return 0, 0, "", err
	}
	if _, err := nodes[0].WaitPingNode(nodes[1], 20*time.Second); err != nil {
		return 0, 0, "", err
	}
	lk := lab.Links()[0]
	mtus = fmt.Sprintf("TUN MTU %s, veth MTU %s", mtu(nodes[0], labtest.TUNName), mtu(nodes[0], lk.IfName[0]))
	// One retry: an iperf3 run can fail on its own (its control connection
	// is set up while the client is still being started); the error of a
	// failed run is printed so a real fault would show.
	if overlay, err = iperf(nodes[0], nodes[1], nodes[1].Addr.String(), seconds); err != nil {
		fmt.Fprintf(os.Stderr, "labtimings: %v; trying once more\n", err)
		if overlay, err = iperf(nodes[0], nodes[1], nodes[1].Addr.String(), seconds); err != nil {
			return 0, 0, "", err
		}
	}
	if veth, err = iperf(nodes[0], nodes[1], lk.IPv6[1].String(), seconds); err != nil {
		return 0, 0, "", err
	}
	return overlay, veth, mtus, nil
}

// mtu reads an interface's MTU inside a node's namespace.
func mtu(n *labtest.Node, ifname string) string {
	out, err := n.NS.IP("-o", "link", "show", "dev", ifname)
	if err != nil {
		return "?"
	}
	f := strings.Fields(out)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "mtu" {
			return f[i+1]
		}
	}
	return "?"
}

// iperf runs a one-off iperf3 server in to's namespace and a client in
// from's, and returns the receiver's bits per second.
func iperf(from, to *labtest.Node, addr string, seconds int) (float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+30)*time.Second)
	defer cancel()
	server := to.NS.Command(ctx, "iperf3", "-s", "-1")
	if err := server.Start(); err != nil {
		return 0, err
	}
	defer func() { cancel(); _ = server.Wait() }()
	var out []byte
	var err error
	// The server needs a moment to listen; a refused client fails at once.
	for try := 0; try < 50; try++ {
		client := from.NS.Command(ctx, "iperf3", "-c", addr, "-t", fmt.Sprint(seconds), "-J")
		if out, err = client.Output(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return 0, fmt.Errorf("iperf3 to %s: %w: %s", addr, err, out)
	}
	var res struct {
		Error string `json:"error"`
		End   struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, fmt.Errorf("iperf3 output: %w", err)
	}
	if res.End.SumReceived.BitsPerSecond <= 0 {
		return 0, fmt.Errorf("iperf3 to %s reported no throughput (iperf3 error: %q)", addr, res.Error)
	}
	return res.End.SumReceived.BitsPerSecond, nil
}

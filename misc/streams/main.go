// Command streams prints TCP throughput and retransmissions through the
// overlay with one and with several streams in one session, on 1 and 2
// hops, for the node built from the working tree and, with -baseline, for
// the node built from another git revision, measured in alternating rounds
// of one run. It backs issue 10's finding 7: a session's packets reordered
// by the switch were dropped by its own receiver, so several streams in one
// session retransmitted heavily.
//
// It needs root (network namespaces, TUN) and iperf3; misc/streams.sh
// installs iperf3. Figures are printed, never asserted.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/yggmesh/ygg/src/labtest"
)

func main() {
	baseline := flag.String("baseline", "", "git revision to compare with (empty: only the working tree)")
	rounds := flag.Int("rounds", 3, "rounds per case; the median is printed")
	seconds := flag.Int("seconds", 6, "length of each iperf3 run")
	streams := flag.Int("streams", 4, "parallel streams in the many-stream case")
	flag.Parse()
	if err := run(*baseline, *rounds, *seconds, *streams); err != nil {
		fmt.Fprintf(os.Stderr, "streams: %v\n", err)
		os.Exit(1)
	}
}

// build is one node binary under test.
type build struct {
	name string
	bin  labtest.Binaries
}

func run(baseline string, rounds, seconds, streams int) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root to create network namespaces")
	}
	dir, err := os.MkdirTemp("", "streams")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cur, err := labtest.BuildBinaries(filepath.Join(dir, "current"))
	if err != nil {
		return err
	}
	builds := []build{{"working tree", cur}}
	if baseline != "" {
		bin, err := buildRevision(dir, baseline)
		if err != nil {
			return fmt.Errorf("building %s: %w", baseline, err)
		}
		builds = append(builds, build{baseline, bin})
	}
	type key struct {
		build, hops, streams int
	}
	results := map[key][]result{}
	for r := range rounds {
		for hops := 1; hops <= 2; hops++ {
			for _, n := range []int{1, streams} {
				for b := range builds {
					res, err := measure(builds[b].bin, dir, hops, n, seconds)
					if err != nil {
						return fmt.Errorf("round %d, %s, %d hops, %d streams: %w", r+1, builds[b].name, hops, n, err)
					}
					results[key{b, hops, n}] = append(results[key{b, hops, n}], res)
				}
			}
		}
	}
	fmt.Printf("iperf3 %d s through the TUNs, one session, median of %d rounds (alternating builds):\n", seconds, rounds)
	for hops := 1; hops <= 2; hops++ {
		for _, n := range []int{1, streams} {
			for b := range builds {
				rs := results[key{b, hops, n}]
				fmt.Printf("  %d hop(s), %d stream(s), %-14s %7.0f Mbit/s  %6d retransmits\n", hops, n, builds[b].name+":",
					median(rs, func(r result) float64 { return r.bps / 1e6 }),
					int(median(rs, func(r result) float64 { return float64(r.retransmits) })))
			}
		}
	}
	return nil
}

type result struct {
	bps         float64
	retransmits int
}

func median(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// buildRevision builds rev's yggdrasil in a detached git worktree.
func buildRevision(dir, rev string) (labtest.Binaries, error) {
	wt := filepath.Join(dir, "baseline-src")
	if out, err := exec.Command("git", "worktree", "add", "--detach", wt, rev).CombinedOutput(); err != nil {
		return labtest.Binaries{}, fmt.Errorf("%v: %s", err, out)
	}
	defer exec.Command("git", "worktree", "remove", "--force", wt).Run()
	bin := labtest.Binaries{Node: filepath.Join(dir, "baseline-yggdrasil")}
	cmd := exec.Command("go", "build", "-o", bin.Node, "./cmd/yggdrasil")
	cmd.Dir = wt
	if out, err := cmd.CombinedOutput(); err != nil {
		return labtest.Binaries{}, fmt.Errorf("%v: %s", err, out)
	}
	return bin, nil
}

// measure runs iperf3 with n streams from the first to the last node of a
// line of hops+1 nodes.
func measure(bin labtest.Binaries, dir string, hops, n, seconds int) (result, error) {
	sub, err := os.MkdirTemp(dir, "lab")
	if err != nil {
		return result{}, err
	}
	lab := labtest.New(bin, sub)
	defer lab.Close()
	var edges []labtest.Edge
	for i := range hops {
		edges = append(edges, labtest.Edge{Dialer: i + 1, Listener: i})
	}
	nodes, err := lab.Build(hops+1, edges)
	if err != nil {
		return result{}, err
	}
	for _, nd := range nodes {
		if err := nd.Start(); err != nil {
			return result{}, err
		}
	}
	from, to := nodes[0], nodes[hops]
	if _, err := from.WaitPingNode(to, 30*time.Second); err != nil {
		return result{}, err
	}
	// One retry: an iperf3 run can fail on its own (its control connection
	// races the server's start, or a stream's set-up is lost); the error
	// is printed, so a failing node would show.
	res, err := iperf(from, to, n, seconds)
	if err != nil {
		fmt.Fprintf(os.Stderr, "streams: %d hops, %d streams: %v; once more\n", hops, n, err)
		res, err = iperf(from, to, n, seconds)
	}
	return res, err
}

func iperf(from, to *labtest.Node, n, seconds int) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+30)*time.Second)
	defer cancel()
	server := to.NS.Command(ctx, "iperf3", "-s", "-1")
	if err := server.Start(); err != nil {
		return result{}, err
	}
	defer func() { cancel(); _ = server.Wait() }()
	var res struct {
		Error string `json:"error"`
		End   struct {
			SumSent struct {
				Retransmits int `json:"retransmits"`
			} `json:"sum_sent"`
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
	}
	// The server needs a moment to listen: iperf3 then reports "connection
	// refused" in its JSON (and may still exit 0), so try again.
	for range 50 {
		client := from.NS.Command(ctx, "iperf3", "-c", to.Addr.String(), "-t", fmt.Sprint(seconds), "-P", fmt.Sprint(n), "-J")
		out, err := client.Output()
		res.Error = ""
		if jerr := json.Unmarshal(out, &res); jerr != nil && err == nil {
			err = fmt.Errorf("iperf3 output: %w", jerr)
		}
		if err == nil && res.Error == "" {
			break
		}
		if !strings.Contains(res.Error, "refused") {
			return result{}, fmt.Errorf("iperf3: %v %q: %s", err, res.Error, strings.TrimSpace(string(out)))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if res.End.SumReceived.BitsPerSecond <= 0 {
		return result{}, fmt.Errorf("iperf3 reported no throughput (error %q)", res.Error)
	}
	return result{res.End.SumReceived.BitsPerSecond, res.End.SumSent.Retransmits}, nil
}

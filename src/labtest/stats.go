//go:build linux

package labtest

// A look at a running node from outside: memory and open files from /proc,
// and the goroutine count from the node's opt-in debug listener
// (YGG_DEBUG_LISTEN, see cmd/yggdrasil), fetched from inside the node's
// namespace by this program re-executed as the "get" helper.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// DebugListenEnv is the environment variable that makes a node serve
// Go's pprof handlers on the address it holds.
const DebugListenEnv = "YGG_DEBUG_LISTEN"

// maxGetBytes bounds what the get helper prints of a response.
const maxGetBytes = 1 << 20

// Stats is one look at a node process.
type Stats struct {
	PID        int
	Goroutines int   // -1 when the debug listener did not answer
	RSSKiB     int64 // VmRSS
	FDs        int   // entries in /proc/PID/fd
}

// Stats looks at the running node. debugAddr is the address the node was
// told to serve pprof on (its Env holds DebugListenEnv); "" skips the
// goroutine count. The error reports what could not be read; the fields
// that could are filled in all the same.
func (n *Node) Stats(ctx context.Context, debugAddr string) (Stats, error) {
	s := Stats{PID: n.PID(), Goroutines: -1}
	if s.PID == 0 {
		return s, fmt.Errorf("%s is not running", n.Name)
	}
	var errs []error
	var err error
	if s.RSSKiB, err = readVmRSS(s.PID); err != nil {
		errs = append(errs, err)
	}
	if s.FDs, err = countFDs(s.PID); err != nil {
		errs = append(errs, err)
	}
	if debugAddr != "" {
		if s.Goroutines, err = n.goroutines(ctx, debugAddr); err != nil {
			s.Goroutines = -1
			errs = append(errs, err)
		}
	}
	return s, errors.Join(errs...)
}

// goroutines asks the node's debug listener for its goroutine count.
func (n *Node) goroutines(ctx context.Context, debugAddr string) (int, error) {
	body, err := n.NS.HTTPGet(ctx, "http://"+debugAddr+"/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0, err
	}
	return ParseGoroutineTotal(body)
}

// ParseGoroutineTotal reads N from the first line of a goroutine profile
// in text form (debug=1): "goroutine profile: total N".
func ParseGoroutineTotal(profile string) (int, error) {
	first, _, _ := strings.Cut(profile, "\n")
	total, ok := strings.CutPrefix(first, "goroutine profile: total ")
	n, err := strconv.Atoi(strings.TrimSpace(total))
	if !ok || err != nil || n < 0 {
		return 0, fmt.Errorf("not a goroutine profile: %q", first)
	}
	return n, nil
}

// readVmRSS returns the resident set size of a process in KiB.
func readVmRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseVmRSS(f)
}

// parseVmRSS finds the "VmRSS:   1234 kB" line of /proc/PID/status.
func parseVmRSS(status io.Reader) (int64, error) {
	lines := bufio.NewScanner(status)
	for lines.Scan() {
		rest, ok := strings.CutPrefix(lines.Text(), "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			break
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	if err := lines.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmRSS line in the process status")
}

// countFDs counts a process's open file descriptors.
func countFDs(pid int) (int, error) {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(entries), err
}

// HTTPGet fetches url from inside the namespace and returns the body of a
// 200 response (at most 1 MiB). It re-executes this program as a helper,
// so the program must call HelperMain first thing, as for Transfer.
func (ns *Namespace) HTTPGet(ctx context.Context, url string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	const timeout = 10 * time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	cmd := ns.Command(ctx, self, url, timeout.String())
	cmd.Env = append(os.Environ(), helperEnv+"=get")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("GET %s in %s: %w: %s", url, ns.Name, err, srcStderr(err))
	}
	return string(out), nil
}

// httpGet is the get helper: it prints the body of a 200 response to url.
func httpGet(url, timeout string, stdout io.Writer) error {
	d, err := time.ParseDuration(timeout)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: d}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	_, err = io.Copy(stdout, io.LimitReader(resp.Body, maxGetBytes))
	return err
}

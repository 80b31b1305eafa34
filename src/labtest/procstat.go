//go:build linux

package labtest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ProcStats are a running node's resident memory, threads and open file
// descriptors, from /proc. Tests log them; they are figures, not limits.
type ProcStats struct {
	RSSKiB  int
	Threads int
	FDs     int
}

func (s ProcStats) String() string {
	return fmt.Sprintf("rss=%d KiB threads=%d fds=%d", s.RSSKiB, s.Threads, s.FDs)
}

// ProcStats reads n's figures. `ip netns exec` replaces itself with the
// node, so the process it started is the node itself.
func (n *Node) ProcStats() (ProcStats, error) {
	p, err := n.current()
	if err != nil {
		return ProcStats{}, err
	}
	if p.exited() {
		return ProcStats{}, fmt.Errorf("%s is not running", n.Name)
	}
	dir := fmt.Sprintf("/proc/%d", p.cmd.Process.Pid)
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return ProcStats{}, err
	}
	fds, err := os.ReadDir(dir + "/fd")
	if err != nil {
		return ProcStats{}, err
	}
	s := ProcStats{FDs: len(fds)}
	s.RSSKiB, err = statusField(string(status), "VmRSS:")
	if err == nil {
		s.Threads, err = statusField(string(status), "Threads:")
	}
	return s, err
}

// statusField reads the number after name in /proc/<pid>/status text
// ("VmRSS:	  12345 kB").
func statusField(status, name string) (int, error) {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				return strconv.Atoi(f[0])
			}
		}
	}
	return 0, fmt.Errorf("no %s in /proc status", name)
}

//go:build linux

package labtest

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Exec runs a command in the node's namespace, killed when ctx ends.
func (n *Node) Exec(ctx context.Context, name string, args ...string) (string, error) {
	return n.NS.Exec(ctx, name, args...)
}

// Ping sends count echo requests from n's namespace to addr with
// `ping -6 -n -c <count> -i 0.2 -W 1` and succeeds if any reply comes back (ping's
// own exit status).
func (n *Node) Ping(addr string, count int) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(count+5)*time.Second)
	defer cancel()
	_, err := n.Exec(ctx, "ping", "-6", "-n", "-c", strconv.Itoa(count), "-i", "0.2", "-W", "1", addr)
	return err
}

// WaitPing pings addr once a try until a reply comes or timeout passes, and
// returns how long that took. Each try waits at most 1 s for its reply, so
// the result is accurate to about a second.
func (n *Node) WaitPing(addr string, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	var last error
	for tries := 1; ; tries++ {
		if last = n.Ping(addr, 1); last == nil {
			return time.Since(start), nil
		}
		if time.Now().After(deadline) {
			return time.Since(start), fmt.Errorf("%s: no ping reply from %s within %v (%d tries): %w",
				n.Name, addr, timeout, tries, last)
		}
		time.Sleep(pollInterval)
	}
}

// WaitPingNode waits until n gets a ping reply from m's address.
func (n *Node) WaitPingNode(m *Node, timeout time.Duration) (time.Duration, error) {
	return n.WaitPing(m.Addr.String(), timeout)
}

// Ctl runs yggdrasilctl against the node's admin socket.
func (n *Node) Ctl(args ...string) (string, error) {
	if n.lab.Bin.Ctl == "" {
		return "", fmt.Errorf("yggdrasilctl was not built")
	}
	return run(n.lab.Bin.Ctl, append([]string{"-endpoint", "unix://" + n.AdminPath}, args...)...)
}

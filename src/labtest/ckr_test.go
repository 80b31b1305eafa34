//go:build linux

package labtest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/config"
)

// ckrSide is one node's half of the tunnel-routing test network.
type ckrSide struct {
	local4, local6   []string          // TunnelRouting local subnets
	remote4, remote6 map[string]string // remote subnets to the other node's key
	addrs            []string          // host addresses put on lo
	extraRoutes      []string          // prefixes routed into the TUN besides the remote subnets
}

// setUpCKR configures tunnel routing for n and puts the host addresses in
// its namespace; routeCKR checks the node's routes once the TUN exists.
func setUpCKR(t *testing.T, n *Node, s ckrSide) {
	t.Helper()
	n.Config.TunnelRouting = config.TunnelRouting{
		Enable:            true,
		IPv4LocalSubnets:  s.local4,
		IPv6LocalSubnets:  s.local6,
		IPv4RemoteSubnets: s.remote4,
		IPv6RemoteSubnets: s.remote6,
	}
	for _, a := range s.addrs {
		_, err := n.NS.IP("addr", "add", a, "dev", "lo", "nodad")
		must(t, err)
	}
}

// routeCKR checks that the node routed its remote subnets into its TUN by
// itself, then adds the extra routes. The routes go with the TUN when the
// node stops.
func routeCKR(t *testing.T, n *Node, s ckrSide) {
	t.Helper()
	for _, remotes := range []map[string]string{s.remote4, s.remote6} {
		for prefix := range remotes {
			family := "-4"
			if strings.Contains(prefix, ":") {
				family = "-6"
			}
			out, err := n.NS.IP(family, "route", "show", prefix)
			must(t, err)
			if !strings.Contains(out, "dev "+n.IfName) {
				t.Fatalf("%s: no route for remote subnet %s into %s: %q", n.NS.Name, prefix, n.IfName, out)
			}
		}
	}
	for _, r := range s.extraRoutes {
		_, err := n.NS.IP("route", "add", r, "dev", n.IfName)
		must(t, err)
	}
}

// echoDelta pings dst from src on from, count times, and returns how many
// echo requests reached to's kernel (IPv4 or IPv6 by the address family)
// and whether any reply came back.
func echoDelta(t *testing.T, from, to *Node, src, dst string, count int, v6 bool) (uint64, bool) {
	t.Helper()
	b4, b6, err := to.EchoRequestsIn()
	must(t, err)
	replied := from.PingFrom(src, dst, count) == nil
	// A request still in flight when ping gave up would arrive late.
	time.Sleep(200 * time.Millisecond)
	a4, a6, err := to.EchoRequestsIn()
	must(t, err)
	if v6 {
		return a6 - b6, replied
	}
	return a4 - b4, replied
}

// Issue 6: two nodes carry IPv4 and a non-Yggdrasil IPv6 prefix between
// their namespaces over tunnel routing (spec 03 §3.10), and packets from a
// source outside the allowed subnets are dropped, both by the sending node
// (source not in its local subnets, §3.6) and by the receiving node (source
// not routed to the sender's key, §3.7).
//
// Whether a packet arrived is read from the receiver's kernel counters, not
// from ping replies, so a drop on either side is told apart from a reply
// that merely could not come back.
func TestTunnelRouting(t *testing.T) {
	lab := newLab(t, false)
	nodes, err := lab.Build(2, []Edge{{Dialer: 1, Listener: 0}})
	must(t, err)
	a, b := nodes[0], nodes[1]
	aKey, bKey := a.Keys.BoxPub.String(), b.Keys.BoxPub.String()
	// a may send from 10.10.1.0/24 and 10.10.3.0/24, but b accepts only
	// 10.10.1.0/24 as coming from a; 10.10.4.1 is in none of a's subnets.
	sideA := ckrSide{
		local4:  []string{"10.10.1.0/24", "10.10.3.0/24"},
		local6:  []string{"fd10:1::/64", "fd10:3::/64"},
		remote4: map[string]string{"10.10.2.0/24": bKey},
		remote6: map[string]string{"fd10:2::/64": bKey},
		addrs:   []string{"10.10.1.1/32", "10.10.3.1/32", "10.10.4.1/32", "fd10:1::1/128", "fd10:3::1/128", "fd10:4::1/128"},
	}
	sideB := ckrSide{
		local4:  []string{"10.10.2.0/24"},
		local6:  []string{"fd10:2::/64"},
		remote4: map[string]string{"10.10.1.0/24": aKey},
		remote6: map[string]string{"fd10:1::/64": aKey},
		addrs:   []string{"10.10.2.1/32", "fd10:2::1/128"},
		// Everything of the test's prefixes goes back into the TUN, so a
		// packet b wrongly accepted would be answered.
		extraRoutes: []string{"10.10.0.0/16", "fd10::/16"},
	}
	setUpCKR(t, a, sideA)
	setUpCKR(t, b, sideB)
	for _, n := range nodes {
		must(t, n.Start())
	}
	routeCKR(t, a, sideA)
	routeCKR(t, b, sideB)
	must(t, WaitPeered(a, b, 20*time.Second))
	for _, n := range nodes {
		out, err := n.Ctl("-json", "getTunnelRouting")
		must(t, err)
		if !jsonHasEnabled(out) {
			t.Fatalf("%s: getTunnelRouting says %s", n.Name, out)
		}
	}

	// Allowed both ways, IPv4 and IPv6.
	for _, c := range []struct {
		from     *Node
		src, dst string
	}{
		{a, "10.10.1.1", "10.10.2.1"}, {b, "10.10.2.1", "10.10.1.1"},
		{a, "fd10:1::1", "fd10:2::1"}, {b, "fd10:2::1", "fd10:1::1"},
	} {
		deadline := time.Now().Add(pingTimeout)
		for c.from.PingFrom(c.src, c.dst, 1) != nil {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no reply from %s to %s over tunnel routing", c.from.Name, c.dst, c.src)
			}
		}
	}
	const count = 3
	for _, c := range []struct {
		name     string
		src, dst string
		v6       bool
		want     uint64
	}{
		{"allowed IPv4 (control)", "10.10.1.1", "10.10.2.1", false, count},
		{"allowed IPv6 (control)", "fd10:1::1", "fd10:2::1", true, count},
		{"IPv4 source outside a's local subnets", "10.10.4.1", "10.10.2.1", false, 0},
		{"IPv6 source outside a's local subnets", "fd10:4::1", "fd10:2::1", true, 0},
		{"IPv4 source b does not route to a", "10.10.3.1", "10.10.2.1", false, 0},
		{"IPv6 source b does not route to a", "fd10:3::1", "fd10:2::1", true, 0},
	} {
		got, replied := echoDelta(t, a, b, c.src, c.dst, count, c.v6)
		if got != c.want || replied != (c.want > 0) {
			t.Errorf("%s: %d of %d echo requests reached b (want %d), replied %v", c.name, got, count, c.want, replied)
		}
	}
	for _, n := range nodes {
		must(t, n.Stop())
	}
}

// jsonHasEnabled reports whether yggdrasilctl -json output of
// getTunnelRouting says enabled.
func jsonHasEnabled(out string) bool {
	var resp struct {
		Enabled bool `json:"enabled"`
	}
	return json.Unmarshal([]byte(out), &resp) == nil && resp.Enabled
}

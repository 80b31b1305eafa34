//go:build linux

package tuntap

import (
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/ckr"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/internal/roottest"
	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/logging/logbuf"
)

// Tunnel routing puts its remote subnets into the kernel's routing table
// through the TUN, and keeps them in step with every change.
func TestTunnelRoutesInstalled(t *testing.T) {
	roottest.EnterNetns(t)
	roottest.NeedTUN(t)
	key, _ := crypto.NewBoxKeys()
	var logBuf logbuf.Buffer
	a, err := Start(newFakeCore(), Options{IfName: "yggrt0", IfMTU: 1500, Logger: logging.New(&logBuf, logging.LevelDebug), TunnelRouting: config.TunnelRouting{
		Enable:            true,
		IPv4RemoteSubnets: map[string]string{"10.20.0.0/16": key.String()},
		IPv6RemoteSubnets: map[string]string{"fd20::/32": key.String()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Stop)
	has := func(want ...string) {
		t.Helper()
		a.routeSync.wait() // changes reach the kernel after UpdateCKR returns
		v4 := roottest.IP(t, "-4", "route", "show", "dev", "yggrt0")
		v6 := roottest.IP(t, "-6", "route", "show", "dev", "yggrt0")
		got := v4 + v6
		for _, prefix := range []string{"10.20.0.0/16", "fd20::/32", "10.30.0.0/24"} {
			shown := strings.Contains(got, prefix+" ")
			wanted := false
			for _, w := range want {
				wanted = wanted || w == prefix
			}
			if shown != wanted {
				t.Fatalf("route %s shown=%v, want %v; routes:\n%s\nlog:\n%s", prefix, shown, wanted, got, logBuf.String())
			}
		}
	}
	has("10.20.0.0/16", "fd20::/32")

	if err := a.UpdateCKR(func(s *ckr.State) error { return s.AddRemoteSubnet("10.30.0.5/24", key.String()) }); err != nil {
		t.Fatal(err)
	}
	has("10.20.0.0/16", "fd20::/32", "10.30.0.0/24")
	if err := a.UpdateCKR(func(s *ckr.State) error { return s.RemoveRemoteSubnet("10.20.0.0/16", key.String()) }); err != nil {
		t.Fatal(err)
	}
	has("fd20::/32", "10.30.0.0/24")

	// Disabled: no routes, but they come back with the table.
	_ = a.UpdateCKR(func(s *ckr.State) error { s.SetEnabled(false); return nil })
	has()
	_ = a.UpdateCKR(func(s *ckr.State) error { s.SetEnabled(true); return nil })
	has("fd20::/32", "10.30.0.0/24")

	// A reload replaces everything.
	a.ReloadCKR(config.TunnelRouting{Enable: true, IPv4RemoteSubnets: map[string]string{"10.20.0.0/16": key.String()}})
	has("10.20.0.0/16")
}

// Routes already in the kernel for the same prefixes (the host's default
// route, a LAN) are not taken over, and so not deleted when tunnel routing
// lets go of its own.
func TestTunnelRoutesLeaveOthersAlone(t *testing.T) {
	roottest.EnterNetns(t)
	roottest.NeedTUN(t)
	roottest.IP(t, "link", "add", "lan0", "type", "veth", "peer", "name", "lan1")
	roottest.IP(t, "addr", "add", "192.0.2.1/24", "dev", "lan0")
	roottest.IP(t, "link", "set", "lan1", "up")
	roottest.IP(t, "link", "set", "lan0", "up")
	roottest.IP(t, "route", "add", "default", "via", "192.0.2.254", "dev", "lan0")
	roottest.IP(t, "route", "add", "10.40.0.0/16", "dev", "lan0")
	hostRoutes := roottest.IP(t, "-4", "route", "show", "dev", "lan0")

	key, _ := crypto.NewBoxKeys()
	var logBuf logbuf.Buffer
	a, err := Start(newFakeCore(), Options{IfName: "yggrt1", IfMTU: 1500, Logger: logging.New(&logBuf, logging.LevelDebug), TunnelRouting: config.TunnelRouting{
		Enable: true,
		IPv4RemoteSubnets: map[string]string{"0.0.0.0/0": key.String(), "10.40.0.0/16": key.String(),
			"10.20.0.0/16": key.String()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Stop)
	if got := roottest.IP(t, "-4", "route", "show", "dev", "lan0"); got != hostRoutes {
		t.Fatalf("host routes changed by tunnel routing:\n%s\nwere:\n%s", got, hostRoutes)
	}
	if got := roottest.IP(t, "-4", "route", "show", "dev", "yggrt1"); !strings.Contains(got, "10.20.0.0/16 ") {
		t.Fatalf("tunnel route missing:\n%s", got)
	}
	for _, want := range []string{"route 10.40.0.0/16 already exists", "default route 0.0.0.0/0 not installed"} {
		if !strings.Contains(logBuf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logBuf.String())
		}
	}
	_ = a.UpdateCKR(func(s *ckr.State) error { s.SetEnabled(false); return nil })
	a.routeSync.wait() // Stop would skip the sync that removes the routes
	a.Stop()
	if got := roottest.IP(t, "-4", "route", "show", "dev", "lan0"); got != hostRoutes {
		t.Fatalf("host routes lost when tunnel routing let go:\n%s\nwere:\n%s", got, hostRoutes)
	}
}

// Default routes (prefix length 0) are not installed: they would also take
// the node's own peering traffic into the TUN.
func TestTunnelDefaultRoutesNotInstalled(t *testing.T) {
	roottest.EnterNetns(t)
	roottest.NeedTUN(t)
	key, _ := crypto.NewBoxKeys()
	var logBuf logbuf.Buffer
	a, err := Start(newFakeCore(), Options{IfName: "yggrt1", IfMTU: 1500, Logger: logging.New(&logBuf, logging.LevelInfo),
		TunnelRouting: config.TunnelRouting{
			Enable:            true,
			IPv4RemoteSubnets: map[string]string{"0.0.0.0/0": key.String(), "10.40.0.0/16": key.String()},
			IPv6RemoteSubnets: map[string]string{"::/0": key.String()},
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Stop)
	v4 := roottest.IP(t, "-4", "route", "show", "dev", "yggrt1")
	v6 := roottest.IP(t, "-6", "route", "show", "dev", "yggrt1")
	if strings.Contains(v4, "default") || strings.Contains(v6, "default") || !strings.Contains(v4, "10.40.0.0/16") {
		t.Fatalf("routes:\n%s%s", v4, v6)
	}
	if !strings.Contains(logBuf.String(), "default route 0.0.0.0/0 not installed") {
		t.Fatalf("no log line about the default route:\n%s", logBuf.String())
	}
}

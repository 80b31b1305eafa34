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
)

// Tunnel routing puts its remote subnets into the kernel's routing table
// through the TUN, and keeps them in step with every change.
func TestTunnelRoutesInstalled(t *testing.T) {
	roottest.EnterNetns(t)
	roottest.NeedTUN(t)
	key, _ := crypto.NewBoxKeys()
	var logBuf syncBuffer
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

package node

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/yggmesh/ygg/src/admin"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/tuntap"
)

const routeKey = "11e9e151a28604339671c4ac14a24c32c44cf5a9f52d0cff2cf7fcaf4e50b70f"

// adminFor serves AddAdminHandlers(parts) on a unix socket for one test.
func adminFor(t *testing.T, parts AdminParts) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ygg-admin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := admin.New(logging.Discard())
	if err := AddAdminHandlers(s, parts); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "a.sock")
	if err := s.Start("unix://" + sock); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return sock
}

// bareCore is a started core with no links, for handlers that need one.
func bareCore(t testing.TB) *core.Core {
	t.Helper()
	cfg := config.Generate()
	cfg.Listen = nil
	c := core.New(core.NewIdentity(), core.Options{})
	if err := c.Start(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c
}

// deviceless is a TUN adapter on c without a device (IfName none), as a
// node without TUN runs it, starting from the routing section tr.
func deviceless(t testing.TB, c *core.Core, tr config.TunnelRouting) *tuntap.Adapter {
	t.Helper()
	tun, err := tuntap.Start(c, tuntap.Options{IfName: "none", TunnelRouting: tr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tun.Stop)
	return tun
}

// tunnelConfig is a TunnelRouting section with one route and one local
// subnet, enabled.
func tunnelConfig() config.TunnelRouting {
	return config.TunnelRouting{
		Enable:            true,
		IPv4RemoteSubnets: map[string]string{"10.60.2.0/24": routeKey},
		IPv4LocalSubnets:  []string{"10.70.0.0/16"},
	}
}

func TestAdminTunnelRouting(t *testing.T) {
	t.Run("without device", func(t *testing.T) {
		c := bareCore(t)
		tun := deviceless(t, c, tunnelConfig())
		sock := adminFor(t, AdminParts{Core: c, Tun: tun})
		matchCapture(t, "gettuntap-none", call(t, sock, req("getTunTap")))
		checkCKR(t, sock, tun)
	})
	t.Run("with device", func(t *testing.T) {
		c := bareCore(t)
		tun, err := tuntap.Start(c, tuntap.Options{Device: tuntap.NewMemDevice("tun9", 1500), IfMTU: 1500,
			TunnelRouting: tunnelConfig()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(tun.Stop)
		sock := adminFor(t, AdminParts{Core: c, Tun: tun})
		env := call(t, sock, req("getTunTap"))
		matchCapture(t, "gettuntap", env, ".response")
		if got := obj(t, env, "response", "tun9"); num(t, got, "mtu") != 1500 {
			t.Errorf("getTunTap = %v, want tun9 with mtu 1500", env["response"])
		}
		checkCKR(t, sock, tun)
	})
}

// checkCKR runs the tunnel-routing handlers through add, duplicate, list,
// remove and not-found against a state that starts as tunnelConfig. The
// adapter's own state must follow every change.
func checkCKR(t *testing.T, sock string, tun *tuntap.Adapter) {
	t.Helper()
	routes := func() map[string]any {
		env := call(t, sock, req("getRoutes"))
		matchCapture(t, "getroutes", env, ".response.routes")
		got := obj(t, env, "response", "routes")
		want := map[string]any{}
		for k, v := range tun.CKR().Routes() {
			want[k] = v
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("getRoutes %v, adapter has %v", got, want)
		}
		return got
	}
	sources := func() []string {
		env := call(t, sock, req("getSourceSubnets"))
		v := obj(t, env, "response")["source_subnets"]
		if v == nil {
			matchCapture(t, "getsourcesubnets", env)
			return nil
		}
		matchCapture(t, "getsourcesubnets-some", env)
		var out []string
		for _, s := range v.([]any) {
			out = append(out, s.(string))
		}
		if !slices.Equal(out, tun.CKR().SourceSubnets()) {
			t.Errorf("getSourceSubnets %v, adapter has %v", out, tun.CKR().SourceSubnets())
		}
		return out
	}
	enabled := func() bool {
		env := call(t, sock, req("getTunnelRouting"))
		matchCapture(t, "gettunnelrouting", env)
		on := obj(t, env, "response")["enabled"].(bool)
		if on != tun.CKR().Enabled() {
			t.Errorf("getTunnelRouting %v, adapter says %v", on, tun.CKR().Enabled())
		}
		return on
	}

	if r := routes(); !reflect.DeepEqual(r, map[string]any{"10.60.2.0/24": routeKey}) {
		t.Errorf("routes from the config = %v", r)
	}
	if s := sources(); !slices.Equal(s, []string{"10.70.0.0/16"}) {
		t.Errorf("source subnets from the config = %v", s)
	}
	if !enabled() {
		t.Error("tunnel routing should start enabled, as configured")
	}

	// Local subnets.
	local := "10.55.0.0/16"
	env := call(t, sock, req("addLocalSubnet", "subnet", local))
	matchCapture(t, "addlocalsubnet", env)
	wantAdded(t, env, "added", local)
	env = call(t, sock, req("addLocalSubnet", "subnet", local))
	matchCapture(t, "addlocalsubnet-dup", env)
	wantError(t, env, "Failed to add source subnet")
	wantAdded(t, env, "not_added", local)
	wantError(t, call(t, sock, req("addLocalSubnet", "subnet", "10.1.2.3")), "Failed to add source subnet")
	// Host bits are masked in the listing; IPv4 before IPv6.
	wantSuccess(t, call(t, sock, req("addLocalSubnet", "subnet", "fd00:1::5/64")))
	wantSuccess(t, call(t, sock, req("addLocalSubnet", "subnet", "10.80.1.1/16")))
	if s := sources(); !slices.Equal(s, []string{"10.70.0.0/16", local, "10.80.0.0/16", "fd00:1::/64"}) {
		t.Errorf("source subnets = %v", s)
	}
	env = call(t, sock, req("removeLocalSubnet", "subnet", local))
	matchCapture(t, "removelocalsubnet", env)
	wantAdded(t, env, "removed", local)
	env = call(t, sock, req("removeLocalSubnet", "subnet", local))
	matchCapture(t, "removelocalsubnet-missing", env)
	wantError(t, env, "Failed to remove source subnet")
	wantAdded(t, env, "not_removed", local)
	for _, s := range []string{"10.70.0.0/16", "10.80.0.0/16", "fd00:1::/64"} {
		wantSuccess(t, call(t, sock, req("removeLocalSubnet", "subnet", s)))
	}
	if s := sources(); s != nil {
		t.Errorf("source subnets after removing all = %v, want null", s)
	}

	// Remote subnets.
	remote := "10.98.0.0/16"
	item := remote + " via " + routeKey
	env = call(t, sock, req("addRemoteSubnet", "subnet", remote, "box_pub_key", routeKey))
	matchCapture(t, "addremotesubnet", env)
	wantAdded(t, env, "added", item)
	env = call(t, sock, req("addRemoteSubnet", "subnet", remote, "box_pub_key", routeKey))
	matchCapture(t, "addremotesubnet-dup", env)
	wantError(t, env, "Failed to add route")
	wantAdded(t, env, "not_added", item)
	for _, bad := range [][2]string{{"200::/7", routeKey}, {"10.99.0.0/16", "abcd"}, {"nonsense", routeKey}} {
		env := call(t, sock, req("addRemoteSubnet", "subnet", bad[0], "box_pub_key", bad[1]))
		wantError(t, env, "Failed to add route")
		wantAdded(t, env, "not_added", bad[0]+" via "+bad[1])
	}
	if r := routes(); !reflect.DeepEqual(r, map[string]any{"10.60.2.0/24": routeKey, remote: routeKey}) {
		t.Errorf("routes = %v", r)
	}
	env = call(t, sock, req("removeRemoteSubnet", "subnet", remote, "box_pub_key", routeKey))
	matchCapture(t, "removeremotesubnet", env)
	wantAdded(t, env, "removed", item)
	env = call(t, sock, req("removeRemoteSubnet", "subnet", remote, "box_pub_key", routeKey))
	matchCapture(t, "removeremotesubnet-missing", env)
	wantError(t, env, "Failed to remove route")
	wantAdded(t, env, "not_removed", item)
	wantSuccess(t, call(t, sock, req("removeRemoteSubnet", "subnet", "10.60.2.0/24", "box_pub_key", routeKey)))
	if r := routes(); len(r) != 0 {
		t.Errorf("routes after removing all = %v, want {}", r)
	}
	wantGeneric(t, sock, `{"request":"addRemoteSubnet","subnet":"10.1.0.0/16","box_pub_key":1}`)
	wantGeneric(t, sock, `{"request":"addLocalSubnet","subnet":false}`)
	wantMissing(t, sock, `{"request":"removeRemoteSubnet","subnet":"10.1.0.0/16"}`, "box_pub_key")

	// setTunnelRouting: only the boolean true enables; routes survive.
	wantSuccess(t, call(t, sock, req("addRemoteSubnet", "subnet", remote, "box_pub_key", routeKey)))
	for _, tc := range []struct {
		val  any
		want bool
	}{{false, false}, {true, true}, {"true", false}, {true, true}, {1, false}, {nil, false}} {
		env := call(t, sock, req("setTunnelRouting", "enabled", tc.val))
		if _, isBool := tc.val.(bool); isBool {
			matchCapture(t, "settunnelrouting", env)
		}
		if got := obj(t, env, "response")["enabled"]; got != tc.want || enabled() != tc.want {
			t.Errorf("setTunnelRouting %v: enabled %v, want %v", tc.val, got, tc.want)
		}
	}
	if r := routes(); len(r) != 1 {
		t.Errorf("routes after toggling = %v, want the one route kept", r)
	}
	wantMissing(t, sock, `{"request":"setTunnelRouting"}`, "enabled")
}

type fakeMulticast []string

func (f fakeMulticast) Interfaces() []string { return f }

func TestAdminMulticastInterfaces(t *testing.T) {
	c := bareCore(t)
	tun := deviceless(t, c, config.TunnelRouting{})
	for _, tc := range []struct {
		name string
		m    MulticastInterfaces
		want []string
	}{
		{"off", nil, nil},
		{"none active", fakeMulticast{}, nil},
		{"two", fakeMulticast{"wlan0", "eth0"}, []string{"eth0", "wlan0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sock := adminFor(t, AdminParts{Core: c, Tun: tun, Multicast: tc.m})
			env := call(t, sock, req("getMulticastInterfaces"))
			v := obj(t, env, "response")["multicast_interfaces"]
			if tc.want == nil {
				matchCapture(t, "getmulticastinterfaces", env)
				return
			}
			var got []string
			for _, s := range v.([]any) {
				got = append(got, s.(string))
			}
			sort.Strings(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("multicast_interfaces %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAddAdminHandlersErrors(t *testing.T) {
	c := bareCore(t)
	tun := deviceless(t, c, config.TunnelRouting{})
	s := admin.New(nil)
	if err := AddAdminHandlers(s, AdminParts{Tun: tun}); err == nil {
		t.Error("no error without a core")
	}
	if err := AddAdminHandlers(s, AdminParts{Core: c}); err == nil {
		t.Error("no error without a TUN adapter")
	}
	if err := AddAdminHandlers(s, AdminParts{Core: c, Tun: tun}); err != nil {
		t.Fatal(err)
	}
	if err := AddAdminHandlers(s, AdminParts{Core: c, Tun: tun}); err == nil {
		t.Error("registering twice on one server is not an error")
	}
	// Every §5.3 handler and nothing else.
	want := []string{}
	for name := range loadCapture(t, "list")["response"].(map[string]any)["list"].(map[string]any) {
		want = append(want, name)
	}
	sort.Strings(want)
	if got := s.Names(); !slices.Equal(got, want) {
		t.Errorf("handlers %v, want %v", got, want)
	}
}

// On a node (IfName none) the CKR handlers work on the adapter's state:
// they start from the config, and a reload replaces what they show.
func TestAdminTunnelRoutingNode(t *testing.T) {
	n := startNode(t, "ckr", func(cfg *config.NodeConfig) { cfg.TunnelRouting = tunnelConfig() })
	matchCapture(t, "gettuntap-none", call(t, n.sock, req("getTunTap")))
	wantSuccess(t, call(t, n.sock, req("addLocalSubnet", "subnet", "10.55.0.0/16")))
	env := call(t, n.sock, req("getSourceSubnets"))
	if got := obj(t, env, "response")["source_subnets"]; !reflect.DeepEqual(got, []any{"10.70.0.0/16", "10.55.0.0/16"}) {
		t.Errorf("source subnets %v", got)
	}
	if got := obj(t, call(t, n.sock, req("getRoutes")), "response", "routes"); !reflect.DeepEqual(got, map[string]any{"10.60.2.0/24": routeKey}) {
		t.Errorf("routes %v", got)
	}

	// A reload replaces everything, run-time additions included.
	cfg := *n.cfg
	cfg.TunnelRouting = config.TunnelRouting{IPv6RemoteSubnets: map[string]string{"fd00:2::/48": routeKey}}
	n.Reload(&cfg)
	if got := obj(t, call(t, n.sock, req("getRoutes")), "response", "routes"); !reflect.DeepEqual(got, map[string]any{"fd00:2::/48": routeKey}) {
		t.Errorf("routes after reload %v", got)
	}
	env = call(t, n.sock, req("getSourceSubnets"))
	matchCapture(t, "getsourcesubnets", env)
	if on := obj(t, call(t, n.sock, req("getTunnelRouting")), "response")["enabled"]; on != false {
		t.Errorf("enabled after reload = %v, want false", on)
	}
}

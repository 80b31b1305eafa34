package config

import (
	"reflect"
	"runtime"
	"testing"
)

// The platform table of spec 03 §2.1.
func TestDefaultsFor(t *testing.T) {
	unix := "unix:///var/run/yggdrasil.sock"
	tcp := "tcp://localhost:9001"
	cases := []struct {
		goos string
		want Defaults
	}{
		{"linux", Defaults{unix, []string{".*"}, "auto", 65535, "/etc/yggdrasil.conf"}},
		{"darwin", Defaults{unix, []string{"en.*", "bridge.*"}, "auto", 65535, "/etc/yggdrasil.conf"}},
		{"freebsd", Defaults{unix, []string{".*"}, "/dev/tun0", 32767, "/usr/local/etc/yggdrasil.conf"}},
		{"openbsd", Defaults{unix, []string{".*"}, "tun0", 16384, "/etc/yggdrasil.conf"}},
		{"windows", Defaults{tcp, []string{".*"}, "Yggdrasil", 65535, `C:\Program Files\Yggdrasil\yggdrasil.conf`}},
		{"plan9", Defaults{tcp, []string{".*"}, "none", 65535, "/etc/yggdrasil.conf"}},
	}
	for _, tc := range cases {
		if got := DefaultsFor(tc.goos); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.goos, got, tc.want)
		}
		c := generateFor(DefaultsFor(tc.goos))
		if c.AdminListen != tc.want.AdminListen || c.IfName != tc.want.IfName || c.IfMTU != tc.want.MaxMTU ||
			!reflect.DeepEqual(c.MulticastInterfaces, tc.want.MulticastInterfaces) {
			t.Errorf("%s: generated %+v", tc.goos, c)
		}
	}
	if !reflect.DeepEqual(PlatformDefaults(), DefaultsFor(runtime.GOOS)) {
		t.Fatal("PlatformDefaults is not the running system's column")
	}
}

// Generate gives fresh, valid keys each time, and the nil/non-nil split
// that makes JSON show [] for user lists and null for the rest.
func TestGenerate(t *testing.T) {
	a, b := Generate(), Generate()
	if a.EncryptionPrivateKey == b.EncryptionPrivateKey || a.SigningPrivateKey == b.SigningPrivateKey {
		t.Fatal("Generate reuses keys")
	}
	for _, c := range []*NodeConfig{a, b} {
		if _, err := c.Keys(); err != nil {
			t.Fatal(err)
		}
	}
	if a.Peers == nil || a.InterfacePeers == nil || a.Listen == nil || a.AllowedEncryptionPublicKeys == nil {
		t.Fatal("user lists must be non-nil")
	}
	if a.SessionFirewall.WhitelistEncryptionPublicKeys != nil || a.SessionFirewall.BlacklistEncryptionPublicKeys != nil ||
		a.TunnelRouting.IPv4LocalSubnets != nil || a.TunnelRouting.IPv6LocalSubnets != nil ||
		a.TunnelRouting.IPv4RemoteSubnets != nil || a.TunnelRouting.IPv6RemoteSubnets != nil || a.NodeInfo != nil {
		t.Fatal("firewall lists, tunnel routing and NodeInfo must be nil")
	}
	a.MulticastInterfaces[0] = "changed"
	if PlatformDefaults().MulticastInterfaces[0] == "changed" || b.MulticastInterfaces[0] == "changed" {
		t.Fatal("configs share the default list")
	}
}

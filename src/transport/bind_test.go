package transport

import (
	"net"
	"testing"
)

func ipnets(t *testing.T, cidrs ...string) []net.Addr {
	var out []net.Addr
	for _, c := range cidrs {
		ip, n, err := net.ParseCIDR(c)
		if err != nil {
			t.Fatal(err)
		}
		n.IP = ip
		out = append(out, n)
	}
	return out
}

// The cases walk through each skip rule of spec 01 §4.2 in turn.
func TestChooseSource(t *testing.T) {
	tests := []struct {
		name  string
		addrs []string
		dst   string
		want  string // "" = none
	}{
		{"first global v4", []string{"10.0.0.1/24", "10.0.0.2/24"}, "10.0.0.9", "10.0.0.1"},
		{"skip the destination itself", []string{"10.0.0.9/24", "10.0.0.2/24"}, "10.0.0.9", "10.0.0.2"},
		{"skip loopback", []string{"127.0.0.1/8", "10.0.0.2/24"}, "10.0.0.9", "10.0.0.2"},
		{"loopback destination has no class", []string{"127.0.0.1/8", "10.0.0.2/24"}, "127.0.0.1", ""},
		{"skip other family", []string{"fd00::1/64", "192.0.2.1/24"}, "192.0.2.7", "192.0.2.1"},
		{"v6 global skips link-local", []string{"fe80::1/64", "fd00::1/64"}, "2001:db8::7", "fd00::1"},
		{"v6 link-local skips global", []string{"fd00::1/64", "2001:db8::1/64", "fe80::1/64", "fe80::2/64"}, "fe80::99", "fe80::1"},
		{"link-local own address is skipped", []string{"fe80::99/64", "fe80::2/64"}, "fe80::99", "fe80::2"},
		{"v4 link-local", []string{"10.0.0.1/8", "169.254.1.1/16"}, "169.254.9.9", "169.254.1.1"},
		{"only the destination", []string{"fe80::1/64"}, "fe80::1", ""},
		{"no addresses", nil, "10.0.0.1", ""},
		{"only multicast-ish and unspecified", []string{"::/128", "::1/128"}, "2001:db8::1", ""},
		{"v4-mapped destination is v4", []string{"fd00::1/64", "10.1.1.1/8"}, "::ffff:10.2.2.2", "10.1.1.1"},
	}
	for _, tt := range tests {
		got := chooseSource(ipnets(t, tt.addrs...), net.ParseIP(tt.dst))
		if tt.want == "" {
			if got != nil {
				t.Errorf("%s: got %s, want none", tt.name, got)
			}
			continue
		}
		if !got.Equal(net.ParseIP(tt.want)) {
			t.Errorf("%s: got %v, want %s", tt.name, got, tt.want)
		}
	}
	// *net.IPAddr is accepted too; other address types are ignored.
	addrs := []net.Addr{&net.UnixAddr{Name: "x"}, &net.IPAddr{IP: net.ParseIP("10.0.0.3")}}
	if got := chooseSource(addrs, net.ParseIP("10.0.0.4")); !got.Equal(net.ParseIP("10.0.0.3")) {
		t.Errorf("IPAddr: got %v", got)
	}
}

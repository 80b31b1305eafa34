package multicast

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
)

func TestSelectInterfaces(t *testing.T) {
	list := []Interface{
		iface("lo", 1, net.FlagUp|net.FlagLoopback, "::1", "127.0.0.1"),
		iface("eth0", 2, upMulti|net.FlagBroadcast, "10.0.0.2", "2001:db8::2", "fe80::2", "fe80::22"),
		iface("veth0", 3, upMulti, "fe80::3"),
		iface("tun0", 4, upMulti|net.FlagPointToPoint, "fe80::4"),
		iface("eth1", 5, net.FlagMulticast, "fe80::5"), // down
		iface("wlan0", 6, net.FlagUp, "fe80::6"),       // no multicast
		iface("br-eth", 7, upMulti, "10.1.1.1", "::ffff:10.9.9.9"),
		iface("ethx", 8, upMulti, "fe80::8%ethx"),
	}
	for _, tc := range []struct {
		regexes []string
		want    string // "name@index=[link-local addresses]" joined by spaces
	}{
		{[]string{".*"}, "eth0@2=[fe80::2 fe80::22] veth0@3=[fe80::3] br-eth@7=[] ethx@8=[fe80::8]"},
		// Unanchored: "eth" is found inside veth0 and br-eth.
		{[]string{"eth"}, "eth0@2=[fe80::2 fe80::22] veth0@3=[fe80::3] br-eth@7=[] ethx@8=[fe80::8]"},
		{[]string{"^eth"}, "eth0@2=[fe80::2 fe80::22] ethx@8=[fe80::8]"},
		{[]string{"^eth0$"}, "eth0@2=[fe80::2 fe80::22]"},
		{[]string{"^veth", "x$"}, "veth0@3=[fe80::3] ethx@8=[fe80::8]"},
		{[]string{""}, "eth0@2=[fe80::2 fe80::22] veth0@3=[fe80::3] br-eth@7=[] ethx@8=[fe80::8]"},
		// Excluded interfaces stay out whatever the regex.
		{[]string{"tun0", "^lo$", "eth1", "wlan0"}, ""},
		{nil, ""},
	} {
		res, err := compileRegexes(tc.regexes)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, k := range selectInterfaces(list, res) {
			got = append(got, fmt.Sprintf("%s@%d=%v", k.name, k.index, k.addrs))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%q: got %q, want %q", tc.regexes, strings.Join(got, " "), tc.want)
		}
	}
}

func TestCompileRegexesError(t *testing.T) {
	_, err := compileRegexes([]string{"eth.*", "wlan(", "x"})
	if err == nil || !strings.Contains(err.Error(), `"wlan("`) || !strings.Contains(err.Error(), "missing closing )") {
		t.Fatalf("got %v", err)
	}
}

func TestAddrAddrs(t *testing.T) {
	in := []net.Addr{
		&net.IPNet{IP: net.ParseIP("10.0.0.1"), Mask: net.CIDRMask(8, 32)}, // 16-byte form of an IPv4 address
		&net.IPNet{IP: net.ParseIP("fe80::1"), Mask: net.CIDRMask(64, 128)},
		&net.IPAddr{IP: net.ParseIP("2001:db8::1")},
		&net.TCPAddr{IP: net.ParseIP("fe80::9")}, // not an interface address type
	}
	got := addrAddrs(in)
	want := []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fe80::1"), netip.MustParseAddr("2001:db8::1")}
	if fmt.Sprint(got) != fmt.Sprint(want) || !got[0].Is4() {
		t.Fatalf("got %v, want %v", got, want)
	}
	ifi := Interface{Addrs: got}
	if ll := ifi.linkLocals(); len(ll) != 1 || ll[0] != want[1] {
		t.Fatalf("linkLocals = %v", ll)
	}
}

// The system list has the loopback interface, listed without addresses
// because it cannot multicast.
func TestSystemInterfaces(t *testing.T) {
	list, err := SystemInterfaces()
	if err != nil {
		t.Fatal(err)
	}
	sys, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(sys) {
		t.Fatalf("%d interfaces, system has %d", len(list), len(sys))
	}
	for i, it := range list {
		if it.Name != sys[i].Name || it.Index != sys[i].Index || it.Flags != sys[i].Flags {
			t.Errorf("interface %d: %+v vs %+v", i, it, sys[i])
		}
		if !it.eligible() && it.Addrs != nil {
			t.Errorf("%s: addresses fetched for an ineligible interface", it.Name)
		}
	}
}

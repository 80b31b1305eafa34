package multicast

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

func TestBeaconAppend(t *testing.T) {
	for _, tc := range []struct {
		addr string
		port uint16
		want string
	}{
		// The example of spec 03 §4.
		{"fe80::5bca:32c0:f47f:9b17", 40123, "[fe80::5bca:32c0:f47f:9b17]:40123"},
		// Compressed (RFC 5952) and lower case, as Go's net.IP prints it.
		{"FE80:0:0:0:0:0:0:1", 1, "[fe80::1]:1"},
		{"fe80:0000:0000:0000:0a00:00ff:fe00:0001", 65535, "[fe80::a00:ff:fe00:1]:65535"},
		// The zone is the receiver's business and never sent.
		{"fe80::1%eth0", 9001, "[fe80::1]:9001"},
	} {
		b := Beacon{Addr: netip.MustParseAddr(tc.addr), Port: tc.port}
		got := b.Append([]byte("x"))
		if !bytes.Equal(got, []byte("x"+tc.want)) {
			t.Errorf("Append(%s, %d) = %q, want %q", tc.addr, tc.port, got, "x"+tc.want)
		}
		if b.String() != tc.want {
			t.Errorf("String() = %q", b.String())
		}
	}
}

func TestParseBeacon(t *testing.T) {
	for _, tc := range []struct {
		in, addr string
		port     uint16
		err      string
	}{
		{in: "[fe80::5bca:32c0:f47f:9b17]:40123", addr: "fe80::5bca:32c0:f47f:9b17", port: 40123},
		{in: "[fe80:0:0:0:0:0:0:1]:80", addr: "fe80::1", port: 80},
		{in: "[fe80::1]:00080", addr: "fe80::1", port: 80},
		{in: "[2001:db8::1]:1", addr: "2001:db8::1", port: 1},
		{in: "[fe80::1]:65535", addr: "fe80::1", port: 65535},
		{in: "", err: "does not start"},
		{in: "fe80::1:80", err: "does not start"},
		{in: "[fe80::1]", err: "no \"]:\""},
		{in: "[fe80::1]80", err: "no \"]:\""},
		{in: "[fe80::1]:", err: "1 to 5 digits"},
		{in: "[fe80::1]:123456", err: "1 to 5 digits"},
		{in: "[fe80::1]:0", err: "out of range"},
		{in: "[fe80::1]:65536", err: "out of range"},
		{in: "[fe80::1]:+80", err: "not decimal"},
		{in: "[fe80::1]:80\n", err: "not decimal"},
		{in: "[fe80::1]:80\x00", err: "not decimal"},
		{in: "[fe80::1%eth0]:80", err: "has a zone"},
		{in: "[10.0.0.1]:80", err: "not IPv6"},
		{in: "[::ffff:10.0.0.1]:80", err: "not IPv6"},
		{in: "[localhost]:80", err: "beacon address"},
		{in: "[]:80", err: "beacon address"},
		{in: " [fe80::1]:80", err: "does not start"},
	} {
		b, err := ParseBeacon([]byte(tc.in))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseBeacon(%q) = %v, %v; want error with %q", tc.in, b, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseBeacon(%q): %v", tc.in, err)
			continue
		}
		if b.Addr != netip.MustParseAddr(tc.addr) || b.Port != tc.port {
			t.Errorf("ParseBeacon(%q) = %v, want [%s]:%d", tc.in, b, tc.addr, tc.port)
		}
	}
}

func TestBeaconRoundTrip(t *testing.T) {
	for _, s := range []string{"fe80::1", "fe80::5bca:32c0:f47f:9b17", "fe80::ffff:ffff:ffff:ffff", "::"} {
		for _, port := range []uint16{1, 9001, 40123, 65535} {
			in := Beacon{Addr: netip.MustParseAddr(s), Port: port}
			out, err := ParseBeacon(in.Append(nil))
			if err != nil || out != in {
				t.Errorf("round trip of %v: %v, %v", in, out, err)
			}
		}
	}
}

// Anything ParseBeacon accepts is an IPv6 address and a usable port, and
// writes back to a beacon that parses to the same value.
func FuzzParseBeacon(f *testing.F) {
	for _, s := range []string{"[fe80::5bca:32c0:f47f:9b17]:40123", "[fe80::1]:1", "[fe80::1%eth0]:1",
		"[::ffff:1.2.3.4]:5", "[fe80::1]:00080", "[", "]:", "[:]:9",
		// Valid, though "::" stands for one zero group: the canonical form
		// (RFC 5952) is longer than this.
		"[1::1:0:1:0:1:0]:1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		b, err := ParseBeacon(p)
		if err != nil {
			return
		}
		if !b.Addr.Is6() || b.Addr.Is4In6() || b.Addr.Zone() != "" || b.Port == 0 {
			t.Fatalf("ParseBeacon(%q) accepted %v", p, b)
		}
		out := b.Append(nil)
		b2, err := ParseBeacon(out)
		if err != nil || b2 != b {
			t.Fatalf("re-parse of %q: %v, %v", out, b2, err)
		}
	})
}

//go:build linux

package labtest

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/wire"
)

func TestParseLinkEvent(t *testing.T) {
	tests := []struct {
		line string
		ok   bool
		want LinkEvent
	}{
		{"2026/05/01 12:00:01 Connected TCP: 201:14fa:2c2c:cee9:319c:a6a1:20a0:d01a@fd7a:0:1::1, source fd7a:0:1::2",
			true, LinkEvent{true, "TCP", "201:14fa:2c2c:cee9:319c:a6a1:20a0:d01a", "fd7a:0:1::1", "fd7a:0:1::2"}},
		{"Disconnected TLS: 200:1::5@10.0.0.1, source 10.0.0.2\n",
			true, LinkEvent{false, "TLS", "200:1::5", "10.0.0.1", "10.0.0.2"}},
		{"2026/05/01 12:00:01 Connected SOCKS: 200::1@fe80::1%eth0, source fe80::2%eth0",
			true, LinkEvent{true, "SOCKS", "200::1", "fe80::1%eth0", "fe80::2%eth0"}},
		{"2026/05/01 12:00:01 Connected UDP: 200::1@a, source b", false, LinkEvent{}},
		{"2026/05/01 12:00:01 Connected TCP: @a, source b", false, LinkEvent{}},
		{"2026/05/01 12:00:01 Connected TCP: 200::1@a source b", false, LinkEvent{}},
		{"2026/05/01 12:00:01 Connected TCP: 200::1@, source b", false, LinkEvent{}},
		{"2026/05/01 12:00:01 Not Connected TCP: 200::1@a, source b", false, LinkEvent{}},
		{"2026/05/01 12:00:01 Startup complete", false, LinkEvent{}},
		{"", false, LinkEvent{}},
	}
	for _, tt := range tests {
		got, ok := ParseLinkEvent(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseLinkEvent(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLinkCounts(t *testing.T) {
	log := strings.Join([]string{
		"2026/05/01 12:00:00 Starting up...",
		"2026/05/01 12:00:01 Connected TCP: 200::a@x, source y",
		"2026/05/01 12:00:01 Connected TCP: 200::b@x, source y",
		"2026/05/01 12:00:02 Connected TLS: 200::a@z, source y",
		"2026/05/01 12:00:03 Disconnected TCP: 200::a@x, source y",
		"2026/05/01 12:00:04 Disconnected TCP: 200::b@x, source y",
		"2026/05/01 12:00:05 Disconnected TCP: 200::c@x, source y",
	}, "\n")
	got := LinkCounts(log)
	want := map[string]int{"200::a": 1, "200::b": 0} // 200::c never came up
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("LinkCounts = %v, want %v", got, want)
	}
}

func TestParseNetnsList(t *testing.T) {
	got := parseNetnsList("ygl1x1-n1 (id: 3)\nygl1x1-n0 (id: 2)\nplain\n\n")
	want := []string{"ygl1x1-n1", "ygl1x1-n0", "plain"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parseNetnsList = %q, want %q", got, want)
	}
}

func TestParseHelperReport(t *testing.T) {
	sum := sha256.Sum256([]byte("x"))
	good := "received 42 " + hex.EncodeToString(sum[:]) + "\n"
	r, err := ParseHelperReport(good)
	if err != nil || r.Kind != "received" || r.Bytes != 42 || r.Sum != sum {
		t.Fatalf("ParseHelperReport(%q) = %+v, %v", good, r, err)
	}
	for _, bad := range []string{
		"", "sent", "sent 1", "lost 1 " + hex.EncodeToString(sum[:]),
		"sent -1 " + hex.EncodeToString(sum[:]), "sent x " + hex.EncodeToString(sum[:]),
		"sent 1 abcd", "sent 1 " + hex.EncodeToString(sum[:]) + " extra",
		"sent 1 " + strings.Repeat("zz", 32),
	} {
		if _, err := ParseHelperReport(bad); err == nil {
			t.Errorf("ParseHelperReport(%q) accepted", bad)
		}
	}
}

// The expected checksum must really depend on the seed and the size, and
// agree with hashing the stream directly, or the transfer check proves
// nothing.
func TestExpectedSum(t *testing.T) {
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(stream(7), 100000)); err != nil {
		t.Fatal(err)
	}
	var direct [32]byte
	copy(direct[:], h.Sum(nil))
	if got := ExpectedSum(100000, 7); got != direct {
		t.Fatalf("ExpectedSum(100000, 7) = %x, hashing the stream gives %x", got, direct)
	}
	if ExpectedSum(100000, 8) == direct || ExpectedSum(99999, 7) == direct {
		t.Fatal("ExpectedSum ignores the seed or the size")
	}
	if ExpectedSum(0, 1) != sha256.Sum256(nil) {
		t.Fatal("ExpectedSum of nothing is not the empty hash")
	}
}

func TestRunHelperRejectsBadArguments(t *testing.T) {
	for _, tc := range []struct {
		mode string
		args []string
	}{
		{"sink", nil},
		{"source", []string{"[::1]:1", "x", "1", "1s"}},
		{"source", []string{"[::1]:1", "-5", "1", "1s"}},
		{"sink", []string{"[::1]:0", "forever"}},
		{"nonsense", nil},
	} {
		var out, errOut strings.Builder
		if code := runHelper(tc.mode, tc.args, &out, &errOut); code == 0 || errOut.Len() == 0 {
			t.Errorf("runHelper(%q, %q) = %d, stderr %q; want a failure with a message", tc.mode, tc.args, code, errOut.String())
		}
	}
}

func FuzzParseLinkEvent(f *testing.F) {
	f.Add("2026/05/01 12:00:01 Connected TCP: 200::1@fd7a:0:1::1, source fd7a:0:1::2")
	f.Add("Disconnected TLS: 200::1@[::1]:3, source x")
	f.Add("Connected : @, source ")
	f.Fuzz(func(t *testing.T, line string) {
		ev, ok := ParseLinkEvent(line)
		if !ok {
			return
		}
		if ev.Peer == "" || ev.Remote == "" || ev.Source == "" || strings.Contains(ev.Peer, "@") {
			t.Fatalf("accepted %q as %+v", line, ev)
		}
		_ = LinkCounts(line)
	})
}

func FuzzParseHelperReport(f *testing.F) {
	f.Add("sent 5 " + strings.Repeat("ab", 32))
	f.Add("received 0 " + strings.Repeat("00", 32))
	f.Add("sent 99999999999999999999 x")
	f.Fuzz(func(t *testing.T, line string) {
		r, err := ParseHelperReport(line)
		if err != nil {
			return
		}
		if r.Bytes < 0 || (r.Kind != "sent" && r.Kind != "received") {
			t.Fatalf("accepted %q as %+v", line, r)
		}
	})
}

func FuzzParseNetnsList(f *testing.F) {
	f.Add("a (id: 1)\nb\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, name := range parseNetnsList(out) {
			if name == "" || strings.ContainsAny(name, " \t\n") {
				t.Fatalf("bad name %q from %q", name, out)
			}
		}
	})
}

func TestParseCoords(t *testing.T) {
	for s, want := range map[string][]uint64{"[]": {}, "[1]": {1}, "[1 2 300]": {1, 2, 300}, "[ 4  5 ]": {4, 5}} {
		got, err := ParseCoords(s)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseCoords(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, bad := range []string{"", "[", "1 2", "[1,2]", "[-1]", "[x]", "[18446744073709551616]"} {
		if _, err := ParseCoords(bad); err == nil {
			t.Errorf("ParseCoords(%q) accepted", bad)
		}
	}
}

func TestParseGetSelf(t *testing.T) {
	// The response part of the captured getSelf in spec 03 §5.4.
	captured := `{"self": {"201:14fa:2c2c:cee9:319c:a6a1:20a0:d01a": {
		"box_pub_key": "e381732a31fde5a678fd5db499d9a874a2cff5a9a8930868fefe356acbe24405",
		"build_name": "unknown", "build_version": "unknown", "coords": "[]",
		"subnet": "301:14fa:2c2c:cee9::/64"}}}`
	got, err := ParseGetSelf([]byte(captured))
	want := SelfInfo{"201:14fa:2c2c:cee9:319c:a6a1:20a0:d01a",
		"e381732a31fde5a678fd5db499d9a874a2cff5a9a8930868fefe356acbe24405", []uint64{}, "301:14fa:2c2c:cee9::/64"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseGetSelf = %+v, %v; want %+v", got, err, want)
	}
	for _, bad := range []string{`{}`, `{"self": {}}`, `{"self": {"a": {"coords": "1"}}}`, `[`,
		`{"self": {"a": {"coords": "[]"}, "b": {"coords": "[]"}}}`} {
		if _, err := ParseGetSelf([]byte(bad)); err == nil {
			t.Errorf("ParseGetSelf(%s) accepted", bad)
		}
	}
}

func FuzzParseGetSelf(f *testing.F) {
	f.Add([]byte(`{"self": {"200::1": {"coords": "[1 2]"}}}`))
	f.Add([]byte(`{"self": {"200::1": {"coords": "[1 x]"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if info, err := ParseGetSelf(data); err == nil && info.Coords == nil {
			t.Fatalf("%q: accepted with nil coords", data)
		}
		// Accepted coords print in the node's own form and read back the same.
		if c, err := ParseCoords(string(data)); err == nil {
			again, err := ParseCoords(wire.Coords(c).String())
			if err != nil || !reflect.DeepEqual(again, c) {
				t.Fatalf("%q -> %v -> %v, %v", data, c, again, err)
			}
		}
	})
}

func TestSNMPCounters(t *testing.T) {
	snmp := "Ip: Forwarding DefaultTTL\nIp: 2 64\nIcmp: InMsgs InErrors InEchos OutEchos\nIcmp: 9 0 7 3\nIcmpMsg: InType0\nIcmpMsg: 3\n"
	if v, err := SNMPCounter(snmp, "Icmp", "InEchos"); err != nil || v != 7 {
		t.Fatalf("InEchos = %d, %v; want 7", v, err)
	}
	if v, err := SNMPCounter(snmp, "Icmp", "OutEchos"); err != nil || v != 3 {
		t.Fatalf("OutEchos = %d, %v; want 3", v, err)
	}
	for _, c := range [][2]string{{"Icmp", "Nope"}, {"Tcp", "InEchos"}, {"IcmpMsg", "InEchos"}} {
		if _, err := SNMPCounter(snmp, c[0], c[1]); err == nil {
			t.Errorf("SNMPCounter(%s, %s) found something", c[0], c[1])
		}
	}
	if _, err := SNMPCounter("Icmp: InEchos\nIcmp: x\n", "Icmp", "InEchos"); err == nil {
		t.Error("a non-number was accepted")
	}
	snmp6 := "Ip6InReceives                   \t12\nIcmp6InEchos                    \t5\nIcmp6InEchoReplies 2\n"
	if v, err := SNMP6Counter(snmp6, "Icmp6InEchos"); err != nil || v != 5 {
		t.Fatalf("Icmp6InEchos = %d, %v; want 5", v, err)
	}
	if _, err := SNMP6Counter(snmp6, "Icmp6OutEchos"); err == nil {
		t.Error("a missing counter was found")
	}
}

func FuzzSNMPCounter(f *testing.F) {
	f.Add("Icmp: InMsgs InEchos\nIcmp: 1 2\n", "InEchos")
	f.Add("Icmp6InEchos 5\n", "Icmp6InEchos")
	// A counter found is a number that stands in the text as a field.
	inText := func(t *testing.T, text string, v uint64) {
		for _, f := range strings.Fields(text) {
			if n, err := strconv.ParseUint(f, 10, 64); err == nil && n == v {
				return
			}
		}
		t.Fatalf("counter %d is not in %q", v, text)
	}
	f.Fuzz(func(t *testing.T, text, name string) {
		if v, err := SNMPCounter(text, "Icmp", name); err == nil {
			inText(t, text, v)
		}
		if v, err := SNMP6Counter(text, name); err == nil {
			inText(t, text, v)
		}
	})
}

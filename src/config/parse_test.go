package config

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
)

func mustParse(t *testing.T, s string) *NodeConfig {
	t.Helper()
	cfg, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return cfg
}

// A partial config keeps its own values and gets every other default,
// including a fresh, valid identity.
func TestPartialConfig(t *testing.T) {
	cfg := mustParse(t, `{peers: ["tcp://1.2.3.4:5"], ifmtu: 1500}`)
	if !reflect.DeepEqual(cfg.Peers, []string{"tcp://1.2.3.4:5"}) || cfg.IfMTU != 1500 {
		t.Fatalf("own values lost: %v %d", cfg.Peers, cfg.IfMTU)
	}
	d := PlatformDefaults()
	if cfg.AdminListen != d.AdminListen || cfg.IfName != d.IfName ||
		!reflect.DeepEqual(cfg.MulticastInterfaces, d.MulticastInterfaces) ||
		cfg.SwitchOptions.MaxTotalQueueSize != 4194304 || !cfg.SessionFirewall.AllowFromDirect ||
		cfg.Listen == nil || cfg.InterfacePeers == nil || cfg.NodeInfo != nil {
		t.Fatalf("defaults missing: %#v", cfg)
	}
	if _, err := cfg.Keys(); err != nil {
		t.Fatalf("generated keys invalid: %v", err)
	}
	other := mustParse(t, `{}`)
	if other.EncryptionPrivateKey == cfg.EncryptionPrivateKey {
		t.Fatal("two parses without keys share a key")
	}
}

// Empty input, comment-only input and a root object without braces.
func TestParseShapes(t *testing.T) {
	for _, in := range []string{"", "  \n\t", "# only a comment\n", "{}"} {
		if m, err := ParseGenericMap([]byte(in)); err != nil || len(m) != 0 {
			t.Errorf("%q: got %v, %v; want an empty object", in, m, err)
		}
	}
	cfg := mustParse(t, "IfName: tun7\nIfMTU: 1400\n")
	if cfg.IfName != "tun7" || cfg.IfMTU != 1400 {
		t.Fatalf("braceless root: %q %d", cfg.IfName, cfg.IfMTU)
	}
	m, err := ParseGenericMap([]byte(`{AdminListen: "tcp://[::1]:9001", X: 1}`))
	if err != nil || m["AdminListen"] != "tcp://[::1]:9001" || m["X"] != 1.0 {
		t.Fatalf("generic map: %v, %v", m, err)
	}
}

func TestMigrations(t *testing.T) {
	cfg := mustParse(t, `{Listen: "tcp://[::]:1234"}`)
	if !reflect.DeepEqual(cfg.Listen, []string{"tcp://[::]:1234"}) {
		t.Fatalf("Listen string: %#v", cfg.Listen)
	}
	cfg = mustParse(t, `{TunnelRouting: {
		IPv4Sources: ["10.0.0.0/8"], IPv4LocalSubnets: ["192.168.0.0/16"]
		IPv6Sources: ["fd00::/8"]
		IPv4Destinations: {"10.1.0.0/16": "aa"}
		IPv6Destinations: {"fd01::/16": "bb"}, IPv6RemoteSubnets: {"fd02::/16": "cc"}
		ipv6localsubnets: ["fd99::/16"]
	}}`)
	want := TunnelRouting{
		IPv4LocalSubnets:  []string{"10.0.0.0/8"},
		IPv6LocalSubnets:  []string{"fd00::/8"},
		IPv4RemoteSubnets: map[string]string{"10.1.0.0/16": "aa"},
		IPv6RemoteSubnets: map[string]string{"fd01::/16": "bb"},
	}
	if !reflect.DeepEqual(cfg.TunnelRouting, want) {
		t.Fatalf("TunnelRouting migration:\n%#v\nwant\n%#v", cfg.TunnelRouting, want)
	}
	// The migrations match names exactly, as the reference does, so a
	// lower-case legacy string is a type error rather than a list.
	if _, err := Parse([]byte(`{listen: "tcp://[::]:1"}`)); err == nil ||
		err.Error() != "config: Listen: expected a list of strings, got string" {
		t.Fatalf("lower-case legacy Listen: %v", err)
	}
}

func TestCaseInsensitiveNames(t *testing.T) {
	cfg := mustParse(t, `{
		PEERS: ["tcp://a:1"], ifname: "none", sessionfirewall: {ENABLE: true, whitelistencryptionpublickeys: ["ab"]}
		nodeinfo: {Name: "X", name: "y"}
		tunnelrouting: {enable: true}
		NotAKey: 5, IfTAPMode: true
	}`)
	if !reflect.DeepEqual(cfg.Peers, []string{"tcp://a:1"}) || cfg.IfName != "none" ||
		!cfg.SessionFirewall.Enable || !cfg.SessionFirewall.AllowFromRemote ||
		!reflect.DeepEqual(cfg.SessionFirewall.WhitelistEncryptionPublicKeys, []string{"ab"}) ||
		!cfg.TunnelRouting.Enable {
		t.Fatalf("case-insensitive match failed: %#v", cfg)
	}
	// Map keys inside values are data and stay verbatim.
	if !reflect.DeepEqual(cfg.NodeInfo, map[string]any{"Name": "X", "name": "y"}) {
		t.Fatalf("NodeInfo keys changed: %#v", cfg.NodeInfo)
	}
	// With two spellings of one key, the exact name wins.
	cfg = mustParse(t, `{ifname: "a", IfName: "b", IFNAME: "c"}`)
	if cfg.IfName != "b" {
		t.Fatalf("exact spelling should win, got %q", cfg.IfName)
	}
}

func TestNullRules(t *testing.T) {
	cfg := mustParse(t, `{
		Peers: null, InterfacePeers: null, Listen: null, AdminListen: null
		MulticastInterfaces: null, AllowedEncryptionPublicKeys: null
		EncryptionPublicKey: null, LinkLocalTCPPort: null, IfName: null, IfMTU: null
		SessionFirewall: null, TunnelRouting: null, SwitchOptions: null
		NodeInfoPrivacy: null, NodeInfo: null
	}`)
	d := PlatformDefaults()
	if cfg.Peers != nil || cfg.InterfacePeers != nil || cfg.Listen != nil ||
		cfg.MulticastInterfaces != nil || cfg.AllowedEncryptionPublicKeys != nil || cfg.NodeInfo != nil {
		t.Fatalf("null lists/maps must become nil: %#v", cfg)
	}
	if cfg.AdminListen != d.AdminListen || cfg.IfName != d.IfName || cfg.IfMTU != d.MaxMTU ||
		len(cfg.EncryptionPublicKey) != 64 || !cfg.SessionFirewall.AlwaysAllowOutbound ||
		cfg.SwitchOptions.MaxTotalQueueSize != 4194304 {
		t.Fatalf("null scalars/objects must keep defaults: %#v", cfg)
	}
	if _, err := cfg.Keys(); err != nil {
		t.Fatal(err)
	}
	cfg = mustParse(t, `{SessionFirewall: {Enable: null, BlacklistEncryptionPublicKeys: null}, InterfacePeers: {eth0: null}}`)
	if cfg.SessionFirewall.Enable || !cfg.SessionFirewall.AllowFromDirect ||
		cfg.SessionFirewall.BlacklistEncryptionPublicKeys != nil ||
		!reflect.DeepEqual(cfg.InterfacePeers, map[string][]string{"eth0": nil}) {
		t.Fatalf("nested nulls: %#v", cfg)
	}
}

func TestIntegerRules(t *testing.T) {
	cases := []struct {
		in        string
		mtu, port uint16
		queue     uint64
	}{
		{`{IfMTU: 70000}`, 4464, 0, 4194304},
		{`{IfMTU: 65536, LinkLocalTCPPort: 65537}`, 0, 1, 4194304},
		{`{IfMTU: 1500.9, LinkLocalTCPPort: 0.5}`, 1500, 0, 4194304},
		{`{IfMTU: 1e5}`, 34464, 0, 4194304},
		{`{SwitchOptions: {MaxTotalQueueSize: 1e19}}`, 65535, 0, 10000000000000000000},
		{`{IfMTU: -0}`, 0, 0, 4194304},
	}
	for _, tc := range cases {
		cfg := mustParse(t, tc.in)
		if cfg.IfMTU != tc.mtu || cfg.LinkLocalTCPPort != tc.port || cfg.SwitchOptions.MaxTotalQueueSize != tc.queue {
			t.Errorf("%s: got %d %d %d, want %d %d %d", tc.in, cfg.IfMTU, cfg.LinkLocalTCPPort,
				cfg.SwitchOptions.MaxTotalQueueSize, tc.mtu, tc.port, tc.queue)
		}
	}
	// NodeInfo numbers keep float64 precision only, as in the reference.
	cfg := mustParse(t, `{NodeInfo: {n: 12345678901234567890}}`)
	out, err := cfg.MarshalHJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "n: 12345678901234567000\n") {
		t.Fatalf("NodeInfo number: %s", out)
	}
}

func utf16Bytes(s string, bigEndian bool) []byte {
	out := []byte{0xff, 0xfe}
	if bigEndian {
		out = []byte{0xfe, 0xff}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

func TestTextEncodings(t *testing.T) {
	const text = "{\n  # Zürich \U0001F600\n  IfName: tün0\n  NodeInfo: {city: \"Zürich \U0001F600\"}\n}\n"
	for name, in := range map[string][]byte{
		"utf-16le": utf16Bytes(text, false),
		"utf-16be": utf16Bytes(text, true),
		"utf-8bom": append([]byte{0xef, 0xbb, 0xbf}, text...),
		"utf-8":    []byte(text),
	} {
		cfg, err := Parse(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.IfName != "tün0" || cfg.NodeInfo["city"] != "Zürich \U0001F600" {
			t.Errorf("%s: got %q %q", name, cfg.IfName, cfg.NodeInfo["city"])
		}
	}
	odd := append(utf16Bytes("{}", false), 0)
	if _, err := Parse(odd); err == nil || !strings.Contains(err.Error(), "UTF-16") {
		t.Fatalf("odd-length UTF-16: %v", err)
	}
}

// Every class of bad input gives one line that starts with "config: " and
// names the key path or the position.
func TestBadInput(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{Peers: 5}`, "config: Peers: expected a list of strings, got number"},
		{`{Peers: ["a", true]}`, "config: Peers[1]: expected a string, got boolean"},
		{`{Peers: "tcp://a:1"}`, "config: Peers: expected a list of strings, got string"},
		{`{InterfacePeers: ["x"]}`, "config: InterfacePeers: expected an object of lists of strings, got list"},
		{`{InterfacePeers: {eth0: "tcp://a:1"}}`, `config: InterfacePeers["eth0"]: expected a list of strings, got string`},
		{`{InterfacePeers: {eth0: [1]}}`, `config: InterfacePeers["eth0"][0]: expected a string, got number`},
		{`{Listen: {}}`, "config: Listen: expected a list of strings, got object"},
		{`{AdminListen: 9001}`, "config: AdminListen: expected a string, got number"},
		{`{IfName: []}`, "config: IfName: expected a string, got list"},
		{`{EncryptionPrivateKey: 12}`, "config: EncryptionPrivateKey: expected a string, got number"},
		{`{IfMTU: "1280"}`, "config: IfMTU: expected a number, got string"},
		{`{IfMTU: -5}`, "config: IfMTU: negative number -5"},
		{`{LinkLocalTCPPort: -0.5}`, "config: LinkLocalTCPPort: negative number -0.5"},
		{`{LinkLocalTCPPort: true}`, "config: LinkLocalTCPPort: expected a number, got boolean"},
		{`{NodeInfoPrivacy: "true"}`, "config: NodeInfoPrivacy: expected a boolean (true or false), got string"},
		{`{SessionFirewall: true}`, "config: SessionFirewall: expected an object, got boolean"},
		{`{SessionFirewall: {Enable: 1}}`, "config: SessionFirewall.Enable: expected a boolean (true or false), got number"},
		{`{SessionFirewall: {WhitelistEncryptionPublicKeys: "ab"}}`, "config: SessionFirewall.WhitelistEncryptionPublicKeys: expected a list of strings, got string"},
		{`{TunnelRouting: {IPv4RemoteSubnets: {"10.0.0.0/8": 1}}}`, `config: TunnelRouting.IPv4RemoteSubnets["10.0.0.0/8"]: expected a string, got number`},
		{`{TunnelRouting: {IPv6LocalSubnets: {}}}`, "config: TunnelRouting.IPv6LocalSubnets: expected a list of strings, got object"},
		{`{SwitchOptions: {MaxTotalQueueSize: 1e30}}`, "config: SwitchOptions.MaxTotalQueueSize: number 1e+30 is too large"},
		{`{SwitchOptions: []}`, "config: SwitchOptions: expected an object, got list"},
		{`{NodeInfo: ["a"]}`, "config: NodeInfo: expected an object, got list"},
		{`{NodeInfo: "x"}`, "config: NodeInfo: expected an object, got string"},
		{`5`, "config: the file must hold an object ({ ... }), got number"},
		{`[1, 2]`, "config: the file must hold an object ({ ... }), got list"},
		{`null`, "config: the file must hold an object ({ ... }), got null"},
		{"{\n  Peers: []\n  IfName: auto\n  IfMTU: ]\n}", "config: line 4, column 10: "},
		{"{\n  Peers: [\n", "config: line 3, column 1 (end of input): End of input while parsing an array"},
		{"{\n  EncryptionPrivateKey: \"0123456789abcdef0123456789abcdef\n}", "config: line 3, column 0: Bad string containing newline"},
		{"{a b: 1}", "config: line 1, column "},
	}
	for _, tc := range cases {
		_, err := Parse([]byte(tc.in))
		if err == nil {
			t.Errorf("%q: no error", tc.in)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, tc.want) {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, msg, tc.want)
		}
		if strings.ContainsAny(msg, "\n\r") || strings.Contains(msg, ">>>") {
			t.Errorf("%q: error is not one clean line: %q", tc.in, msg)
		}
		if strings.Contains(msg, "0123456789abcdef") {
			t.Errorf("%q: error quotes the input: %q", tc.in, msg)
		}
	}
}

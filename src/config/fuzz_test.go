package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// Parse never panics, errors are one line, and whatever it accepts is
// written by both encoders in a form that reads back to the same values.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/v0316-genconf.hjson", "testdata/v0316-genconf.json"} {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	for _, s := range []string{
		"", "{}", "null", "5", `{Listen: "tcp://[::]:1"}`, `{IfMTU: 70000, ifname: x}`,
		`{TunnelRouting: {IPv4Sources: ["a"], IPv6Destinations: {"b": "c"}}}`,
		`{NodeInfo: {a: [1, {b: null}], "c d": '''x'''}}`, `{InterfacePeers: {eth0: null}}`,
		"{\n  Peers: [\n", "\xff\xfe{\x00}\x00", "\xfe\xff\x00{\x00}", "\xef\xbb\xbf{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil {
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n") || !strings.HasPrefix(msg, "config: ") {
				t.Fatalf("bad error text %q", msg)
			}
			return
		}
		js, err := cfg.MarshalIndentJSON()
		if err != nil {
			t.Fatal(err)
		}
		fromJSON, err := Parse(js)
		if err != nil {
			t.Fatalf("JSON output does not read back: %v\n%s", err, js)
		}
		if !reflect.DeepEqual(fromJSON, cfg) {
			t.Fatalf("JSON round trip changed values:\n%#v\n%#v", fromJSON, cfg)
		}
		hj, err := cfg.MarshalHJSON()
		if err != nil {
			t.Fatal(err)
		}
		fromHJSON, err := Parse(hj)
		if err != nil {
			t.Fatalf("HJSON output does not read back: %v\n%s", err, hj)
		}
		if want := withEmptyNils(cfg); !reflect.DeepEqual(fromHJSON, want) {
			t.Fatalf("HJSON round trip changed values:\n%#v\n%#v\n%s", fromHJSON, want, hj)
		}
	})
}

// Any string in a list, a map key or a map value survives HJSON output.
func FuzzHJSONStrings(f *testing.F) {
	for _, s := range []string{"true", "123", "", " lead", "x,y", "{x}", "# hash", "a: b", `"q"`,
		"line1\nline2", "'''", "a\tb", "\\", "  \n  x", "/* c */", "// c", "tcp://[::1]:1",
		"0E", "1e", "-", "0x"} { // the last ones look like broken numbers
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cfg := Generate()
		cfg.Peers = []string{s}
		cfg.IfName = s
		cfg.TunnelRouting.IPv4RemoteSubnets = map[string]string{s: s}
		cfg.NodeInfo = map[string]any{s: []any{s}}
		want, err := Parse(mustJSON(t, cfg)) // normalises invalid UTF-8 the way a file read would
		if err != nil {
			t.Fatal(err)
		}
		hj, err := want.MarshalHJSON()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(hj)
		if err != nil {
			t.Fatalf("%q: HJSON output does not read back: %v\n%s", s, err, hj)
		}
		if !reflect.DeepEqual(got, withEmptyNils(want)) {
			t.Fatalf("%q: HJSON round trip changed values\n%s", s, hj)
		}
	})
}

func mustJSON(t *testing.T, c *NodeConfig) []byte {
	t.Helper()
	b, err := c.MarshalIndentJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

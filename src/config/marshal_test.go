package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// withEmptyNils is what a config reads back as from HJSON, which writes
// nil lists and maps as [] and {}.
func withEmptyNils(c *NodeConfig) *NodeConfig {
	out := *c
	emptyNils(reflect.ValueOf(&out).Elem())
	return &out
}

func emptyNils(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			emptyNils(v.Field(i))
		}
	case reflect.Slice:
		if v.IsNil() {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
	case reflect.Map:
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		if v.Type().Elem().Kind() == reflect.Slice {
			for it := v.MapRange(); it.Next(); {
				if it.Value().IsNil() {
					v.SetMapIndex(it.Key(), reflect.MakeSlice(v.Type().Elem(), 0, 0))
				}
			}
		}
	}
}

// stripComments drops "# ..." lines, leaving the layout: keys, values,
// brackets and blank lines.
func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// ownSection matches the sections we add to the v0.3.16 schema (README:
// differences), in HJSON layout without comments or in indented JSON.
var ownSection = regexp.MustCompile(`(?m)(\n  Limits:\n  \{\n(.*\n)*?  \}\n|^  "Limits": \{\n(.*\n)*?  \},\n)`)

// withoutOwnSections removes what we add to the reference's output.
func withoutOwnSections(s string) string { return ownSection.ReplaceAllString(s, "") }

// Our HJSON has the reference's layout exactly, comments and our own
// sections aside.
func TestHJSONLayoutMatchesReference(t *testing.T) {
	raw, err := os.ReadFile("testdata/v0316-genconf.hjson")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	out, err := cfg.MarshalHJSON()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := withoutOwnSections(stripComments(string(out))), stripComments(string(raw)); got != want {
		t.Fatalf("layout differs:\n%s\nwant\n%s", got, want)
	}
}

// Every key and sub-key has a comment of its own, and no comment line is
// longer than 80 columns.
func TestEveryKeyCommented(t *testing.T) {
	out, err := Generate().MarshalHJSON()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(out), "\n")
	keys := 0
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") && len(line) > 80 {
			t.Errorf("line %d is %d columns: %q", i+1, len(line), line)
		}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || !strings.Contains(trimmed, ":") {
			continue
		}
		keys++
		if i == 0 || !strings.HasPrefix(strings.TrimSpace(lines[i-1]), "# ") {
			t.Errorf("key line %q has no comment above it", trimmed)
		}
	}
	if want := 18 + 6 + 5 + 1 + 6; keys != want { // the last 6: our Limits section
		t.Errorf("found %d keys, want %d", keys, want)
	}
}

// The captured -normaliseconf fragments of spec 03 §1.6: non-empty lists,
// nested maps and free-form NodeInfo values, laid out the same way.
func TestHJSONNonEmptyLayout(t *testing.T) {
	cfg := mustParse(t, `{
		Peers: ["tcp://1.2.3.4:5", "tls://[::1]:443"]
		InterfacePeers: {eth0: ["tcp://[fe80::1]:1"]}
		NodeInfo: {
			name: my node
			"key with space": 1.5
			list: [1, "two", true]
			buildname: null
			nested: {a: null, b: ""}
		}
	}`)
	out, err := cfg.MarshalHJSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  Peers:\n  [\n    tcp://1.2.3.4:5\n    tls://[::1]:443\n  ]\n",
		"  InterfacePeers:\n  {\n    eth0:\n    [\n      tcp://[fe80::1]:1\n    ]\n  }\n",
		"  NodeInfo:\n  {\n    buildname: null\n    \"key with space\": 1.5\n    list:\n    [\n      1\n      two\n      true\n    ]\n    name: my node\n    nested:\n    {\n      a: null\n      b: \"\"\n    }\n  }\n}\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks\n%s\nin\n%s", want, out)
		}
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := withEmptyNils(cfg); !reflect.DeepEqual(again, want) {
		t.Fatalf("re-read differs:\n%#v\nwant\n%#v", again, want)
	}
}

// The quoting examples of spec 03 §1.6 are written in the stated form and
// read back as the same string.
func TestHJSONQuoting(t *testing.T) {
	cases := []struct{ value, written string }{
		{"true", `"true"`},
		{"123", `"123"`},
		{"", `""`},
		{" lead", `" lead"`},
		{"x,y", `x,y`},
		{"{x}", `"{x}"`},
		{"# hash", `"# hash"`},
		{"a: b", `a: b`},
		{"null", `"null"`},
		{"[x]", `"[x]"`},
		{"trail ", `"trail "`},
		{"tcp://[::1]:1", `tcp://[::1]:1`},
		{`"q"`, `'''"q"'''`},
		{"-5", `"-5"`},
		{"line1\nline2", "\n    '''\n    line1\n    line2\n    '''"},
	}
	for _, tc := range cases {
		cfg := Generate()
		cfg.IfName = tc.value
		out, err := cfg.MarshalHJSON()
		if err != nil {
			t.Fatal(err)
		}
		if want := "\n  IfName: " + tc.written + "\n"; !strings.Contains(string(out), want) &&
			!strings.Contains(string(out), "\n  IfName:"+tc.written+"\n") {
			t.Errorf("%q: output lacks %q", tc.value, want)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("%q: %v", tc.value, err)
		}
		if again.IfName != tc.value {
			t.Errorf("%q read back as %q", tc.value, again.IfName)
		}
	}
}

// A generated config survives both output formats unchanged. JSON keeps
// nil as null, so it is exact; HJSON writes nil as [] and {}, which read
// back as empty values.
func TestGenerateRoundTrip(t *testing.T) {
	cfg := Generate()
	js, err := cfg.MarshalIndentJSON()
	if err != nil {
		t.Fatal(err)
	}
	fromJSON := mustParse(t, string(js))
	if !reflect.DeepEqual(fromJSON, cfg) {
		t.Fatalf("JSON round trip:\n%#v\nwant\n%#v", fromJSON, cfg)
	}
	hj, err := cfg.MarshalHJSON()
	if err != nil {
		t.Fatal(err)
	}
	fromHJSON := mustParse(t, string(hj))
	if want := withEmptyNils(cfg); !reflect.DeepEqual(fromHJSON, want) {
		t.Fatalf("HJSON round trip:\n%#v\nwant\n%#v", fromHJSON, want)
	}
	if !strings.HasSuffix(string(hj), "}\n") || !strings.HasSuffix(string(js), "}\n") {
		t.Fatal("outputs must end with a newline")
	}
}

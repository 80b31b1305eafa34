package nodeinfo

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/version"
)

// lab is the build the reference reported in the spec's captures: an
// unstamped binary on linux/amd64.
var lab = BuildInfo{Name: "unknown", Version: "unknown", Platform: "linux", Arch: "amd64"}

// userMap decodes a NodeInfo config value the way the config package hands
// it over: numbers as float64, objects as map[string]any.
func userMap(t testing.TB, text string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("bad test input %s: %v", text, err)
	}
	return m
}

func compact(t testing.TB, text string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(text)); err != nil {
		t.Fatalf("bad expected JSON %s: %v", text, err)
	}
	return buf.String()
}

// TestSpecCaptures checks the two getNodeInfo results shown in spec 03 §5.4.
func TestSpecCaptures(t *testing.T) {
	// The captured object, as printed in the spec (already in key order).
	const captured = `{ "buildarch": "amd64", "buildname": "unknown", "buildplatform": "linux",
	                    "buildversion": "unknown", "location": "lab", "name": "node-a" }`
	got, err := Build(false, userMap(t, `{"name": "node-a", "location": "lab"}`), lab)
	if err != nil {
		t.Fatal(err)
	}
	if want := compact(t, captured); string(got) != want {
		t.Errorf("captured node:\n got %s\nwant %s", got, want)
	}

	got, err = Build(true, userMap(t, `{"buildname": null, "x": 1}`), lab)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"x":1}` {
		t.Errorf("privacy example: got %s, want {\"x\":1}", got)
	}
}

func TestBuild(t *testing.T) {
	const builtIn = `"buildarch":"amd64","buildname":"unknown","buildplatform":"linux","buildversion":"unknown"`
	tests := []struct {
		name    string
		privacy bool
		user    string // JSON object, or "" for a nil map
		want    string
	}{
		{"nil user map", false, "", "{" + builtIn + "}"},
		{"empty user map", false, "{}", "{" + builtIn + "}"},
		{"privacy and nothing else", true, "", "{}"},
		{"privacy with empty map", true, "{}", "{}"},
		{"null removes a built-in key", false, `{"buildname": null}`,
			`{"buildarch":"amd64","buildplatform":"linux","buildversion":"unknown"}`},
		{"string null removes, any case", false,
			`{"buildname": "null", "buildversion": "NULL", "buildplatform": "Null", "buildarch": "nULl"}`, "{}"},
		{"other values of built-in keys are ignored", false,
			`{"buildname": "mine", "buildversion": 0, "buildplatform": false, "buildarch": {"a": null}}`,
			"{" + builtIn + "}"},
		{"near-null strings do not remove", false,
			`{"buildname": "nul", "buildversion": "null ", "buildplatform": "", "buildarch": "nil"}`,
			"{" + builtIn + "}"},
		{"built-in names are case-sensitive", false, `{"BuildName": "x", "buildArch": null}`,
			`{"BuildName":"x","buildArch":null,` + builtIn + "}"},
		{"built-in values cannot be set under privacy", true, `{"buildname": "mine", "y": true}`, `{"y":true}`},
		{"null and string null are copied for other keys", true, `{"a": null, "b": "NULL"}`,
			`{"a":null,"b":"NULL"}`},
		{"every JSON type is copied", true,
			`{"s": "str", "n": -1.5, "big": 1e21, "t": true, "f": false, "l": [], "o": {}}`,
			`{"big":1e+21,"f":false,"l":[],"n":-1.5,"o":{},"s":"str","t":true}`},
		{"nested values keep structure, objects sorted at every level", true,
			`{"z": {"y": [3, "two", {"q": 1, "p": [null, {"d": 1, "c": 2}]}], "b": {"z": 0, "a": 0}}, "a": 1}`,
			`{"a":1,"z":{"b":{"a":0,"z":0},"y":[3,"two",{"p":[null,{"c":2,"d":1}],"q":1}]}}`},
		{"user keys sort among the built-in ones", false, `{"c": 1, "buildb": 2, "a": 3}`,
			`{"a":3,"buildarch":"amd64","buildb":2,"buildname":"unknown","buildplatform":"linux","buildversion":"unknown","c":1}`},
		{"HTML characters escaped as the reference does", true, `{"<k>": "a&b"}`,
			`{"\u003ck\u003e":"a\u0026b"}`},
		{"unicode kept as UTF-8", true, `{"name": "ноda ✓"}`, `{"name":"ноda ✓"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var user map[string]any
			if tc.user != "" {
				user = userMap(t, tc.user)
			}
			got, err := Build(tc.privacy, user, lab)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestBuildDoesNotChangeUserMap(t *testing.T) {
	user := userMap(t, `{"buildname": null, "buildarch": "x", "k": {"v": 1}}`)
	if _, err := Build(false, user, lab); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(user)
	if want := `{"buildarch":"x","buildname":null,"k":{"v":1}}`; string(got) != want {
		t.Errorf("user map changed to %s, want %s", got, want)
	}
}

// TestMaxLen checks the boundary: exactly MaxLen bytes is served, one more is
// refused with the reference's error text.
func TestMaxLen(t *testing.T) {
	const frame = len(`{"x":""}`)
	ok, err := Build(true, map[string]any{"x": strings.Repeat("a", MaxLen-frame)}, lab)
	if err != nil {
		t.Fatalf("NodeInfo of exactly %d bytes refused: %v", MaxLen, err)
	}
	if len(ok) != MaxLen {
		t.Fatalf("test setup: built %d bytes, meant %d", len(ok), MaxLen)
	}

	long, err := Build(true, map[string]any{"x": strings.Repeat("a", MaxLen-frame+1)}, lab)
	if !errors.Is(err, ErrTooLong) || long != nil {
		t.Fatalf("NodeInfo of %d bytes: got %d bytes and error %v, want ErrTooLong", MaxLen+1, len(long), err)
	}
	if want := "NodeInfo exceeds max length of 16384 bytes"; err.Error() != want {
		t.Errorf("error text %q, want %q", err, want)
	}

	// The built-in keys count towards the limit too, and escaping is counted
	// after it is applied: 3000 '<' become 18000 bytes.
	if _, err := Build(false, map[string]any{"x": strings.Repeat("<", 3000)}, lab); !errors.Is(err, ErrTooLong) {
		t.Errorf("escaped value over the limit: err = %v, want ErrTooLong", err)
	}
}

func TestUnencodableValue(t *testing.T) {
	for name, v := range map[string]any{
		"NaN":      math.NaN(),
		"Inf":      math.Inf(1),
		"channel":  make(chan int),
		"function": func() {},
	} {
		got, err := Build(true, map[string]any{"x": v}, lab)
		if err == nil || got != nil || errors.Is(err, ErrTooLong) {
			t.Errorf("%s: got %q, %v; want an encoding error", name, got, err)
		}
	}
}

func TestCurrent(t *testing.T) {
	want := BuildInfo{Name: version.Name(), Version: version.Version(), Platform: runtime.GOOS, Arch: runtime.GOARCH}
	if got := Current(); got != want {
		t.Errorf("Current() = %+v, want %+v", got, want)
	}
}

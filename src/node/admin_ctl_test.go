package node

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/ctl"
	"github.com/yggmesh/ygg/src/version"
)

// yggdrasilctl runs ctl.Main against sock and returns stdout and the exit
// status.
func yggdrasilctl(t *testing.T, sock string, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := ctl.Main(append([]string{"yggdrasilctl", "-endpoint=unix://" + sock}, args...), &out, &errOut)
	if leaksSecret(out.Bytes()) {
		t.Fatalf("yggdrasilctl %v printed a private key", args)
	}
	return out.String(), code
}

// capturedColumns are the column names of a table v0.3.16's yggdrasilctl
// printed, from testdata/ctl.
func capturedColumns(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ctl", file))
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(string(b), "\n")
	return strings.Fields(header)
}

var cellSep = regexp.MustCompile(` {2,}`)

// parseTable checks text against the table layout of spec 03 §6.4 and
// returns its cells by row key and column. The layout: a header of Wkey
// spaces (the longest row key), two spaces, then each column name padded
// to its width and two spaces; each row the key padded to Wkey, two
// spaces, each cell padded to its column's width and two spaces. Every
// row is rebuilt from its cells and the header's widths and must come out
// identical, trailing spaces included.
func parseTable(t *testing.T, text string, wantCols []string) map[string]map[string]string {
	t.Helper()
	if text == "" {
		return map[string]map[string]string{} // an empty map prints nothing at all
	}
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("table does not end in a newline:\n%s", text)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	header, rows := lines[0], lines[1:]
	if cols := strings.Fields(header); !slices.Equal(cols, wantCols) {
		t.Fatalf("columns %q, want %q (as v0.3.16 prints)", cols, wantCols)
	}
	wkey := 0
	for _, r := range rows {
		key, _, _ := strings.Cut(r, " ")
		wkey = max(wkey, len(key))
	}
	// Column starts and widths from the header.
	pos := make([]int, len(wantCols))
	at := wkey + 2
	if header[:at] != strings.Repeat(" ", at) {
		t.Fatalf("header %q does not start with %d spaces", header, at)
	}
	for i, c := range wantCols {
		if !strings.HasPrefix(header[at:], c) {
			t.Fatalf("header %q: column %s not at offset %d", header, c, at)
		}
		pos[i] = at
		at += len(c)
		for at < len(header) && header[at] == ' ' {
			at++
		}
	}
	widths := make([]int, len(wantCols))
	for i := range pos {
		end := len(header)
		if i+1 < len(pos) {
			end = pos[i+1]
		}
		widths[i] = end - pos[i] - 2
		if widths[i] < len(wantCols[i]) {
			t.Fatalf("header %q: column %s is not followed by two spaces", header, wantCols[i])
		}
	}
	out := make(map[string]map[string]string)
	for _, r := range rows {
		key, rest, _ := strings.Cut(r, " ")
		cells := cellSep.Split(strings.TrimRight(strings.TrimLeft(rest, " "), " "), -1)
		if len(cells) != len(wantCols) {
			t.Fatalf("row %q has %d cells, want %d", r, len(cells), len(wantCols))
		}
		rebuilt := pad(key, wkey) + "  "
		row := make(map[string]string)
		for i, c := range cells {
			rebuilt += pad(c, widths[i]) + "  "
			row[wantCols[i]] = c
		}
		if rebuilt != r {
			t.Errorf("row does not follow the layout:\n got %q\nwant %q", r, rebuilt)
		}
		out[key] = row
	}
	return out
}

func pad(s string, w int) string {
	if len(s) >= w {
		return s
	}
	return s + strings.Repeat(" ", w-len(s))
}

var (
	clockText   = regexp.MustCompile(`^[0-9]{2,}:[0-5][0-9]:[0-5][0-9]$`)
	integerText = regexp.MustCompile(`^[0-9]+$`)
)

// checkCells checks the volatile columns' formats and the fixed ones'
// values (where want gives them).
func checkCells(t *testing.T, row, want map[string]string) {
	t.Helper()
	for col, cell := range row {
		switch col {
		case "uptime", "last_seen":
			if !clockText.MatchString(cell) {
				t.Errorf("%s cell %q is not HH:MM:SS", col, cell)
			}
		case "bytes_recvd", "bytes_sent":
			if !integerText.MatchString(cell) {
				t.Errorf("%s cell %q is not an integer", col, cell)
			}
		}
	}
	for col, v := range want {
		if row[col] != v {
			t.Errorf("%s cell %q, want %q", col, row[col], v)
		}
	}
}

func TestYggdrasilctlTables(t *testing.T) {
	tn := sharedNet(t)
	visible := func(cols []string) []string {
		return slices.DeleteFunc(slices.Clone(cols), func(c string) bool { return c == "box_pub_key" || c == "was_mtu_fixed" })
	}

	t.Run("getPeers", func(t *testing.T) {
		out, code := yggdrasilctl(t, tn.b.sock, "getPeers")
		rows := parseTable(t, out, capturedColumns(t, "getpeers.txt"))
		want := map[string]map[string]string{
			tn.b.Core.Address().String(): {"endpoint": "(self)", "port": "0", "proto": "self"},
		}
		for _, p := range tn.b.Core.Peers() { // ascending: the last port per node wins
			want[p.Address.String()] = map[string]string{"endpoint": p.Endpoint, "port": strconv.FormatUint(p.Port, 10), "proto": p.Proto}
		}
		checkRows(t, rows, want, code)
	})
	t.Run("getSwitchPeers", func(t *testing.T) {
		var out string
		var code int
		var rows map[string]map[string]string
		stableSwitchPorts(t, tn.a, func() []string {
			out, code = yggdrasilctl(t, tn.a.sock, "getSwitchPeers")
			rows = parseTable(t, out, capturedColumns(t, "getswitchpeers.txt"))
			var ports []string
			for k := range rows {
				ports = append(ports, k)
			}
			return ports
		})
		want := map[string]map[string]string{}
		for _, p := range tn.a.Core.Peers() {
			if !p.InTable {
				continue
			}
			port := strconv.FormatUint(p.Port, 10)
			want[port] = map[string]string{"coords": p.Coords.String(), "endpoint": "127.0.0.1",
				"ip": p.Address.String(), "port": port, "proto": p.Proto}
		}
		checkRows(t, rows, want, code)
	})
	t.Run("getSessions", func(t *testing.T) {
		cols := capturedColumns(t, "getsessions-v.txt")
		c := tn.c.Core
		for _, verbose := range []bool{false, true} {
			args, wantCols := []string{"getSessions"}, visible(cols)
			want := map[string]string{"coords": c.Self().Coords.String()}
			if verbose {
				args, wantCols = []string{"-v", "getSessions"}, cols
				want["box_pub_key"], want["was_mtu_fixed"] = c.BoxPub().String(), "false"
			}
			out, code := yggdrasilctl(t, tn.a.sock, args...)
			rows := parseTable(t, out, wantCols)
			checkRows(t, rows, map[string]map[string]string{c.Address().String(): want}, code)
		}
	})
	t.Run("getDHT", func(t *testing.T) {
		// No v0.3.16 capture; by the rules: sorted fields minus the key.
		out, code := yggdrasilctl(t, tn.a.sock, "getDHT")
		rows := parseTable(t, out, []string{"coords", "last_seen"})
		if code != 0 || len(rows) == 0 {
			t.Fatalf("exit %d, rows %v", code, rows)
		}
		known := map[string]string{}
		for _, n := range []*testNode{tn.b, tn.c} {
			known[n.Core.Address().String()] = n.Core.Self().Coords.String()
		}
		for key, row := range rows {
			coords, ok := known[key]
			if !ok {
				t.Errorf("row %s is not B or C", key)
			}
			checkCells(t, row, map[string]string{"coords": coords})
		}
	})
	t.Run("list", func(t *testing.T) {
		out, code := yggdrasilctl(t, tn.a.sock, "list")
		b, err := os.ReadFile(filepath.Join("testdata", "ctl", "list-excerpt.txt"))
		if err != nil {
			t.Fatal(err)
		}
		// Same handlers, same widths: v0.3.16's lines appear verbatim.
		lines := strings.Split(out, "\n")
		for i, want := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if (i == 0 && lines[0] != want) || !slices.Contains(lines, want) {
				t.Errorf("list output lacks the v0.3.16 line %q", want)
			}
		}
		if code != 0 || len(lines) != 24+2 {
			t.Errorf("exit %d, %d lines; want 0 and a header, 24 rows and a final newline:\n%s", code, len(lines), out)
		}
	})
	t.Run("getSelf", func(t *testing.T) {
		self := tn.c.Core.Self()
		var build string
		if v := version.Name(); v != "unknown" {
			build += "Build name: " + v + "\n"
		}
		if v := version.Version(); v != "unknown" {
			build += "Build version: " + v + "\n"
		}
		want := build + "IPv6 address: " + self.Address.String() + "\nIPv6 subnet: " + self.Subnet.String() +
			"\nCoords: " + self.Coords.String() + "\n"
		if out, code := yggdrasilctl(t, tn.c.sock, "getSelf"); out != want || code != 0 {
			t.Errorf("getSelf printed (exit %d)\n%s\nwant\n%s", code, out, want)
		}
		want += "Public encryption key: " + self.BoxPub.String() + "\n"
		if out, code := yggdrasilctl(t, tn.c.sock, "-v", "getSelf"); out != want || code != 0 {
			t.Errorf("-v getSelf printed (exit %d)\n%s\nwant\n%s", code, out, want)
		}
	})
	t.Run("json", func(t *testing.T) {
		for cmd, key := range map[string]string{"getPeers": "peers", "getSelf": "self",
			"getSwitchPeers": "switchpeers", "getDHT": "dht", "getSessions": "sessions"} {
			out, code := yggdrasilctl(t, tn.a.sock, "-json", cmd)
			var v map[string]any
			if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 {
				t.Errorf("-json %s: exit %d, %v:\n%s", cmd, code, err, out)
				continue
			}
			if _, ok := v[key].(map[string]any); !ok || len(v) != 1 {
				t.Errorf("-json %s: got keys %v, want just %q holding an object", cmd, sortedKeys(v), key)
			}
			if !strings.HasPrefix(out, "{\n  \"") || !strings.HasSuffix(out, "}\n") {
				t.Errorf("-json %s is not indented JSON with a final newline:\n%s", cmd, out)
			}
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"addPeer", "uri=bogus://x"}, "Admin socket returned an error: Failed to add peer\n"},
			{[]string{"getNodeInfo", "nocache=true"}, "Admin socket returned an error: Check your syntax and input types\n"},
			{[]string{"dhtPing", "box_pub_key=zz", "coords=[1]"}, "Admin socket returned an error: encoding/hex: invalid byte: U+007A 'z'\n"},
			{[]string{"nosuch"}, "Admin socket returned an error: Unknown action 'nosuch', try 'list' for help\n"},
		} {
			if out, code := yggdrasilctl(t, tn.a.sock, tc.args...); out != tc.want || code != 1 {
				t.Errorf("%v: exit %d, printed %q; want 1 and %q", tc.args, code, out, tc.want)
			}
		}
	})
}

// checkRows checks that the table has exactly the wanted rows with the
// wanted cells, and that yggdrasilctl exited 0.
func checkRows(t *testing.T, rows, want map[string]map[string]string, code int) {
	t.Helper()
	if code != 0 {
		t.Errorf("exit status %d", code)
	}
	var got, wantKeys []string
	for k := range rows {
		got = append(got, k)
	}
	for k := range want {
		wantKeys = append(wantKeys, k)
	}
	slices.Sort(got)
	slices.Sort(wantKeys)
	if !slices.Equal(got, wantKeys) {
		t.Fatalf("rows %v, want %v", got, wantKeys)
	}
	for k, row := range rows {
		checkCells(t, row, want[k])
	}
}

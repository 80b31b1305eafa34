package ctl

import (
	"strings"
	"testing"
)

// TestCapturedTables reproduces the tables v0.3.16's yggdrasilctl printed
// (spec 03 §6.4) byte for byte, trailing spaces included.
func TestCapturedTables(t *testing.T) {
	for _, tc := range []struct {
		response, table string
		verbose         bool
	}{
		{"getpeers.json", "getpeers.txt", false},
		{"getswitchpeers.json", "getswitchpeers.txt", false},
		{"getsessions.json", "getsessions-v.txt", true},
	} {
		t.Run(tc.table, func(t *testing.T) {
			got, status := render(t, string(readTestdata(t, tc.response)), outputOptions{verbose: tc.verbose})
			diffText(t, got, string(readTestdata(t, tc.table)))
			if status != exitOK {
				t.Errorf("status %d, want %d", status, exitOK)
			}
		})
	}
}

func TestListTable(t *testing.T) {
	got, _ := render(t, string(readTestdata(t, "list.json")), outputOptions{})
	lines := strings.Split(got, "\n")
	if len(lines) != 26 || lines[25] != "" {
		t.Fatalf("want header, 24 rows and a final newline, got %d lines:\n%s", len(lines), got)
	}
	// The spec shows the header and three rows; every other row must be
	// laid out on the same grid.
	index := map[string]string{}
	for _, l := range lines[1:25] {
		index[strings.Fields(l)[0]] = l + "\n"
	}
	excerpt := strings.SplitAfter(string(readTestdata(t, "list-excerpt.txt")), "\n")
	if lines[0]+"\n" != excerpt[0] {
		t.Errorf("header\n got %q\nwant %q", lines[0], excerpt[0])
	}
	for _, want := range excerpt[1:4] {
		if got := index[strings.Fields(want)[0]]; got != want {
			t.Errorf("row\n got %q\nwant %q", got, want)
		}
	}
	if got, want := index["getdht"], "getdht"+strings.Repeat(" ", 28)+"[]"+strings.Repeat(" ", 34)+"\n"; got != want {
		t.Errorf("empty fields row\n got %q\nwant %q", got, want)
	}
}

// TestTableWidthQuirk checks the spec's crafted example: widths come from
// the raw %v text of the float values, not from the displayed cells.
func TestTableWidthQuirk(t *testing.T) {
	got, _ := render(t, envelope("getPeers",
		`{"peers":{"a":{"bytes_recvd":1234567,"uptime":3725.9}}}`), outputOptions{})
	want := "   bytes_recvd   uptime  \n" +
		"a  1234567       01:02:05  \n"
	diffText(t, got, want)
}

func TestTableRules(t *testing.T) {
	for _, tc := range []struct {
		name, cmd, response string
		verbose             bool
		want                string
	}{
		{
			name: "empty map prints nothing", cmd: "getSessions",
			response: `{"sessions":{}}`, want: "",
		},
		{
			name: "getDHT hides the key and shows last_seen as a clock", cmd: "getDHT",
			response: `{"dht":{"200:bdaf:211d:e107:2497:723d:3ef9:a5c4":{"box_pub_key":"11e9","coords":"[1]","last_seen":3.292662987}}}`,
			want: "                                        coords  last_seen    \n" +
				"200:bdaf:211d:e107:2497:723d:3ef9:a5c4  [1]     00:00:03     \n",
		},
		{
			name: "dhtPing nodes", cmd: "dhtPing",
			response: string(decodeResponse(t, "dhtping.json")),
			want: "                                        coords  \n" +
				"201:14fa:2c2c:cee9:319c:a6a1:20a0:d01a  []      \n",
		},
		{
			name: "dhtPing -v shows the key", cmd: "DHTPING", verbose: true,
			response: `{"nodes":{"x":{"box_pub_key":"k","coords":"[]"}}}`,
			want: "   box_pub_key  coords  \n" +
				"x  k            []      \n",
		},
		{
			name: "switch ports sort numerically", cmd: "getSwitchPeers",
			response: `{"switchpeers":{"10":{"port":10},"9":{"port":9},"100":{"port":100}}}`,
			want: "     port  \n" +
				"9    9     \n" +
				"10   10    \n" +
				"100  100   \n",
		},
		{
			name: "all-empty column has width 0", cmd: "getPeers",
			response: `{"peers":{"a":{"endpoint":"","port":1}}}`,
			want: "   endpoint  port  \n" +
				"a    1     \n",
		},
		{
			name: "long hours and missing cells", cmd: "getPeers",
			response: `{"peers":{"a":{"uptime":360000.5,"bytes_sent":1e21},"b":{"port":1}}}`,
			want: "   bytes_sent  uptime    \n" +
				"a  1000000000000000000000  100:00:00  \n" +
				"b  <nil>       <nil>     \n",
		},
		{
			name: "columns come from the first row only", cmd: "getPeers",
			response: `{"peers":{"a":{"x":1},"b":{"x":2,"longer_field":"zzzzzzzzzzzzzzzzzzzz"}}}`,
			want: "   x  \n" +
				"a  1  \n" +
				"b  2  \n",
		},
		{
			name: "non-object values are skipped", cmd: "getPeers",
			response: `{"a":5,"peers":{"k":7,"r":{"x":"v"}}}`,
			want: "   x  \n" +
				"k  <nil>  \n" +
				"r  v  \n",
		},
		{
			name: "negative durations print as numbers", cmd: "getDHT",
			response: `{"dht":{"n":{"last_seen":-1.5,"bytes_recvd":-0.5}}}`,
			want: "   bytes_recvd  last_seen  \n" +
				"n  0            -1.5       \n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := render(t, envelope(tc.cmd, tc.response), outputOptions{verbose: tc.verbose})
			diffText(t, got, tc.want)
		})
	}
}

// decodeResponse returns the response object of a testdata envelope as JSON.
func decodeResponse(t *testing.T, name string) []byte {
	t.Helper()
	m := decode(t, readTestdata(t, name))
	var b strings.Builder
	if err := printJSON(&b, m["response"]); err != nil {
		t.Fatal(err)
	}
	return []byte(b.String())
}

func TestDurationText(t *testing.T) {
	for _, tc := range []struct {
		seconds float64
		want    string
	}{
		{0, "00:00:00"},
		{0.999, "00:00:00"},
		{59.9, "00:00:59"},
		{60, "00:01:00"},
		{3599.99, "00:59:59"},
		{3600, "01:00:00"},
		{3725.9, "01:02:05"},
		{86399, "23:59:59"},
		{90061, "25:01:01"},
		{3600 * 1234, "1234:00:00"},
	} {
		if got := durationText(tc.seconds); got != tc.want {
			t.Errorf("durationText(%v) = %q, want %q", tc.seconds, got, tc.want)
		}
	}
}

package ctl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPrintResponse feeds arbitrary JSON to the response formatter with
// every option combination: nothing may panic, and a JSON object must never
// print "%!" (a misused format verb).
func FuzzPrintResponse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	for _, cmd := range []string{"list", "getpeers", "getswitchpeers", "getdht", "getsessions", "dhtping",
		"gettuntap", "getself", "addpeer", "getallowedencryptionpublickeys", "getmulticastinterfaces",
		"getsourcesubnets", "getroutes", "gettunnelrouting", "getswitchqueues", "dot", "getnodeinfo"} {
		f.Add([]byte(envelope(cmd, `{"x":{"a":{"uptime":-1,"bytes_sent":"x","last_seen":1e300}},"routes":{"a":null},"switchqueues":{"queues":[1,{"queue_port":-1}]}}`)))
	}
	f.Add([]byte(`{"status":"error","error":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var recv map[string]any
		if json.Unmarshal(data, &recv) != nil {
			return
		}
		for _, opts := range []outputOptions{{}, {verbose: true}, {json: true}} {
			var out strings.Builder
			status, err := printResponse(&out, recv, opts)
			if status != exitOK && status != exitFailure {
				t.Fatalf("status %d", status)
			}
			if err != nil && out.Len() != 0 {
				t.Fatalf("printed %q before failing with %v", out.String(), err)
			}
			if strings.Contains(out.String(), "%!") {
				t.Fatalf("bad format verb in %q", out.String())
			}
		}
	})
}

// FuzzParseGenericConfig: any config bytes parse or fail cleanly, and an
// error never quotes the input.
func FuzzParseGenericConfig(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "v0316-genconf.hjson")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("AdminListen: tcp://h:1"))
	f.Add(utf16File("AdminListen: x", false))
	f.Add(utf16File("{a: [1, 2]}", true))
	f.Add([]byte{0xFF, 0xFE, 0x00})
	f.Add([]byte{0xEF, 0xBB, 0xBF, '{', '}'})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := parseGenericConfig(data)
		if err != nil && strings.Contains(err.Error(), ">>>") {
			t.Fatalf("error quotes the input: %v", err)
		}
	})
}

// FuzzBuildRequest: the request always encodes, decodes back to the same
// keys and values, and names the command.
func FuzzBuildRequest(f *testing.F) {
	f.Add("getPeers", "uri=tcp://h:1?a=b", "n=5")
	f.Add("x", "flag", "t=TRUE")
	f.Add("", "=", "==")
	f.Add("\xec", "\x98", "\x81") // valid only when joined
	f.Fuzz(func(t *testing.T, cmd, a1, a2 string) {
		var diag diagLog
		req := buildRequest([]string{cmd, a1, a2}, &diag)
		data, err := encodeRequest(req)
		if err != nil {
			t.Fatal(err)
		}
		if data[len(data)-1] != '\n' || strings.Count(string(data), "\n") != 1 {
			t.Fatalf("not one line: %q", data)
		}
		var back map[string]any
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("undecodable %q: %v", data, err)
		}
		if !utf8.ValidString(cmd) || !utf8.ValidString(a1) || !utf8.ValidString(a2) {
			return // the encoder replaces invalid UTF-8, so keys may merge
		}
		if len(back) != len(req) {
			t.Fatalf("keys changed: %v vs %v", back, req)
		}
		for k, v := range req {
			switch v := v.(type) {
			case int:
				if back[k] != float64(v) {
					t.Fatalf("%q: %v became %v", k, v, back[k])
				}
			case string:
				if back[k] != v {
					t.Fatalf("%q: %q became %q", k, v, back[k])
				}
			default:
				if back[k] != v {
					t.Fatalf("%q: %v became %v", k, v, back[k])
				}
			}
		}
	})
}

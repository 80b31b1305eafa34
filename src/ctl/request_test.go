package ctl

import (
	"reflect"
	"testing"
)

// TestCapturedRequest sends the command line of spec 03 §6.3 and compares
// the bytes with the line v0.3.16 sent.
func TestCapturedRequest(t *testing.T) {
	args := []string{"foo", "n=5", "neg=-3", "f=1.5", "t=TRUE", "fl=false", "s=hello", "e=",
		"eq=a=b=c", "flag", "hex=0x10", "big=99999999999999999999", "sp=a b"}
	var diag diagLog
	got, err := encodeRequest(buildRequest(args, &diag))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"big":"99999999999999999999","e":"","eq":"a=b=c","f":"1.5","fl":false,"flag":true,"hex":"0x10","n":5,"neg":-3,"request":"foo","s":"hello","sp":"a b","t":true}` + "\n"
	if string(got) != want {
		t.Errorf("request\n got %s\nwant %s", got, want)
	}
}

func TestRequestTyping(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		key  string
		want any
	}{
		{"port=1", "port", 1},
		{"port=+7", "port", 7},
		{"port=007", "port", 7},
		{"n=-9223372036854775808", "n", -9223372036854775808},
		{"n=9223372036854775808", "n", "9223372036854775808"},
		{"coords=1", "coords", 1},
		{"coords=[1 2]", "coords", "[1 2]"},
		{"nocache=true", "nocache", true},
		{"enabled=False", "enabled", false},
		{"enabled=yes", "enabled", "yes"},
		{"x=1e3", "x", "1e3"},
		{"x= 1", "x", " 1"},
		{"uri=tcp://h:1?key=abc", "uri", "tcp://h:1?key=abc"},
		{"uri=tcp://h:1?a=1&b=2", "uri", "tcp://h:1?a=1&b=2"},
		{"b==true", "b", "=true"},
		{"keepalive", "keepalive", true},
		{"-v", "-v", true},
		{"=5", "", 5},
	} {
		var diag diagLog
		req := buildRequest([]string{"cmd", tc.arg}, &diag)
		if got := req[tc.key]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %s = %#v, want %#v", tc.arg, tc.key, got, tc.want)
		}
		if req["request"] != "cmd" || len(req) != 2 {
			t.Errorf("%q: request %#v", tc.arg, req)
		}
	}
}

func TestRequestDetails(t *testing.T) {
	var diag diagLog
	req := buildRequest([]string{"GetPeers", "a=1", "a=x", "request=other"}, &diag)
	want := map[string]any{"request": "other", "a": "x"}
	if !reflect.DeepEqual(req, want) {
		t.Errorf("later arguments should win: %#v", req)
	}
	wantDiag := "2026/11/22 12:30:22 Sending request: GetPeers\n" +
		"2026/11/22 12:30:22 Sending parameter a: 1\n" +
		"2026/11/22 12:30:22 Sending parameter a: x\n" +
		"2026/11/22 12:30:22 Sending parameter request: other\n"
	if diag.String() != wantDiag {
		t.Errorf("diagnostics\n got %q\nwant %q", diag.String(), wantDiag)
	}
	if got := buildRequest(nil, &diag); len(got) != 0 {
		t.Errorf("no arguments: %#v", got)
	}
	// HTML characters are escaped, as Go's encoder does for v0.3.16; the
	// node decodes them back.
	data, err := encodeRequest(map[string]any{"request": "x", "s": "<&>"})
	if err != nil || string(data) != `{"request":"x","s":"\u003c\u0026\u003e"}`+"\n" {
		t.Errorf("got %s, %v", data, err)
	}
}

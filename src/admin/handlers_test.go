package admin

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// v0316Handlers is the handler table of spec 03 §5.3 (list is built in).
var v0316Handlers = []struct {
	name string
	args []string
}{
	{"getSelf", nil},
	{"getPeers", nil},
	{"getSwitchPeers", nil},
	{"getDHT", nil},
	{"getSessions", nil},
	{"addPeer", []string{"uri", "[interface]"}},
	{"removePeer", []string{"uri", "[interface]"}},
	{"disconnectPeer", []string{"port"}},
	{"getAllowedEncryptionPublicKeys", nil},
	{"addAllowedEncryptionPublicKey", []string{"box_pub_key"}},
	{"removeAllowedEncryptionPublicKey", []string{"box_pub_key"}},
	{"dhtPing", []string{"box_pub_key", "coords", "[target]"}},
	{"getNodeInfo", []string{"[box_pub_key]", "[coords]", "[nocache]"}},
	{"getMulticastInterfaces", nil},
	{"getTunTap", nil},
	{"getTunnelRouting", nil},
	{"setTunnelRouting", []string{"enabled"}},
	{"getSourceSubnets", nil},
	{"getRoutes", nil},
	{"addLocalSubnet", []string{"subnet"}},
	{"removeLocalSubnet", []string{"subnet"}},
	{"addRemoteSubnet", []string{"subnet", "box_pub_key"}},
	{"removeRemoteSubnet", []string{"subnet", "box_pub_key"}},
}

// capturedList is the v0.3.16 "list" envelope from spec 03 §5.4.
const capturedList = `{
  "request": {
    "request": "list"
  },
  "response": {
    "list": {
      "addallowedencryptionpublickey": { "fields": [ "box_pub_key" ] },
      "addlocalsubnet": { "fields": [ "subnet" ] },
      "addpeer": { "fields": [ "uri", "[interface]" ] },
      "addremotesubnet": { "fields": [ "subnet", "box_pub_key" ] },
      "dhtping": { "fields": [ "box_pub_key", "coords", "[target]" ] },
      "disconnectpeer": { "fields": [ "port" ] },
      "getallowedencryptionpublickeys": { "fields": [] },
      "getdht": { "fields": [] },
      "getmulticastinterfaces": { "fields": [] },
      "getnodeinfo": { "fields": [ "[box_pub_key]", "[coords]", "[nocache]" ] },
      "getpeers": { "fields": [] },
      "getroutes": { "fields": [] },
      "getself": { "fields": [] },
      "getsessions": { "fields": [] },
      "getsourcesubnets": { "fields": [] },
      "getswitchpeers": { "fields": [] },
      "gettunnelrouting": { "fields": [] },
      "gettuntap": { "fields": [] },
      "list": { "fields": [] },
      "removeallowedencryptionpublickey": { "fields": [ "box_pub_key" ] },
      "removelocalsubnet": { "fields": [ "subnet" ] },
      "removepeer": { "fields": [ "uri", "[interface]" ] },
      "removeremotesubnet": { "fields": [ "subnet", "box_pub_key" ] },
      "settunnelrouting": { "fields": [ "enabled" ] }
    }
  },
  "status": "success"
}`

func TestListMatchesCapture(t *testing.T) {
	s, _ := newServer(t)
	for _, h := range v0316Handlers {
		if err := s.AddHandler(h.name, h.args, func(Info) (Info, error) { return Info{}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	startUnix(t, s)
	c := newClient(t, s)
	c.send(t, `{"request":"LIST"}`)
	got := c.mustRead(t)
	want := strings.Replace(norm(capturedList), `"request": "list"`, `"request": "LIST"`, 1)
	if norm(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", norm(got), want)
	}
	// Each array element on its own line, as the reference prints it.
	if !strings.Contains(got, "\"fields\": [\n          \"uri\",\n          \"[interface]\"\n        ]") {
		t.Fatalf("array layout:\n%s", got)
	}
	if n := len(s.Names()); n != len(v0316Handlers)+1 {
		t.Fatalf("Names has %d entries", n)
	}
}

func TestAddHandlerErrors(t *testing.T) {
	s := New(nil)
	ok := func(Info) (Info, error) { return nil, nil }
	if err := s.AddHandler("getSelf", nil, ok); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		h    Handler
	}{
		{"GETSELF", nil, ok}, // case-insensitive duplicate
		{"getself", nil, ok}, // exact duplicate
		{"List", nil, ok},    // the built-in
		{"", nil, ok},        // no name
		{"nilHandler", nil, nil},
		{"emptyArg", []string{"uri", ""}, ok},
		{"emptyOptional", []string{"[]"}, ok},
	} {
		if err := s.AddHandler(tc.name, tc.args, tc.h); err == nil {
			t.Errorf("AddHandler(%q, %q) accepted", tc.name, tc.args)
		}
	}
	if got, want := s.Names(), []string{"getself", "list"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Names = %q, want %q", got, want)
	}
	// The table keeps its own copy of the declared arguments.
	args := []string{"a"}
	if err := s.AddHandler("x", args, ok); err != nil {
		t.Fatal(err)
	}
	args[0] = "changed"
	if e, _ := s.lookup("X"); e.args[0] != "a" {
		t.Fatal("args aliased")
	}
}

func TestMissingArg(t *testing.T) {
	e := entry{args: []string{"[opt]", "a", "b", "[c]"}}
	for _, tc := range []struct {
		req  Info
		want string
	}{
		{Info{}, "a"},
		{Info{"opt": 1, "b": 1}, "a"},
		{Info{"a": nil}, "b"},
		{Info{"a": nil, "b": false}, ""},
		{Info{"A": 1, "b": 1}, "a"}, // argument keys are case-sensitive
	} {
		got, missing := e.missingArg(tc.req)
		if got != tc.want || missing != (tc.want != "") {
			t.Errorf("%v: got %q %v, want %q", tc.req, got, missing, tc.want)
		}
	}
}

func TestGetters(t *testing.T) {
	r := Info{"s": "x", "n": 5.0, "b": true, "f": false, "null": nil, "bs": "true", "o": map[string]any{}}

	if v, err := r.GetString("s"); v != "x" || err != nil {
		t.Errorf("GetString(s) = %q, %v", v, err)
	}
	for _, k := range []string{"n", "b", "null", "o", "absent"} {
		if _, err := r.GetString(k); !errors.Is(err, ErrBadInput) {
			t.Errorf("GetString(%s) err = %v", k, err)
		}
	}

	if v, ok, err := r.GetOptionalString("s"); v != "x" || !ok || err != nil {
		t.Errorf("GetOptionalString(s) = %q %v %v", v, ok, err)
	}
	if v, ok, err := r.GetOptionalString("absent"); v != "" || ok || err != nil {
		t.Errorf("GetOptionalString(absent) = %q %v %v", v, ok, err)
	}
	for _, k := range []string{"n", "null", "b"} {
		if _, _, err := r.GetOptionalString(k); !errors.Is(err, ErrBadInput) {
			t.Errorf("GetOptionalString(%s) err = %v", k, err)
		}
	}

	if v, err := r.GetBool("b"); !v || err != nil {
		t.Errorf("GetBool(b) = %v %v", v, err)
	}
	if v, err := r.GetBool("f"); v || err != nil {
		t.Errorf("GetBool(f) = %v %v", v, err)
	}
	for _, k := range []string{"bs", "n", "null", "absent"} {
		if _, err := r.GetBool(k); !errors.Is(err, ErrBadInput) {
			t.Errorf("GetBool(%s) err = %v", k, err)
		}
	}

	for k, want := range map[string]bool{"b": true, "f": false, "bs": false, "n": false, "absent": false} {
		if r.IsTrue(k) != want {
			t.Errorf("IsTrue(%s) != %v", k, want)
		}
	}

	// The client sees only the generic text; the detail is for the log.
	_, err := r.GetString("n")
	if !strings.HasPrefix(err.Error(), "Check your syntax and input types") || !strings.Contains(err.Error(), `"n" is a number`) {
		t.Errorf("detail: %v", err)
	}
}

// TestGetInt64 follows disconnectPeer: number or numeric string, parse
// errors reported with strconv's text.
func TestGetInt64(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want int64
		err  string
	}{
		{5.0, 5, ""},
		{-0.0, 0, ""},
		{"7", 7, ""},
		{"-3", -3, ""},
		{999999.0, 999999, ""},
		{"abc", 0, `strconv.ParseInt: parsing "abc": invalid syntax`},
		{1.5, 0, `strconv.ParseInt: parsing "1.5": invalid syntax`},
		{1e6, 0, `strconv.ParseInt: parsing "1e+06": invalid syntax`},
		{nil, 0, `strconv.ParseInt: parsing "<nil>": invalid syntax`},
		{true, 0, `strconv.ParseInt: parsing "true": invalid syntax`},
		{"0x10", 0, `strconv.ParseInt: parsing "0x10": invalid syntax`},
		{"99999999999999999999", 9223372036854775807, `strconv.ParseInt: parsing "99999999999999999999": value out of range`},
	} {
		got, err := Info{"port": tc.v}.GetInt64("port")
		if tc.err == "" {
			if err != nil || got != tc.want {
				t.Errorf("%#v: got %d %v, want %d", tc.v, got, err, tc.want)
			}
			continue
		}
		if err == nil || err.Error() != tc.err || errors.Is(err, ErrBadInput) {
			t.Errorf("%#v: err %v, want %s", tc.v, err, tc.err)
		}
	}
}

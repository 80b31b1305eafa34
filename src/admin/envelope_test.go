package admin

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeNode registers stand-ins for a few node handlers, using the argument
// getters as the real ones will.
type fakeNode struct {
	mu    sync.Mutex
	peers map[string]bool
	calls atomic.Int64
}

func addFakeHandlers(t *testing.T, s *Server) *fakeNode {
	t.Helper()
	n := &fakeNode{peers: map[string]bool{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.AddHandler("getSelf", nil, func(Info) (Info, error) {
		n.calls.Add(1)
		return Info{"self": Info{"201:14fa:2c2c:cee9:319c:a6a1:20a0:d01a": Info{"coords": "[]"}}}, nil
	}))
	must(s.AddHandler("addPeer", []string{"uri", "[interface]"}, func(req Info) (Info, error) {
		n.calls.Add(1)
		uri, err := req.GetString("uri")
		if err != nil {
			return nil, err
		}
		if _, _, err := req.GetOptionalString("interface"); err != nil {
			return nil, err
		}
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.peers[uri] || strings.HasPrefix(uri, "bogus://") {
			return Info{"not_added": []string{uri}}, errors.New("Failed to add peer")
		}
		n.peers[uri] = true
		return Info{"added": []string{uri}}, nil
	}))
	must(s.AddHandler("failNil", nil, func(Info) (Info, error) {
		return nil, errors.New("it <broke> & stayed broken")
	}))
	must(s.AddHandler("nothing", nil, func(Info) (Info, error) { return nil, nil }))
	must(s.AddHandler("dhtPing", []string{"box_pub_key", "coords", "[target]"}, func(req Info) (Info, error) {
		if _, ok := req["target"]; !ok {
			req["target"] = "none"
		}
		return Info{}, nil
	}))
	must(s.AddHandler("setFlag", []string{"enabled"}, func(req Info) (Info, error) {
		return Info{"enabled": req.IsTrue("enabled")}, nil
	}))
	must(s.AddHandler("strictFlag", []string{"enabled"}, func(req Info) (Info, error) {
		b, err := req.GetBool("enabled")
		return Info{"enabled": b}, err
	}))
	return n
}

const generic = `{ "error": "Check your syntax and input types", "status": "error" }`

// TestErrorShapes checks every envelope shape of spec 03 §5.2 against the
// captured lines, and which of them close a keepalive connection.
func TestErrorShapes(t *testing.T) {
	s, _ := newServer(t)
	addFakeHandlers(t, s)
	startUnix(t, s)

	cases := []struct {
		name, req, want string
		closes          bool // even with keepalive
	}{
		{"unknown", `{"request":"nosuch"}`,
			`{ "error": "Unknown action 'nosuch', try 'list' for help", "request": { "request": "nosuch" }, "status": "error" }`, false},
		{"unknown keeps case as sent", `{"request":"NoSuch"}`,
			`{ "error": "Unknown action 'NoSuch', try 'list' for help", "request": { "request": "NoSuch" }, "status": "error" }`, false},
		{"removed in v0.3.16", `{"request":"getSwitchQueues"}`,
			`{ "error": "Unknown action 'getSwitchQueues', try 'list' for help", "request": { "request": "getSwitchQueues" }, "status": "error" }`, false},
		{"missing field", `{"request":"addPeer"}`,
			`{ "error": "Expected field missing: uri", "expecting": "uri", "status": "error" }`, false},
		{"missing second field", `{"request":"dhtPing","box_pub_key":"00"}`,
			`{ "error": "Expected field missing: coords", "expecting": "coords", "status": "error" }`, false},
		{"no request key", `{"foo":1}`, generic, true},
		{"request not a string", `{"request":5}`, generic, true},
		{"request null", `{"request":null}`, generic, true},
		{"null object", "null\n", generic, true},
		{"argument mistyped", `{"request":"addPeer","uri":5}`, generic, true},
		{"argument null but present", `{"request":"addPeer","uri":null}`, generic, true},
		{"optional argument mistyped", `{"request":"addPeer","uri":"tcp://a:1","interface":false}`, generic, true},
		{"strict bool given a string", `{"request":"strictFlag","enabled":"true"}`, generic, true},
		{"case-insensitive name", `{"request":"GETSELF"}`,
			`{ "request": { "request": "GETSELF" }, "response": { "self": { "201:14fa:2c2c:cee9:319c:a6a1:20a0:d01a": { "coords": "[]" } } }, "status": "success" }`, false},
		{"handler failed with response", `{"request":"addPeer","uri":"bogus://x"}`,
			`{ "error": "Failed to add peer", "request": { "request": "addPeer", "uri": "bogus://x" }, "response": { "not_added": [ "bogus://x" ] }, "status": "error" }`, false},
		{"handler failed without response", `{"request":"failNil"}`,
			`{ "error": "it \u003cbroke\u003e \u0026 stayed broken", "request": { "request": "failNil" }, "response": {}, "status": "error" }`, false},
		{"success without response", `{"request":"nothing"}`,
			`{ "request": { "request": "nothing" }, "response": {}, "status": "success" }`, false},
		{"handler default echoed", `{"request":"dhtping","box_pub_key":"ab","coords":"[1]"}`,
			`{ "request": { "box_pub_key": "ab", "coords": "[1]", "request": "dhtping", "target": "none" }, "response": {}, "status": "success" }`, false},
		{"optional absent, required null ok", `{"request":"setFlag","enabled":null}`,
			`{ "request": { "enabled": null, "request": "setFlag" }, "response": { "enabled": false }, "status": "success" }`, false},
		{"IsTrue only for JSON true", `{"request":"setFlag","enabled":"true"}`,
			`{ "request": { "enabled": "true", "request": "setFlag" }, "response": { "enabled": false }, "status": "success" }`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Without keepalive: one answer, then a close.
			c := newClient(t, s)
			c.send(t, tc.req)
			if got := norm(c.mustRead(t)); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
			c.expectClosed(t)

			// With keepalive (added to a real object only): fatal shapes
			// still close, the rest keep the connection for a next request.
			if !strings.HasPrefix(tc.req, "{") {
				return
			}
			c = newClient(t, s)
			c.send(t, strings.TrimSuffix(tc.req, "}")+`,"keepalive":true}`)
			got := norm(c.mustRead(t))
			if tc.closes {
				if got != generic {
					t.Fatalf("keepalive: got %s", got)
				}
				c.expectClosed(t)
				return
			}
			if !strings.Contains(got, `"keepalive": true`) && strings.Contains(got, `"request": {`) {
				t.Fatalf("keepalive not echoed: %s", got)
			}
			c.send(t, `{"request":"getself"}`)
			if got := norm(c.mustRead(t)); !strings.Contains(got, `"status": "success"`) {
				t.Fatalf("second request on keepalive connection: %s", got)
			}
			c.expectClosed(t)
		})
	}
}

// TestExactBytes checks the full encoding of a response: indentation,
// key order, HTML escaping, float64 echo of numbers, trailing newline.
func TestExactBytes(t *testing.T) {
	s, _ := newServer(t)
	startUnix(t, s)
	c := newClient(t, s)
	c.send(t, `{"request":"nosuch","n":5,"neg":-3,"f":1.5,"big":99999999999999999999,"e":1e3,"s":"<a&b>","l":[1,"x",null,true],"o":{"z":1,"a":{}}}`)
	want := `{
  "error": "Unknown action 'nosuch', try 'list' for help",
  "request": {
    "big": 100000000000000000000,
    "e": 1000,
    "f": 1.5,
    "l": [
      1,
      "x",
      null,
      true
    ],
    "n": 5,
    "neg": -3,
    "o": {
      "a": {},
      "z": 1
    },
    "request": "nosuch",
    "s": "\u003ca\u0026b\u003e"
  },
  "status": "error"
}
`
	if got := c.mustRead(t); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	c.expectClosed(t)
}

func TestKeepalive(t *testing.T) {
	s, _ := newServer(t)
	n := addFakeHandlers(t, s)
	startUnix(t, s)

	c := newClient(t, s)
	for i := 0; i < 5; i++ {
		c.send(t, `{"keepalive":true,"request":"getSelf"}`)
		if got := norm(c.mustRead(t)); !strings.Contains(got, `"keepalive": true, "request": "getSelf"`) {
			t.Fatalf("request %d: %s", i, got)
		}
	}
	// keepalive false closes like an absent one.
	c.send(t, `{"keepalive":false,"request":"getSelf"}`)
	c.mustRead(t)
	c.expectClosed(t)
	if got := n.calls.Load(); got != 6 {
		t.Fatalf("handler ran %d times, want 6", got)
	}
}

// TestPipelinedWithoutKeepalive: requests after the first on a connection
// without keepalive are never run.
func TestPipelinedWithoutKeepalive(t *testing.T) {
	s, _ := newServer(t)
	n := addFakeHandlers(t, s)
	startUnix(t, s)
	c := newClient(t, s)
	c.send(t, `{"request":"getSelf"}{"request":"getSelf"}`+"\n"+`{"request":"getSelf"}`)
	if got := norm(c.mustRead(t)); !strings.Contains(got, `"status": "success"`) {
		t.Fatal(got)
	}
	c.expectClosed(t)
	if got := n.calls.Load(); got != 1 {
		t.Fatalf("handler ran %d times, want 1", got)
	}

	// With keepalive, pipelined requests are all answered in order.
	c = newClient(t, s)
	c.send(t, `{"request":"getSelf","keepalive":true,"i":1}{"request":"nosuch","keepalive":true,"i":2} {"request":"getSelf","i":3}`)
	for i := 1; i <= 3; i++ {
		if got := norm(c.mustRead(t)); !strings.Contains(got, `"i": `+string(rune('0'+i))) {
			t.Fatalf("response %d: %s", i, got)
		}
	}
	c.expectClosed(t)
}

// TestNonBoolKeepalive: the v0.3.16 quirk of a normal answer followed by
// the generic error and a close.
func TestNonBoolKeepalive(t *testing.T) {
	s, _ := newServer(t)
	addFakeHandlers(t, s)
	startUnix(t, s)
	for _, ka := range []string{`"yes"`, `1`, `null`, `{}`} {
		c := newClient(t, s)
		c.send(t, `{"request":"getSelf","keepalive":`+ka+`}`)
		if got := norm(c.mustRead(t)); !strings.Contains(got, `"status": "success"`) {
			t.Fatalf("keepalive %s: first %s", ka, got)
		}
		if got := norm(c.mustRead(t)); got != generic {
			t.Fatalf("keepalive %s: second %s", ka, got)
		}
		c.expectClosed(t)
	}
}

// TestNonObjectCloses: input that is not a JSON object gets no answer and
// the connection is closed (the reference leaves it hanging).
func TestNonObjectCloses(t *testing.T) {
	s, _ := newServer(t)
	addFakeHandlers(t, s)
	startUnix(t, s)
	for _, in := range []string{"garbage", "[1,2]", `"request" `, "5\n", "true ", "{bad}", `{"request":"getSelf",}`, "}", strings.Repeat("[", 20000)} {
		t.Run(in[:min(len(in), 10)], func(t *testing.T) {
			c := newClient(t, s)
			c.send(t, in)
			c.expectClosed(t)
		})
	}
	// Truncated object: closed once the client stops sending.
	c := newClient(t, s)
	c.send(t, `{"request":"getSe`)
	c.Conn.(interface{ CloseWrite() error }).CloseWrite()
	c.expectClosed(t)
}

func TestPanickingHandler(t *testing.T) {
	s, lb := newServer(t)
	addFakeHandlers(t, s)
	if err := s.AddHandler("explode", nil, func(Info) (Info, error) { panic("kaboom") }); err != nil {
		t.Fatal(err)
	}
	if err := s.AddHandler("unencodable", nil, func(Info) (Info, error) { return Info{"c": make(chan int)}, nil }); err != nil {
		t.Fatal(err)
	}
	startUnix(t, s)
	for _, name := range []string{"explode", "unencodable"} {
		c := newClient(t, s)
		c.send(t, `{"request":"`+name+`","keepalive":true}`)
		if got := norm(c.mustRead(t)); got != generic {
			t.Fatalf("%s: %s", name, got)
		}
		c.expectClosed(t)
	}
	if log := lb.String(); !strings.Contains(log, `Admin socket handler "explode" panicked: kaboom`) ||
		!strings.Contains(log, "could not encode a response") {
		t.Fatalf("log: %s", log)
	}
	// The server carries on.
	c := newClient(t, s)
	c.send(t, `{"request":"getSelf"}`)
	if got := norm(c.mustRead(t)); !strings.Contains(got, `"status": "success"`) {
		t.Fatal(got)
	}
}

// TestNeverSend: a response carrying a registered secret is withheld, and
// the secret does not reach the log either.
func TestNeverSend(t *testing.T) {
	const secret = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
	s, lb := newServer(t)
	addFakeHandlers(t, s)
	s.NeverSend(secret, "")
	if err := s.AddHandler("leaky", nil, func(Info) (Info, error) {
		return Info{"self": Info{"box_priv_key": secret}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddHandler("leakyError", nil, func(Info) (Info, error) {
		return nil, errors.New("bad key " + secret)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddHandler("leakyPanic", nil, func(Info) (Info, error) {
		panic("bad key " + secret)
	}); err != nil {
		t.Fatal(err)
	}
	startUnix(t, s)
	for _, name := range []string{"leaky", "leakyError", "leakyPanic"} {
		c := newClient(t, s)
		c.send(t, `{"request":"`+name+`","keepalive":true}`)
		if got := norm(c.mustRead(t)); got != generic {
			t.Fatalf("%s: %s", name, got)
		}
		c.expectClosed(t)
	}
	if log := lb.String(); strings.Contains(log, secret) || !strings.Contains(log, "response withheld") ||
		!strings.Contains(log, "error withheld from the log") {
		t.Fatalf("log: %s", log)
	}
	// Other responses are unaffected.
	c := newClient(t, s)
	c.send(t, `{"request":"getSelf"}`)
	if got := norm(c.mustRead(t)); !strings.Contains(got, `"status": "success"`) {
		t.Fatal(got)
	}
}

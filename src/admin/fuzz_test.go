package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/logging"
)

// memStream is a connection whose input is fixed and whose output is kept.
type memStream struct {
	in  io.Reader
	out bytes.Buffer
}

func (m *memStream) Read(p []byte) (int, error)       { return m.in.Read(p) }
func (m *memStream) Write(p []byte) (int, error)      { return m.out.Write(p) }
func (m *memStream) SetReadDeadline(time.Time) error  { return nil }
func (m *memStream) SetWriteDeadline(time.Time) error { return nil }

// FuzzSession feeds arbitrary client input to a session: it must never
// panic, and everything it writes must be well-formed envelopes.
func FuzzSession(f *testing.F) {
	for _, seed := range []string{
		`{"request":"list"}`,
		`{"request":"getSelf","keepalive":true}{"request":"addPeer","uri":"x","keepalive":true}{"request":"addPeer"}`,
		`{"request":"addPeer","uri":5}`,
		`{"request":"explode","keepalive":true}`,
		`{"request":"dhtPing","box_pub_key":"ab","coords":"[1]","keepalive":"x"}`,
		`{"request":"nosuch","keepalive":true} {"request":null}`,
		"null\n",
		`[1,2]`,
		`{"request":"strictFlag","enabled":true,"keepalive":true}{"request":"setFlag","enabled":1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s := New(logging.Discard())
		addFakeHandlers(t, s)
		if err := s.AddHandler("explode", nil, func(Info) (Info, error) { panic("boom") }); err != nil {
			t.Fatal(err)
		}
		m := &memStream{in: bytes.NewReader(in)}
		s.session(m, &tracked{})
		if err := checkEnvelopes(m.out.Bytes()); err != nil {
			t.Fatal(err)
		}
	})
}

// checkEnvelopes checks out is a sequence of newline-terminated JSON
// objects with a valid status, and that a generic error is only ever last.
func checkEnvelopes(out []byte) error {
	if len(out) > 0 && out[len(out)-1] != '\n' {
		return fmt.Errorf("output not newline-terminated: %q", out)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var env map[string]any
		if err := dec.Decode(&env); err != nil {
			return fmt.Errorf("bad output %q: %v", out, err)
		}
		switch env["status"] {
		case "success":
			if _, ok := env["response"].(map[string]any); !ok {
				return fmt.Errorf("success without response object: %v", env)
			}
			if _, ok := env["request"].(map[string]any); !ok {
				return fmt.Errorf("success without request echo: %v", env)
			}
		case "error":
			text, ok := env["error"].(string)
			if !ok || text == "" {
				return fmt.Errorf("error without text: %v", env)
			}
			if text == ErrBadInput.Error() && dec.More() {
				return fmt.Errorf("output continued after the generic error: %q", out)
			}
		default:
			return fmt.Errorf("bad status: %v", env)
		}
	}
	return nil
}

// FuzzParseListen: never panics, and what it returns is consistent with
// the input.
func FuzzParseListen(f *testing.F) {
	for _, seed := range []string{"none", "", "unix:///var/run/y.sock", "UNIX://@x", "tcp://[::1]:9001", "tcp://", "tcp://%zz", "localhost:9001", "[::1]:1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		network, addr, err := parseListen(s)
		switch {
		case err != nil:
			if network != "" || addr != "" || !strings.HasPrefix(err.Error(), "Admin socket failed to listen: ") {
				t.Fatalf("%q: %q %q %v", s, network, addr, err)
			}
		case network == "":
			if s != "" && s != "none" {
				t.Fatalf("%q disabled", s)
			}
		case network == "unix":
			if !strings.EqualFold(s[:7], "unix://") || addr != s[7:] {
				t.Fatalf("%q: unix %q", s, addr)
			}
		case network == "tcp":
			if addr == "" {
				t.Fatalf("%q: empty tcp address", s)
			}
		default:
			t.Fatalf("%q: network %q", s, network)
		}
	})
}

// TestCheckEnvelopes makes sure the fuzz oracle can fail.
func TestCheckEnvelopes(t *testing.T) {
	good := `{"request":{"request":"x"},"response":{},"status":"success"}` + "\n" + generic + "\n"
	if err := checkEnvelopes([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		`{"status":"success","request":{}}` + "\n",
		`{"status":"success","response":{}}` + "\n",
		`{"status":"error"}` + "\n",
		`{"status":"ok","response":{},"request":{}}` + "\n",
		generic + "\n" + `{"status":"error","error":"x"}` + "\n",
		`{"status":"error","error":"x"}`,
		"[]\n",
		"{\n",
	} {
		if checkEnvelopes([]byte(bad)) == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

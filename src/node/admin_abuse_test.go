package node

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// Bad input against a real node: each request gets an error answer or a
// closed connection, and the node, and a client connected all along, carry
// on.
func TestAdminBadInput(t *testing.T) {
	tn := sharedNet(t)
	sock := tn.a.sock

	// A client that stays connected through all of it (keepalive).
	steady, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer steady.Close()
	steadyDec := json.NewDecoder(bufio.NewReader(steady))
	steadyCall := func() {
		t.Helper()
		steady.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(steady, `{"request":"getPeers","keepalive":true}`); err != nil {
			t.Fatalf("steady client: %v", err)
		}
		var env map[string]any
		if err := steadyDec.Decode(&env); err != nil || env["status"] != "success" {
			t.Fatalf("steady client: %v %v", err, env)
		}
	}
	steadyCall()

	t.Run("not an object", func(t *testing.T) {
		// A scalar is only complete once something follows it, as for
		// any JSON stream reader; yggdrasilctl ends requests with "\n".
		for _, in := range []string{"garbage", "[1,2]", "\"getSelf\"\n", "5\n", "{", `{"request":"getSelf"`} {
			if out := exchangeHalfClose(t, sock, in); len(out) != 0 {
				t.Errorf("%q: got %q, want no answer and a close", in, out)
			}
		}
	})
	t.Run("wrong types", func(t *testing.T) {
		for _, in := range []string{
			`{"foo":1}`, `{"request":5}`, `{"request":null}`, "null\n",
			`{"request":"addPeer","uri":5}`,
			`{"request":"addPeer","uri":"tcp://127.0.0.1:1","interface":["eth0"]}`,
			`{"request":"removePeer","uri":{}}`,
			`{"request":"getNodeInfo","box_pub_key":1,"coords":"[1]"}`,
			`{"request":"getNodeInfo","box_pub_key":"00","coords":[1]}`,
			`{"request":"dhtPing","box_pub_key":true,"coords":"[]"}`,
			`{"request":"removeAllowedEncryptionPublicKey","box_pub_key":null}`,
			`{"request":"removeLocalSubnet","subnet":1}`,
		} {
			wantGeneric(t, sock, in)
		}
	})
	t.Run("unknown request", func(t *testing.T) {
		for _, name := range []string{"nosuch", "getSwitchQueues", "setTunTap", "dot", "addRoute", "addSourceSubnet"} {
			env := call(t, sock, req(name))
			if name == "nosuch" {
				matchCapture(t, "error-unknown", env)
			}
			wantError(t, env, "Unknown action '"+name+"', try 'list' for help")
		}
	})
	t.Run("missing arguments", func(t *testing.T) {
		for in, arg := range map[string]string{
			`{"request":"addPeer"}`:                                   "uri",
			`{"request":"removePeer","interface":"eth0"}`:             "uri",
			`{"request":"addremotesubnet","box_pub_key":"00"}`:        "subnet",
			`{"request":"addAllowedEncryptionPublicKey"}`:             "box_pub_key",
			`{"request":"dhtPing","coords":"[1]"}`:                    "box_pub_key",
			`{"request":"addLocalSubnet","Subnet":"10.0.0.0/8"}`:      "subnet",
			`{"request":"removeRemoteSubnet","subnet":"10.0.0.0/8"}`:  "box_pub_key",
			`{"request":"setTunnelRouting","keepalive":false}`:        "enabled",
			`{"request":"disconnectPeer","Port":1,"keepalive":false}`: "port",
		} {
			wantMissing(t, sock, in, arg)
		}
	})
	t.Run("10 MB request", func(t *testing.T) {
		c, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		// The server stops reading long before the end; the write then
		// fails, which is fine.
		go func() {
			io.WriteString(c, `{"request":"getSelf","pad":"`)
			c.Write(bytes.Repeat([]byte("a"), 10<<20))
			io.WriteString(c, `"}`+"\n")
		}()
		out, _ := io.ReadAll(c) // a reset after the answer is fine too
		env := decodeOne(t, out, "10 MB request")
		wantError(t, env, "Check your syntax and input types")
	})
	t.Run("keepalive", func(t *testing.T) {
		out := exchange(t, sock, `{"request":"getSelf","keepalive":true}{"request":"list","keepalive":false}{"request":"getSelf"}`)
		dec := json.NewDecoder(bytes.NewReader(out))
		var names []string
		for dec.More() {
			var env map[string]any
			if err := dec.Decode(&env); err != nil {
				t.Fatal(err)
			}
			names = append(names, env["request"].(map[string]any)["request"].(string))
		}
		if strings.Join(names, ",") != "getSelf,list" {
			t.Errorf("answers to %v, want getSelf then list and a close", names)
		}
		// A keepalive that is not a boolean: the answer, the generic
		// error, a close.
		out = exchange(t, sock, `{"request":"getSelf","keepalive":"yes"}{"request":"getSelf"}`)
		dec = json.NewDecoder(bytes.NewReader(out))
		var first, second map[string]any
		if dec.Decode(&first) != nil || dec.Decode(&second) != nil || dec.More() ||
			first["status"] != "success" || second["error"] != "Check your syntax and input types" {
			t.Errorf("non-boolean keepalive got %s", out)
		}
	})

	steadyCall()
	if peers := len(tn.a.Core.Peers()); peers != 2 {
		t.Errorf("A has %d links after the bad input, want 2", peers)
	}
	wantSuccess(t, call(t, sock, req("getSelf")))
}

// exchangeHalfClose sends in, closes the write side (so a partial object
// ends) and returns what the server wrote before closing.
func exchangeHalfClose(t *testing.T, sock, in string) []byte {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, in); err != nil {
		t.Fatal(err)
	}
	// For a complete non-object the server closes on its own; for an
	// unfinished one it needs to see the end of the input.
	if !strings.HasPrefix(in, "{") {
		out, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("%q: %v (the server must close, not hang)", in, err)
		}
		return out
	}
	c.(*net.UnixConn).CloseWrite()
	out, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("%q: %v", in, err)
	}
	return out
}

package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/admin"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/transport"
	"github.com/yggmesh/ygg/src/wire"
)

// FuzzParseCoords: never panics, keeps only what parses, and its own
// output form reads back unchanged.
func FuzzParseCoords(f *testing.F) {
	for _, s := range []string{"[]", "[1 2 3]", "1", "[0x10 0o7 0b1]", "[1  2]", "[[", "]1[", "[18446744073709551615]", "[-1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := parseCoords(s)
		if len(c) > strings.Count(s, " ")+1 {
			t.Fatalf("%q gave %d ports from at most %d tokens", s, len(c), strings.Count(s, " ")+1)
		}
		if again := parseCoords(c.String()); !again.Equal(c) {
			t.Fatalf("%q -> %s -> %s", s, c, again)
		}
		if len(c) == 0 && !(wire.Coords{}).Equal(c) {
			t.Fatal("empty coords differ from the root's")
		}
	})
}

// FuzzDecodeNodeInfo: any bytes from a remote node either decode to a
// value the envelope can encode, or give an error; never a panic.
func FuzzDecodeNodeInfo(f *testing.F) {
	for _, s := range []string{`{"name":"a","n":1e400}`, `{}`, `[1,2]`, `null`, `{"a":`, `"x"`, `{"big":123456789012345678901234567890}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeNodeInfo(b)
		if err != nil {
			return
		}
		if _, err := json.Marshal(admin.Info{"nodeinfo": v}); err != nil {
			t.Fatalf("decoded %q but cannot encode it: %v", b, err)
		}
	})
}

// FuzzAdminHandlers calls the node's handlers directly with arbitrary
// request objects. A handler may refuse a request, but must not panic,
// and whatever it answers must encode. Requests that would leave the
// process (addPeer with a URI that dials) or wait 6 s for a remote node
// (dhtPing, getNodeInfo with a well-formed key) are skipped.
func FuzzAdminHandlers(f *testing.F) {
	c := bareCore(f)
	byName := map[string]admin.Handler{}
	var all []adminHandler
	all = append(all, newCoreHandlers(c, context.Background()).handlers()...)
	all = append(all, newTunHandlers(deviceless(f, c, config.TunnelRouting{}), nil).handlers()...)
	all = append(all, multicastHandlers(fakeMulticast{"eth0"})...)
	for _, h := range all {
		byName[strings.ToLower(h.name)] = h.fn
	}
	for _, s := range []string{
		`{"request":"getSelf"}`, `{"request":"getPeers"}`, `{"request":"disconnectPeer","port":"18446744073709551616"}`,
		`{"request":"disconnectPeer","port":-1}`, `{"request":"addPeer","uri":"bogus://x","interface":"eth0"}`,
		`{"request":"removePeer","uri":"tcp://[::1]:1"}`, `{"request":"dhtPing","box_pub_key":"abc","coords":"[1]","target":5}`,
		`{"request":"getNodeInfo","box_pub_key":"zz","coords":"[1 2]","nocache":"x"}`, `{"request":"getNodeInfo","coords":null}`,
		`{"request":"addRemoteSubnet","subnet":"3.0.0.0/8","box_pub_key":"` + strings.Repeat("ab", 32) + `"}`,
		`{"request":"addLocalSubnet","subnet":"::/0"}`, `{"request":"removeRemoteSubnet","subnet":"10.0.0.0/8","box_pub_key":"zz"}`,
		`{"request":"setTunnelRouting","enabled":{}}`, `{"request":"addAllowedEncryptionPublicKey","box_pub_key":""}`,
		`{"request":"getMulticastInterfaces"}`, `{"request":"getTunTap"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var req admin.Info
		if json.Unmarshal([]byte(s), &req) != nil || req == nil {
			return
		}
		name, _ := req["request"].(string)
		h := byName[strings.ToLower(name)]
		if h == nil || wouldLeave(strings.ToLower(name), req) {
			return
		}
		resp, err := h(req)
		if err == nil && resp == nil {
			t.Fatalf("%s: success with no response", s)
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("%s: response does not encode: %v", s, err)
		}
	})
}

// wouldLeave reports requests the fuzz target must not run: ones that
// dial out or wait for a remote answer.
func wouldLeave(name string, req admin.Info) bool {
	switch name {
	case "addpeer":
		uri, _ := req["uri"].(string)
		_, err := transport.ParsePeerURI(uri)
		return err == nil
	case "dhtping", "getnodeinfo":
		key, _ := req["box_pub_key"].(string)
		b, err := hex.DecodeString(key)
		return err == nil && len(b) == 32
	}
	return false
}

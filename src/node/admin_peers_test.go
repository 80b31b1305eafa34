package node

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/config"
)

// A node D with no configured peers is joined to a fresh node P with
// addPeer over TCP and TLS, then taken apart again with removePeer and
// disconnectPeer, checking every answer and the core's state.
func TestAdminAddRemoveDisconnectPeer(t *testing.T) {
	p := startNode(t, "P", func(cfg *config.NodeConfig) {
		cfg.Listen = []string{"tcp://127.0.0.1:0", "tls://127.0.0.1:0"}
	})
	d := startNode(t, "D", func(cfg *config.NodeConfig) { cfg.Listen = nil })
	tcpURI, tlsURI := p.listenURI(t, "tcp"), p.listenURI(t, "tls")

	env := call(t, d.sock, req("addPeer", "uri", tcpURI))
	matchCapture(t, "addpeer", env)
	wantAdded(t, env, "added", tcpURI)
	env = call(t, d.sock, req("addPeer", "uri", tcpURI))
	matchCapture(t, "addpeer-again", env)
	wantError(t, env, "Failed to add peer")
	wantAdded(t, env, "not_added", tcpURI)
	env = call(t, d.sock, req("addPeer", "uri", "bogus://x"))
	matchCapture(t, "addpeer-bogus", env)
	wantError(t, env, "Failed to add peer")
	wantAdded(t, env, "not_added", "bogus://x")
	wantGeneric(t, d.sock, `{"request":"addPeer","uri":"`+tlsURI+`","interface":1}`)
	wantGeneric(t, d.sock, `{"request":"addPeer","uri":7}`)
	wantMissing(t, d.sock, `{"request":"addPeer"}`, "uri")

	wantSuccess(t, call(t, d.sock, req("addPeer", "uri", tlsURI)))
	if peers, _ := d.Core.ConfiguredPeers(); !slices.Equal(peers, []string{tcpURI, tlsURI}) {
		t.Fatalf("configured peers %v, want %v", peers, []string{tcpURI, tlsURI})
	}
	waitFor(t, 10*time.Second, "both links up", func() bool { return len(d.Core.Peers()) == 2 })

	// One getPeers entry for P: the higher of the two ports.
	links := d.Core.Peers()
	top := links[len(links)-1]
	e := obj(t, call(t, d.sock, req("getPeers")), "response", "peers", p.Core.Address().String())
	if num(t, e, "port") != float64(top.Port) || e["endpoint"] != top.Endpoint {
		t.Errorf("P's getPeers entry %v, want port %d endpoint %s", e, top.Port, top.Endpoint)
	}

	// removePeer drops the URI from the config and closes the link named
	// by it (the dialled address, which is what tcpURI is).
	env = call(t, d.sock, req("removePeer", "uri", tcpURI))
	matchCapture(t, "removepeer", env)
	wantAdded(t, env, "removed", tcpURI)
	if peers, _ := d.Core.ConfiguredPeers(); !slices.Equal(peers, []string{tlsURI}) {
		t.Errorf("configured peers after removePeer %v, want [%s]", peers, tlsURI)
	}
	waitFor(t, 10*time.Second, "the TCP link to close", func() bool {
		for _, l := range d.Core.Peers() {
			if l.Proto == "tcp" {
				return false
			}
		}
		return true
	})
	// Nothing matches: still success.
	wantAdded(t, call(t, d.sock, req("removePeer", "uri", "tcp://192.0.2.1:1", "interface", "eth9")), "removed", "tcp://192.0.2.1:1")

	env = call(t, d.sock, req("disconnectPeer", "port", "abc"))
	matchCapture(t, "disconnectpeer-abc", env)
	wantError(t, env, `strconv.ParseInt: parsing "abc": invalid syntax`)
	wantError(t, call(t, d.sock, req("disconnectPeer", "port", 1.5)), `strconv.ParseInt: parsing "1.5": invalid syntax`)
	wantMissing(t, d.sock, `{"request":"disconnectPeer"}`, "port")

	tls := d.Core.Peers()
	if len(tls) != 1 || tls[0].Proto != "tls" {
		t.Fatalf("links left %v, want the TLS one", tls)
	}
	port := tls[0].Port
	env = call(t, d.sock, req("disconnectPeer", "port", port))
	matchCapture(t, "disconnectpeer", env)
	wantAdded(t, env, "disconnected", strconv.FormatUint(port, 10))
	waitFor(t, 5*time.Second, "the TLS link to close", func() bool { return len(d.Core.Peers()) == 0 })
	// The peer stays configured (it will be called again).
	if peers, _ := d.Core.ConfiguredPeers(); !slices.Equal(peers, []string{tlsURI}) {
		t.Errorf("configured peers after disconnectPeer %v, want [%s]", peers, tlsURI)
	}
	// A numeric string works; port 0 and unknown ports are ignored.
	env = call(t, d.sock, req("disconnectPeer", "port", "0"))
	matchCapture(t, "disconnectpeer-string", env)
	wantAdded(t, env, "disconnected", "0")
	wantAdded(t, call(t, d.sock, req("disconnectPeer", "port", json.Number("999"))), "disconnected", "999")
	wantAdded(t, call(t, d.sock, req("disconnectPeer", "port", -3)), "disconnected", "-3")
	wantSuccess(t, call(t, d.sock, req("getSelf")))
}

// wantAdded checks that the response's key holds exactly [item].
func wantAdded(t *testing.T, env map[string]any, key, item string) {
	t.Helper()
	l, ok := obj(t, env, "response")[key].([]any)
	if !ok || len(l) != 1 || l[0] != item {
		t.Errorf("response %v, want %s: [%s]", env["response"], key, item)
	}
}

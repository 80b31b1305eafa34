package node

import (
	"encoding/hex"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/version"
)

var coordsText = regexp.MustCompile(`^\[([1-9][0-9]*( [1-9][0-9]*)*)?\]$`)

func TestAdminList(t *testing.T) {
	n := sharedNet(t).a
	got := call(t, n.sock, req("list"))
	want := loadCapture(t, "list")
	if !reflect.DeepEqual(got, want) {
		gb, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("list differs from the v0.3.16 capture; got\n%s", gb)
	}
}

func TestAdminGetSelf(t *testing.T) {
	n := sharedNet(t).c
	env := call(t, n.sock, req("getSelf"))
	wantSuccess(t, env)
	matchCapture(t, "getself", env, ".response.self")
	self := n.Core.Self()
	entries := obj(t, env, "response", "self")
	if len(entries) != 1 {
		t.Fatalf("getSelf has %d entries, want 1", len(entries))
	}
	want := map[string]any{
		"box_pub_key":   self.BoxPub.String(),
		"build_name":    version.Name(),
		"build_version": version.Version(),
		"coords":        self.Coords.String(),
		"subnet":        self.Subnet.String(),
	}
	if got := obj(t, entries, self.Address.String()); !reflect.DeepEqual(got, want) {
		t.Errorf("getSelf entry = %v, want %v", got, want)
	}
	// Case-insensitive names, as v0.3.16.
	wantSuccess(t, call(t, n.sock, req("GETSELF")))
}

// B has two links to A (TCP and TLS) and one to C: getPeers shows A once,
// with its highest port, plus C and B itself as port 0.
func TestAdminGetPeers(t *testing.T) {
	tn := sharedNet(t)
	n := tn.b
	env := call(t, n.sock, req("getPeers"))
	wantSuccess(t, env)
	matchCapture(t, "getpeers", env, ".response.peers")
	peers := obj(t, env, "response", "peers")

	want := map[string]int{n.Core.Address().String(): 0}
	for _, p := range n.Core.Peers() {
		want[p.Address.String()] = max(want[p.Address.String()], int(p.Port))
	}
	if len(peers) != len(want) || len(peers) != 3 {
		t.Fatalf("getPeers has entries %v, want %v", sortedKeys(peers), want)
	}
	byPort := make(map[uint64]string) // port -> endpoint
	protos := make(map[uint64]string)
	for _, p := range n.Core.Peers() {
		byPort[p.Port], protos[p.Port] = p.Endpoint, p.Proto
	}
	for addr, port := range want {
		e := obj(t, peers, addr)
		if got := num(t, e, "port"); got != float64(port) {
			t.Errorf("%s: port %v, want %d (the highest port to that node)", addr, got, port)
		}
		if up := num(t, e, "uptime"); up <= 0 || up > 120 {
			t.Errorf("%s: uptime %v s, want a small positive number of seconds", addr, up)
		}
		a, _ := addressOfKey(t, e["box_pub_key"])
		if a != addr {
			t.Errorf("%s: box_pub_key gives address %s", addr, a)
		}
		if port == 0 {
			if e["endpoint"] != "(self)" || e["proto"] != "self" {
				t.Errorf("self entry: endpoint %v proto %v", e["endpoint"], e["proto"])
			}
			if num(t, e, "bytes_sent") == 0 || num(t, e, "bytes_recvd") == 0 {
				t.Errorf("self entry counts no traffic: %v", e)
			}
			continue
		}
		if e["endpoint"] != byPort[uint64(port)] || e["proto"] != protos[uint64(port)] {
			t.Errorf("%s: endpoint %v proto %v, want %s %s", addr, e["endpoint"], e["proto"], byPort[uint64(port)], protos[uint64(port)])
		}
	}
	// A's two links: TCP and TLS, both named by the dialled socket address.
	aEntry := obj(t, peers, tn.a.Core.Address().String())
	if aEntry["endpoint"] != tn.a.listenURI(t, aEntry["proto"].(string)) {
		t.Errorf("A's entry has endpoint %v, want the %v listener %s", aEntry["endpoint"], aEntry["proto"], tn.a.listenURI(t, aEntry["proto"].(string)))
	}
}

// A's two links to B are two switch ports; the endpoint is the bare host.
func TestAdminGetSwitchPeers(t *testing.T) {
	tn := sharedNet(t)
	n := tn.a
	var env map[string]any
	stableSwitchPorts(t, n, func() []string {
		env = call(t, n.sock, req("getSwitchPeers"))
		return sortedKeys(obj(t, env, "response", "switchpeers"))
	})
	wantSuccess(t, env)
	matchCapture(t, "getswitchpeers", env, ".response.switchpeers")
	ports := obj(t, env, "response", "switchpeers")
	if len(ports) == 0 || len(n.Core.Peers()) != 2 {
		t.Fatalf("getSwitchPeers has %v, core has %d links; want some ports of 2", sortedKeys(ports), len(n.Core.Peers()))
	}
	protos := map[string]bool{}
	for _, p := range n.Core.Peers() {
		protos[p.Proto] = true
		v, ok := ports[strconv.FormatUint(p.Port, 10)]
		if !ok {
			continue // out of the table at the time
		}
		e := v.(map[string]any)
		want := map[string]any{
			"box_pub_key": tn.b.Core.BoxPub().String(),
			"coords":      tn.b.Core.Self().Coords.String(),
			"endpoint":    "127.0.0.1",
			"ip":          tn.b.Core.Address().String(),
			"proto":       p.Proto,
		}
		for k, v := range want {
			if e[k] != v {
				t.Errorf("port %d: %s = %v, want %v", p.Port, k, e[k], v)
			}
		}
		if num(t, e, "port") != float64(p.Port) {
			t.Errorf("port %d: port field %v", p.Port, e["port"])
		}
	}
	if !protos["tcp"] || !protos["tls"] {
		t.Errorf("A's links to B have protos %v, want tcp and tls", protos)
	}
}

// stableSwitchPorts runs fetch, which returns the ports getSwitchPeers
// listed, until they are the ports in n's switch table both before and
// after the fetch. A link leaves the table while it is marked blocked (a
// stall, spec 01 §4.11), which a quiet link can be for seconds at a time,
// so one try may see the table change under it.
func stableSwitchPorts(t *testing.T, n *testNode, fetch func() []string) {
	t.Helper()
	inTable := func() []string {
		var ports []string
		for _, p := range n.Core.Peers() {
			if p.InTable {
				ports = append(ports, strconv.FormatUint(p.Port, 10))
			}
		}
		slices.Sort(ports)
		return ports
	}
	var before, got, after []string
	for range 50 {
		before = inTable()
		got = fetch()
		slices.Sort(got)
		after = inTable()
		if slices.Equal(before, after) && slices.Equal(got, before) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("getSwitchPeers lists ports %v; the switch table has %v before and %v after", got, before, after)
}

func TestAdminGetDHT(t *testing.T) {
	tn := sharedNet(t)
	env := call(t, tn.a.sock, req("getDHT"))
	wantSuccess(t, env)
	matchCapture(t, "getdht", env, ".response.dht")
	known := map[string]string{
		tn.b.Core.Address().String(): tn.b.Core.BoxPub().String(),
		tn.c.Core.Address().String(): tn.c.Core.BoxPub().String(),
	}
	entries := obj(t, env, "response", "dht")
	if len(entries) == 0 {
		t.Fatal("getDHT is empty")
	}
	for addr, v := range entries {
		e := v.(map[string]any)
		if known[addr] != e["box_pub_key"] {
			t.Errorf("DHT entry %s has key %v; want one of B or C with its own key", addr, e["box_pub_key"])
		}
		if c, _ := e["coords"].(string); !coordsText.MatchString(c) {
			t.Errorf("DHT entry %s: coords %q", addr, e["coords"])
		}
		if ls := num(t, e, "last_seen"); ls < 0 || ls > 120 {
			t.Errorf("DHT entry %s: last_seen %v", addr, ls)
		}
	}
}

func TestAdminGetSessions(t *testing.T) {
	tn := sharedNet(t)
	env := call(t, tn.a.sock, req("getSessions"))
	wantSuccess(t, env)
	matchCapture(t, "getsessions", env, ".response.sessions")
	e := obj(t, env, "response", "sessions", tn.c.Core.Address().String())
	var mtu uint64
	for _, s := range tn.a.Core.Sessions() {
		if s.BoxPub == tn.c.Core.BoxPub() {
			mtu = s.MTU
		}
	}
	if e["box_pub_key"] != tn.c.Core.BoxPub().String() || e["coords"] != tn.c.Core.Self().Coords.String() ||
		e["was_mtu_fixed"] != false || num(t, e, "mtu") != float64(mtu) || mtu == 0 {
		t.Errorf("session with C = %v; want C's key, coords %s, mtu %d, was_mtu_fixed false",
			e, tn.c.Core.Self().Coords, mtu)
	}
	if num(t, e, "bytes_sent") == 0 || num(t, e, "uptime") <= 0 {
		t.Errorf("session with C shows no traffic or no age: %v", e)
	}

	// A node with no sessions answers {}.
	lone := startNode(t, "lone", nil)
	env = call(t, lone.sock, req("getSessions"))
	if got := obj(t, env, "response", "sessions"); len(got) != 0 {
		t.Errorf("lone node's sessions = %v, want {}", got)
	}
	for _, r := range []string{"getDHT", "getSwitchPeers"} {
		env := call(t, lone.sock, req(r))
		for _, v := range obj(t, env, "response") {
			if m, ok := v.(map[string]any); !ok || len(m) != 0 {
				t.Errorf("lone node's %s = %v, want {}", r, env["response"])
			}
		}
	}
}

func TestAdminAllowedKeys(t *testing.T) {
	n := startNode(t, "keys", nil)
	key := "11e9e151a28604339671c4ac14a24c32c44cf5a9f52d0cff2cf7fcaf4e50b70f"
	list := func() []any {
		env := call(t, n.sock, req("getAllowedEncryptionPublicKeys"))
		matchCapture(t, "getallowedencryptionpublickeys", env)
		l, ok := obj(t, env, "response")["allowed_box_pubs"].([]any)
		if !ok {
			t.Fatalf("allowed_box_pubs is %v, want an array", env["response"])
		}
		return l
	}
	if l := list(); len(l) != 0 {
		t.Fatalf("default allowed keys %v, want []", l)
	}
	env := call(t, n.sock, req("addAllowedEncryptionPublicKey", "box_pub_key", key))
	matchCapture(t, "addallowedencryptionpublickey", env)
	if l := list(); len(l) != 1 || l[0] != key || !reflect.DeepEqual(n.Core.AllowedKeys(), []string{key}) {
		t.Fatalf("after add: %v (core %v)", l, n.Core.AllowedKeys())
	}
	env = call(t, n.sock, req("removeAllowedEncryptionPublicKey", "box_pub_key", key))
	matchCapture(t, "removeallowedencryptionpublickey", env)
	if l := list(); len(l) != 0 {
		t.Fatalf("after remove: %v", l)
	}
	// Verbatim, unchecked: v0.3.16 stores any string.
	env = call(t, n.sock, req("addAllowedEncryptionPublicKey", "box_pub_key", "not a key"))
	wantSuccess(t, env)
	// A number is a type error.
	wantGeneric(t, n.sock, `{"request":"addAllowedEncryptionPublicKey","box_pub_key":5}`)

	// A config that held null lists null.
	nul := startNode(t, "null-keys", func(cfg *config.NodeConfig) { cfg.AllowedEncryptionPublicKeys = nil })
	env = call(t, nul.sock, req("getAllowedEncryptionPublicKeys"))
	if v, ok := obj(t, env, "response")["allowed_box_pubs"]; !ok || v != nil {
		t.Errorf("allowed_box_pubs = %v, want null", env["response"])
	}
}

func TestAdminDHTPing(t *testing.T) {
	t.Parallel() // its 6 s timeouts overlap the other slow cases
	tn := sharedNet(t)
	a, c := tn.a, tn.c
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		key, coords := c.Core.BoxPub().String(), c.Core.Self().Coords.String()
		env := call(t, a.sock, req("dhtPing", "box_pub_key", key, "coords", coords))
		wantSuccess(t, env)
		matchCapture(t, "dhtping", env, ".response.nodes")
		if obj(t, env, "request")["target"] != "none" {
			t.Errorf("request echo %v lacks target none", env["request"])
		}
		checkNodes(t, tn, obj(t, env, "response", "nodes"))
		// An explicit NodeID target works too, and so does a coords
		// string without brackets.
		id := tn.b.Core.NodeID()
		env = call(t, a.sock, req("dhtPing", "box_pub_key", key, "coords", coords[1:len(coords)-1],
			"target", hex.EncodeToString(id[:])))
		wantSuccess(t, env)
		checkNodes(t, tn, obj(t, env, "response", "nodes"))
		// A null target is no target, as v0.3.16 tests for nil.
		env = call(t, a.sock, req("dhtPing", "box_pub_key", key, "coords", coords, "target", nil))
		wantSuccess(t, env)
		if obj(t, env, "request")["target"] != "none" {
			t.Errorf("null target: request echo %v lacks target none", env["request"])
		}
		checkNodes(t, tn, obj(t, env, "response", "nodes"))
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		nobody, _ := crypto.NewBoxKeys()
		start := time.Now()
		env := call(t, a.sock, req("dhtPing", "box_pub_key", nobody.String(), "coords", "[7 7]"))
		took := time.Since(start)
		matchCapture(t, "dhtping-timeout", env)
		wantError(t, env, "DHT ping timeout: "+nobody.String())
		if took < 5*time.Second || took > 9*time.Second {
			t.Errorf("timeout after %v, want about 6 s", took)
		}
	})
	t.Run("bad key", func(t *testing.T) {
		t.Parallel()
		env := call(t, a.sock, req("dhtPing", "box_pub_key", "zz", "coords", "[1]"))
		matchCapture(t, "dhtping-badhex", env)
		wantError(t, env, "encoding/hex: invalid byte: U+007A 'z'")
		env = call(t, a.sock, req("dhtPing", "box_pub_key", "abcd", "coords", "[1]"))
		wantError(t, env, "box_pub_key has 2 bytes, want 32")
		wantGeneric(t, a.sock, `{"request":"dhtPing","box_pub_key":"abcd","coords":1}`)
		wantGeneric(t, a.sock, `{"request":"dhtPing","box_pub_key":"abcd","coords":"[1]","target":7}`)
		wantMissing(t, a.sock, `{"request":"dhtPing","box_pub_key":"abcd"}`, "coords")
	})
}

// checkNodes checks a dhtPing answer: a non-empty set of the network's
// nodes, each under its own address, with its coords.
func checkNodes(t *testing.T, tn *testNet, nodes map[string]any) {
	t.Helper()
	if len(nodes) == 0 {
		t.Fatal("dhtPing found no nodes")
	}
	known := map[string]*testNode{}
	for _, n := range []*testNode{tn.a, tn.b, tn.c} {
		known[n.Core.Address().String()] = n
	}
	for addr, v := range nodes {
		e := v.(map[string]any)
		n := known[addr]
		if n == nil || e["box_pub_key"] != n.Core.BoxPub().String() || e["coords"] != n.Core.Self().Coords.String() {
			t.Errorf("dhtPing node %s = %v; not a node of the network with its key and coords", addr, e)
		}
	}
}

func TestAdminGetNodeInfo(t *testing.T) {
	t.Parallel() // its 6 s timeouts overlap the other slow cases
	tn := sharedNet(t)
	a, c := tn.a, tn.c
	t.Run("own", func(t *testing.T) {
		t.Parallel()
		env := call(t, a.sock, req("getNodeInfo"))
		wantSuccess(t, env)
		matchCapture(t, "getnodeinfo", env)
		want := decodeJSON(t, a.Core.OwnNodeInfo())
		if got := obj(t, env, "response", "nodeinfo"); !reflect.DeepEqual(got, want) || got["name"] != "node-a" {
			t.Errorf("own nodeinfo = %v, want %v", got, want)
		}
		// nocache as a string is accepted, null nocache and null coords
		// count as absent.
		wantSuccess(t, call(t, a.sock, req("getNodeInfo", "nocache", "true", "coords", nil)))
		wantSuccess(t, call(t, a.sock, req("getNodeInfo", "nocache", nil)))
	})
	t.Run("remote", func(t *testing.T) {
		t.Parallel()
		env := call(t, a.sock, req("getNodeInfo", "box_pub_key", c.Core.BoxPub().String(),
			"coords", c.Core.Self().Coords.String(), "nocache", "true"))
		wantSuccess(t, env)
		delete(obj(t, env, "request"), "nocache")
		matchCapture(t, "getnodeinfo-remote", env)
		want := decodeJSON(t, c.Core.OwnNodeInfo())
		if got := obj(t, env, "response", "nodeinfo"); !reflect.DeepEqual(got, want) || got["name"] != "node-c" {
			t.Errorf("C's nodeinfo via A = %v, want %v", got, want)
		}
	})
	t.Run("one argument", func(t *testing.T) {
		t.Parallel()
		env := call(t, a.sock, req("getNodeInfo", "box_pub_key", c.Core.BoxPub().String()))
		matchCapture(t, "getnodeinfo-one", env)
		wantError(t, env, "Expecting both box_pub_key and coords")
		wantError(t, call(t, a.sock, req("getNodeInfo", "coords", "[1]")), "Expecting both box_pub_key and coords")
		wantError(t, call(t, a.sock, req("getNodeInfo", "box_pub_key", "xy", "coords", "[1]")),
			"encoding/hex: invalid byte: U+0078 'x'")
	})
	t.Run("nocache boolean", func(t *testing.T) {
		t.Parallel()
		// What yggdrasilctl sends for nocache=true: the generic error.
		wantGeneric(t, a.sock, `{"request":"getNodeInfo","nocache":true}`)
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		nobody, _ := crypto.NewBoxKeys()
		start := time.Now()
		env := call(t, a.sock, req("getNodeInfo", "box_pub_key", nobody.String(), "coords", "[7 7]"))
		wantError(t, env, "getNodeInfo timeout: "+nobody.String())
		if r, ok := env["response"].(map[string]any); !ok || len(r) != 0 {
			t.Errorf("timeout response = %v, want {}", env["response"])
		}
		if took := time.Since(start); took < 5*time.Second || took > 9*time.Second {
			t.Errorf("timeout after %v, want about 6 s", took)
		}
	})
}

func TestParseCoords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"[]", "[]"},
		{"", "[]"},
		{"[1]", "[1]"},
		{"1", "[1]"},
		{"[1 2 3]", "[1 2 3]"},
		{"[0x10 2]", "[16 2]"},
		{"[1  2]", "[1 2]"},  // the empty token between two spaces is skipped
		{"[1 x 2]", "[1 2]"}, // so is anything that does not parse
		{"[1,2]", "[]"},      // only single spaces separate
		{"[[3]]", "[3]"},     // all brackets at both ends go
		{"[-1 18446744073709551616 5]", "[5]"},
	} {
		if got := parseCoords(tc.in).String(); got != tc.want {
			t.Errorf("parseCoords(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func addressOfKey(t *testing.T, v any) (string, crypto.BoxPubKey) {
	t.Helper()
	s, _ := v.(string)
	k, err := crypto.ParseBoxPubKey(s)
	if err != nil {
		t.Fatalf("box_pub_key %v: %v", v, err)
	}
	return address.ForKey(&k).String(), k
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	return decodeOne(t, b, "JSON")
}

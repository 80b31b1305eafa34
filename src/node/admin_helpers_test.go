package node

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/logging"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopSharedNet()
	os.Exit(code)
}

// testNode is a node started with node.Start, its admin socket on a unix
// socket in a directory of its own.
type testNode struct {
	*Node
	name string
	sock string
	dir  string
	cfg  *config.NodeConfig
	keys config.Keys
	recv *countingHandler
	once sync.Once
}

// nodeConfig is a config for a node on loopback: a TCP listener on a free
// port, no TUN, no multicast, the admin socket in dir.
func nodeConfig(dir string) *config.NodeConfig {
	cfg := config.Generate()
	cfg.Listen = []string{"tcp://127.0.0.1:0"}
	cfg.IfName = "none"
	cfg.MulticastInterfaces = nil
	cfg.AdminListen = "unix://" + filepath.Join(dir, "admin.sock")
	return cfg
}

// newNode starts a node from nodeConfig as changed by edit. The caller
// stops it (stop). Its private keys are registered with noteSecrets.
func newNode(name string, edit func(*config.NodeConfig)) (*testNode, error) {
	// t.TempDir paths can be too long for a unix socket address.
	dir, err := os.MkdirTemp("", "ygg-node-")
	if err != nil {
		return nil, err
	}
	cfg := nodeConfig(dir)
	if edit != nil {
		edit(cfg)
	}
	keys, err := cfg.Keys()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	noteSecrets(keys)
	n, err := Start(cfg, keys, logging.Discard())
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	tn := &testNode{Node: n, name: name, sock: filepath.Join(dir, "admin.sock"), dir: dir, cfg: cfg, keys: keys,
		recv: &countingHandler{}}
	n.Core.SetSessionHandler(tn.recv)
	return tn, nil
}

// startNode is newNode for one test: the node stops when the test ends.
func startNode(t *testing.T, name string, edit func(*config.NodeConfig)) *testNode {
	t.Helper()
	n, err := newNode(name, edit)
	if err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Cleanup(n.stop)
	return n
}

// stop stops the node once, however often it is called.
func (n *testNode) stop() {
	n.once.Do(func() {
		n.Stop()
		os.RemoveAll(n.dir)
	})
}

// listenURI is the URI of the node's listener whose configured URI starts
// with scheme, with the port it got.
func (n *testNode) listenURI(t *testing.T, scheme string) string {
	t.Helper()
	for uri, addr := range n.Core.ListenerAddrs() {
		if strings.HasPrefix(uri, scheme+"://") {
			return scheme + "://" + addr.String()
		}
	}
	t.Fatalf("%s has no %s listener", n.name, scheme)
	return ""
}

// countingHandler accepts every session and counts what arrives.
type countingHandler struct{ bytes atomic.Uint64 }

func (h *countingHandler) NewSession(core.Session)             {}
func (h *countingHandler) Receive(_ core.Session, msg []byte)  { h.bytes.Add(uint64(len(msg))) }
func (h *countingHandler) TooBig(core.Session, []byte, uint64) {}
func (h *countingHandler) received() uint64                    { return h.bytes.Load() }

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	if err := poll(d, what, cond); err != nil {
		t.Fatal(err)
	}
}

// secrets are the private keys of every node the tests started, as hex.
var secrets struct {
	sync.Mutex
	list []string
}

func noteSecrets(k config.Keys) {
	secrets.Lock()
	defer secrets.Unlock()
	secrets.list = append(secrets.list, hex.EncodeToString(k.BoxPriv[:]), hex.EncodeToString(k.SigPriv[:32]))
}

// leaksSecret reports whether b holds a private key of any test node.
func leaksSecret(b []byte) bool {
	secrets.Lock()
	defer secrets.Unlock()
	lower := bytes.ToLower(b)
	for _, s := range secrets.list {
		if bytes.Contains(lower, []byte(s)) {
			return true
		}
	}
	return false
}

// exchange sends req (a JSON text) on a fresh connection to sock and
// returns everything the server wrote until it closed the connection.
func exchange(t *testing.T, sock, req string) []byte {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("dial %s: %v", sock, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatalf("sending %s: %v", req, err)
	}
	out, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading the answer to %s: %v", req, err)
	}
	if leaksSecret(out) {
		t.Fatalf("the answer to %s contains a private key", req)
	}
	return out
}

// call sends one request object and decodes the one response, numbers as
// json.Number so integers and floats stay apart.
func call(t *testing.T, sock string, req map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return decodeOne(t, exchange(t, sock, string(b)), string(b))
}

func decodeOne(t *testing.T, raw []byte, what string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var env map[string]any
	if err := dec.Decode(&env); err != nil {
		t.Fatalf("answer to %s is not one JSON object: %v\n%s", what, err, raw)
	}
	if dec.More() {
		t.Fatalf("answer to %s has more than one object:\n%s", what, raw)
	}
	return env
}

// req builds a request object: name then key, value pairs.
func req(name string, kv ...any) map[string]any {
	m := map[string]any{"request": name}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// loadCapture reads testdata/admin/<name>.json the way call decodes.
func loadCapture(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "admin", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return decodeOne(t, raw, name)
}

// matchCapture checks that got has the structure of the capture name: the
// same keys at every level, the same JSON types, and integers where the
// capture has integers. Objects at the paths in dyn are keyed by data
// (addresses, ports); each of their entries must match the capture's
// first entry instead.
func matchCapture(t *testing.T, name string, got map[string]any, dyn ...string) {
	t.Helper()
	want := loadCapture(t, name)
	d := make(map[string]bool)
	for _, p := range dyn {
		d[p] = true
	}
	var problems []string
	matchShape("", want, got, d, &problems)
	if len(problems) > 0 {
		b, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("%s: structure differs from the capture:\n  %s\ngot:\n%s", name, strings.Join(problems, "\n  "), b)
	}
}

func matchShape(path string, want, got any, dyn map[string]bool, problems *[]string) {
	bad := func(format string, args ...any) {
		*problems = append(*problems, fmt.Sprintf("%s: ", pathName(path))+fmt.Sprintf(format, args...))
	}
	if jsonType(want) != jsonType(got) {
		bad("is %s, want %s", jsonType(got), jsonType(want))
		return
	}
	switch w := want.(type) {
	case json.Number:
		if isIntegerText(w) && !isIntegerText(got.(json.Number)) {
			bad("is %s, want an integer", got)
		}
	case []any:
		g := got.([]any)
		if len(w) == 0 {
			return
		}
		for i := range g {
			matchShape(fmt.Sprintf("%s[%d]", path, i), w[0], g[i], dyn, problems)
		}
	case map[string]any:
		g := got.(map[string]any)
		if dyn[path] {
			first := sortedKeys(w)
			if len(first) == 0 {
				bad("capture has no entry to compare with")
				return
			}
			for _, k := range sortedKeys(g) {
				matchShape(path+"."+k, w[first[0]], g[k], dyn, problems)
			}
			return
		}
		if wk, gk := sortedKeys(w), sortedKeys(g); !slices.Equal(wk, gk) {
			bad("has keys %q, want %q", gk, wk)
			return
		}
		for k := range w {
			matchShape(path+"."+k, w[k], g[k], dyn, problems)
		}
	}
}

func pathName(p string) string {
	if p == "" {
		return "(top)"
	}
	return strings.TrimPrefix(p, ".")
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

func isIntegerText(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// obj walks env along keys, failing the test if a step is not an object.
func obj(t *testing.T, env map[string]any, keys ...string) map[string]any {
	t.Helper()
	cur := env
	for _, k := range keys {
		next, ok := cur[k].(map[string]any)
		if !ok {
			t.Fatalf("%q is %s, not an object, in %v", k, jsonType(cur[k]), env)
		}
		cur = next
	}
	return cur
}

// wantSuccess fails unless env is a success envelope.
func wantSuccess(t *testing.T, env map[string]any) {
	t.Helper()
	if env["status"] != "success" {
		t.Fatalf("status %v, error %v, want success", env["status"], env["error"])
	}
}

// wantError fails unless env is an error envelope with text msg.
func wantError(t *testing.T, env map[string]any, msg string) {
	t.Helper()
	if env["status"] != "error" || env["error"] != msg {
		t.Fatalf("got status %v error %q, want error %q", env["status"], env["error"], msg)
	}
}

// num reads a json.Number field as float64.
func num(t *testing.T, m map[string]any, key string) float64 {
	t.Helper()
	n, ok := m[key].(json.Number)
	if !ok {
		t.Fatalf("%q is %s, not a number", key, jsonType(m[key]))
	}
	f, err := n.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// wantGeneric sends raw and expects exactly the generic type error, then
// the connection closed.
func wantGeneric(t *testing.T, sock, raw string) {
	t.Helper()
	out := exchange(t, sock, raw)
	env := decodeOne(t, out, raw)
	matchCapture(t, "error-generic", env)
	wantError(t, env, "Check your syntax and input types")
}

// wantMissing sends raw and expects the missing-argument error for arg.
func wantMissing(t *testing.T, sock, raw, arg string) {
	t.Helper()
	env := decodeOne(t, exchange(t, sock, raw), raw)
	matchCapture(t, "error-missing", env)
	wantError(t, env, "Expected field missing: "+arg)
	if env["expecting"] != arg {
		t.Errorf("expecting = %v, want %s", env["expecting"], arg)
	}
}

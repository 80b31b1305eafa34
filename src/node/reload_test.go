package node

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/logging/logbuf"
)

// startLogged starts a node from nodeConfig whose log the test reads.
func startLogged(t *testing.T) (*Node, *config.NodeConfig, *logbuf.Buffer) {
	t.Helper()
	dir, err := os.MkdirTemp("", "ygg-reload-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg := nodeConfig(dir)
	keys, err := cfg.Keys()
	if err != nil {
		t.Fatal(err)
	}
	noteSecrets(keys)
	logs := &logbuf.Buffer{}
	n, err := Start(cfg, keys, logging.New(logs, logging.LevelInfo))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	logs.Take()
	return n, cfg, logs
}

func listenerURIs(n *Node) []string {
	var uris []string
	for uri := range n.Core.ListenerAddrs() {
		uris = append(uris, uri)
	}
	slices.Sort(uris)
	return uris
}

// Reload applies what can change at run time, reports what needs a
// restart, keeps the old NodeInfo when the new one is too long, and refuses
// a file with other keys entirely.
func TestReload(t *testing.T) {
	n, cfg, logs := startLogged(t)
	key := strings.Repeat("ab", 32)

	next := *cfg
	next.Listen = []string{"tls://127.0.0.1:0"}
	next.AllowedEncryptionPublicKeys = []string{key}
	next.NodeInfo = map[string]any{"name": "reloaded"}
	next.IfMTU = cfg.IfMTU - 1
	next.AdminListen = "none"
	n.Reload(&next)
	log := logs.Take()
	if got := listenerURIs(n); !slices.Equal(got, next.Listen) {
		t.Errorf("listeners after reload %v, want %v", got, next.Listen)
	}
	if got := n.Core.AllowedKeys(); !slices.Equal(got, []string{key}) {
		t.Errorf("allowed keys after reload %v, want [%s]", got, key)
	}
	if got := string(n.Core.OwnNodeInfo()); !strings.Contains(got, `"name":"reloaded"`) {
		t.Errorf("NodeInfo after reload %s", got)
	}
	for _, want := range []string{
		"Reloading NodeInfo...", "NodeInfo updated", "Configuration reloaded",
		"AdminListen changed in the configuration; the change takes effect on restart",
		"IfMTU changed in the configuration; the change takes effect on restart",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("reload log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "IfName changed") {
		t.Errorf("reload log reports an unchanged IfName:\n%s", log)
	}

	// A NodeInfo over the limit is refused and the previous one kept.
	long := next
	long.NodeInfo = map[string]any{"x": strings.Repeat("a", 20000)}
	before := n.Core.OwnNodeInfo()
	n.Reload(&long)
	log = logs.Take()
	if !bytes.Equal(n.Core.OwnNodeInfo(), before) {
		t.Errorf("an oversized NodeInfo replaced the running one")
	}
	if !strings.Contains(log, "Error reloading NodeInfo: NodeInfo exceeds max length of 16384 bytes") {
		t.Errorf("reload log lacks the NodeInfo error:\n%s", log)
	}

	// Other keys: nothing at all is applied.
	other := config.Generate()
	other.Listen = []string{"tcp://127.0.0.1:0"}
	other.AllowedEncryptionPublicKeys = nil
	n.Reload(other)
	log = logs.Take()
	if !strings.Contains(log, "Reload refused: the keys in the file differ") || strings.Contains(log, "Configuration reloaded") {
		t.Errorf("reload with other keys logged:\n%s", log)
	}
	if got := listenerURIs(n); !slices.Equal(got, next.Listen) {
		t.Errorf("refused reload changed the listeners to %v", got)
	}
	if got := n.Core.AllowedKeys(); !slices.Equal(got, []string{key}) {
		t.Errorf("refused reload changed the allowed keys to %v", got)
	}
	// The refusal compares against the keys the node runs with, not
	// against the last file applied.
	next.AllowedEncryptionPublicKeys = nil
	n.Reload(&next)
	log = logs.Take()
	if !strings.Contains(log, "Configuration reloaded") || n.Core.AllowedKeys() != nil {
		t.Errorf("reload after a refused one: allowed keys %v, log:\n%s", n.Core.AllowedKeys(), log)
	}
	// The admin socket still runs where it started, so a file that still
	// says otherwise still gets the warning.
	if !strings.Contains(log, "AdminListen changed in the configuration") {
		t.Errorf("second reload with a changed AdminListen did not warn:\n%s", log)
	}
}

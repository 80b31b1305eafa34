package node

import (
	"encoding/hex"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/logging"
)

// The node arms NeverSend with its private keys: a NodeInfo that quotes
// one is withheld, in any letter case.
func TestAdminNeverSendsPrivateKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		leak func(k config.Keys) string
	}{
		{"box key", func(k config.Keys) string { return hex.EncodeToString(k.BoxPriv[:]) }},
		{"box key upper case", func(k config.Keys) string { return strings.ToUpper(hex.EncodeToString(k.BoxPriv[:])) }},
		{"signing key", func(k config.Keys) string { return hex.EncodeToString(k.SigPriv[:]) }},
		{"signing seed", func(k config.Keys) string { return hex.EncodeToString(k.SigPriv[:32]) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := startNode(t, "leaky", func(cfg *config.NodeConfig) {
				keys, err := cfg.Keys()
				if err != nil {
					t.Fatal(err)
				}
				cfg.NodeInfo = map[string]any{"oops": "x" + tc.leak(keys) + "x"}
			})
			if !strings.Contains(string(n.Core.OwnNodeInfo()), tc.leak(n.keys)) {
				t.Fatal("the test NodeInfo does not hold the key")
			}
			wantGeneric(t, n.sock, `{"request":"getNodeInfo"}`)
			wantSuccess(t, call(t, n.sock, req("getSelf")))
		})
	}
}

func TestAdminListenNone(t *testing.T) {
	for _, listen := range []string{"none", ""} {
		n := startNode(t, "quiet", func(cfg *config.NodeConfig) { cfg.AdminListen = listen })
		if _, err := os.Stat(n.sock); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("AdminListen %q: socket file exists (%v)", listen, err)
		}
	}
}

// A socket another node answers on makes Start fail (the binary exits 1);
// the first node keeps serving. Stop removes the socket file.
func TestAdminSocketInUse(t *testing.T) {
	first := startNode(t, "first", nil)
	cfg := nodeConfig(first.dir)
	keys, err := cfg.Keys()
	if err != nil {
		t.Fatal(err)
	}
	if n, err := Start(cfg, keys, logging.Discard()); err == nil {
		n.Stop()
		t.Fatal("second node started on a socket in use")
	} else if !strings.Contains(err.Error(), "already exists and is in use") {
		t.Errorf("error %q", err)
	}
	wantSuccess(t, call(t, first.sock, req("getSelf")))

	cfg.AdminListen = "unix://" + filepath.Join(first.dir, "no", "such", "dir.sock")
	if n, err := Start(cfg, keys, logging.Discard()); err == nil {
		n.Stop()
		t.Fatal("node started although its admin socket cannot listen")
	} else if !strings.Contains(err.Error(), "Admin socket failed to listen") {
		t.Errorf("error %q", err)
	}

	first.stop()
	if _, err := os.Stat(first.sock); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket file left after Stop (%v)", err)
	}
}

// A stale socket file (nobody answers on it) is replaced,
// and the socket is made group-writable only (spec 03 §5.1).
func TestAdminStaleSocketFile(t *testing.T) {
	var sock string
	n := startNode(t, "stale", func(cfg *config.NodeConfig) {
		sock = strings.TrimPrefix(cfg.AdminListen, "unix://")
		// A socket file left by a process that died: nobody listens.
		l, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		l.(*net.UnixListener).SetUnlinkOnClose(false)
		l.Close()
		if _, err := os.Stat(sock); err != nil {
			t.Fatalf("no stale socket file: %v", err)
		}
	})
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o660 {
		t.Errorf("socket mode %v, want a socket with 0660", fi.Mode())
	}
	wantSuccess(t, call(t, n.sock, req("getSelf")))
}

package node

import (
	"encoding/json"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/logging"
)

// Stopping a node while an admin client waits on a remote query (a dhtPing
// to a node that does not exist waits 6 s) ends the query at once, so the
// stop is quick: systemd allows 5 s.
func TestStopDuringRemoteQuery(t *testing.T) {
	cfg := config.Generate()
	cfg.MulticastInterfaces = nil
	cfg.IfName = "none"
	sock := filepath.Join(t.TempDir(), "admin.sock")
	cfg.AdminListen = "unix://" + sock
	keys, err := cfg.Keys()
	if err != nil {
		t.Fatal(err)
	}
	n, err := Start(cfg, keys, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		n.Stop()
		t.Fatal(err)
	}
	defer conn.Close()
	nobody := core.NewIdentity().BoxPub.String()
	req, _ := json.Marshal(map[string]any{"request": "dhtPing", "box_pub_key": nobody, "coords": "[1]"})
	if _, err := conn.Write(append(req, '\n')); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the handler is now waiting
	start := time.Now()
	n.Stop()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Stop took %v while a dhtPing was waiting", d)
	}
}

package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/node"
)

// runNode starts the node from a loaded config and its validated keys and
// runs it until SIGINT or SIGTERM, returning the exit code. confPath is the
// -useconffile path, used for SIGHUP reloads ("" when there is none).
//
// SIGINT only terminates: v0.3.16 sometimes reloads first on SIGINT, which
// nobody can depend on.
func runNode(cfg *config.NodeConfig, keys config.Keys, log *logging.Logger, confPath string) int {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)
	n, err := node.Start(cfg, keys, log)
	if err != nil {
		log.Errorf("%v", err)
		fmt.Fprintf(os.Stderr, "yggdrasil: %v\n", err)
		return 1
	}
	for sig := range signals {
		if sig != syscall.SIGHUP {
			break
		}
		if confPath == "" {
			log.Errorf("Reloading config at runtime is only possible with -useconffile")
			continue
		}
		log.Infof("Reloading configuration from %s", confPath)
		if cfg, err := readConfig(&options{useconffile: confPath}, nil); err != nil {
			// v0.3.16 crashes on a bad file here; we keep running as we were.
			log.Errorf("Reload failed, keeping the running configuration: %v", err)
		} else {
			n.Reload(cfg)
		}
	}
	n.Stop()
	return 0
}

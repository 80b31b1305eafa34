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
		log.Errorf("Reloading configuration from %s is not implemented yet", confPath)
	}
	n.Stop()
	return 0
}

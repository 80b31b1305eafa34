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
//
// Terminating and reloading signals arrive on separate channels. The signal
// package drops a signal when its channel is full, so with one channel a
// SIGHUP queued behind a reload in progress made a SIGTERM vanish and the
// node ran on. A dropped second SIGHUP is harmless: one reload still follows.
func runNode(cfg *config.NodeConfig, keys config.Keys, log *logging.Logger, confPath string) int {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(term)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	stopDebug, err := startDebugListener(os.Getenv(debugListenEnv), log)
	if err != nil {
		return startFailed(log, err)
	}
	defer stopDebug()
	n, err := node.Start(cfg, keys, log)
	if err != nil {
		return startFailed(log, err)
	}
	for waitSignal(term, hup) {
		reload(n, log, confPath)
	}
	n.Stop()
	return 0
}

// startFailed reports a problem that keeps the node from starting, in the
// log and as one line on stderr, and returns the exit code.
func startFailed(log *logging.Logger, err error) int {
	log.Errorf("%v", err)
	fmt.Fprintf(os.Stderr, "yggdrasil: %v\n", err)
	return 1
}

// waitSignal waits for a signal and reports whether it asks for a reload
// (true) or for termination (false). Termination wins when both wait.
func waitSignal(term, hup <-chan os.Signal) bool {
	select {
	case <-term:
		return false
	default:
	}
	select {
	case <-term:
		return false
	case <-hup:
		return true
	}
}

// reload re-reads the config file and applies it to the running node.
func reload(n *node.Node, log *logging.Logger, confPath string) {
	if confPath == "" {
		log.Errorf("Reloading config at runtime is only possible with -useconffile")
		return
	}
	log.Infof("Reloading configuration from %s", confPath)
	cfg, err := readConfig(&options{useconffile: confPath}, nil)
	if err != nil {
		// v0.3.16 crashes on a bad file here; we keep running as we were.
		log.Errorf("Reload failed, keeping the running configuration: %v", err)
		return
	}
	n.Reload(cfg)
}

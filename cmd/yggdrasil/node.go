package main

import (
	"fmt"
	"os"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/logging"
)

// runNode starts the node from a loaded config and its validated keys and
// runs it until it is told to stop, returning the exit code. confPath is the
// -useconffile path, used for SIGHUP reloads ("" when there is none).
func runNode(cfg *config.NodeConfig, keys config.Keys, log *logging.Logger, confPath string) int {
	fmt.Fprintln(os.Stderr, "yggdrasil: the node itself is not implemented yet")
	return 1
}

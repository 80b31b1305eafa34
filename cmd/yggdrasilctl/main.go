// Command yggdrasilctl queries and controls a running Yggdrasil node through
// its admin socket. The logic lives in package ctl so it can be tested.
package main

import (
	"os"

	"github.com/yggmesh/ygg/src/ctl"
)

func main() {
	os.Exit(ctl.Main(os.Args, os.Stdout, os.Stderr))
}

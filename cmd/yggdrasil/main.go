// Command yggdrasil runs a mesh node, or prints a config, the node's address
// or the build version, with the flags and behaviour of Yggdrasil v0.3.16
// (spec 03 §1). Configuration problems print one line and exit 1 instead of
// the reference's panic.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/version"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program apart from the process around it, so tests can
// drive it directly. It returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, o := newFlagSet(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2 // the flag package has printed the problem and the usage
	}

	// Mode selection in the order of spec 03 §1.2; the first match wins.
	if o.version {
		fmt.Fprintf(stdout, "Build name: %s\nBuild version: %s\n", version.Name(), version.Version())
		return 0
	}
	var cfg *config.NodeConfig
	switch {
	case o.autoconf:
		cfg = autoconf()
	case o.useconffile != "" || o.useconf:
		c, err := readConfig(o, stdin)
		if err != nil {
			return fail(stderr, err)
		}
		if o.normaliseconf {
			return printConfig(stdout, stderr, c, o.json)
		}
		cfg = c
	case o.genconf:
		return printConfig(stdout, stderr, config.Generate(), o.json)
	default:
		fs.PrintDefaults()
		return 0
	}

	keys, err := cfg.Keys()
	if err != nil {
		return fail(stderr, err)
	}
	// Keys() has checked that EncryptionPublicKey is the one derived from the
	// private key, so printing from the configured key, as the reference
	// does, gives the address the node will really have.
	switch {
	case o.address:
		fmt.Fprintln(stdout, address.ForKey(&keys.BoxPub))
		return 0
	case o.subnet:
		fmt.Fprintln(stdout, address.SubnetForKey(&keys.BoxPub))
		return 0
	}

	log, closeLog := openLogger(o.logto, o.loglevel, stdout)
	defer closeLog()
	return startNode(cfg, keys, log, o.useconffile)
}

// startNode is runNode; tests replace it to see what the node would be
// started with.
var startNode = runNode

// autoconf is the -autoconf config: a generated one, so fresh keys every
// start and the platform defaults (TUN auto, multicast discovery, default
// admin socket), with no peers and no listeners.
func autoconf() *config.NodeConfig {
	return config.Generate()
}

// readConfig reads the file given with -useconffile, or else stdin.
func readConfig(o *options, stdin io.Reader) (*config.NodeConfig, error) {
	var data []byte
	var err error
	if o.useconffile != "" {
		data, err = os.ReadFile(o.useconffile)
	} else {
		data, err = io.ReadAll(stdin)
	}
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return config.Parse(data)
}

func printConfig(stdout, stderr io.Writer, cfg *config.NodeConfig, asJSON bool) int {
	var out []byte
	var err error
	if asJSON {
		out, err = cfg.MarshalIndentJSON()
	} else {
		out, err = cfg.MarshalHJSON()
	}
	if err != nil {
		return fail(stderr, err)
	}
	if _, err := stdout.Write(out); err != nil {
		return fail(stderr, err)
	}
	return 0
}

// fail reports a problem as the single line "yggdrasil: <error>".
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "yggdrasil: %v\n", err)
	return 1
}

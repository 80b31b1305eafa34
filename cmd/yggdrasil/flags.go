package main

import (
	"flag"
	"io"
)

// options are the command-line flags of spec 03 §1.1.
type options struct {
	genconf, useconf, normaliseconf, json, autoconf, version, address, subnet bool
	useconffile, logto, loglevel                                              string
}

// newFlagSet defines the flags. Errors and usage go to stderr; the flag
// package sorts them by name when printing.
func newFlagSet(stderr io.Writer) (*flag.FlagSet, *options) {
	fs := flag.NewFlagSet("yggdrasil", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.BoolVar(&o.genconf, "genconf", false, "print a newly generated config (fresh keys) to stdout")
	fs.BoolVar(&o.useconf, "useconf", false, "read the HJSON or JSON config from stdin")
	fs.StringVar(&o.useconffile, "useconffile", "", "read the HJSON or JSON config from this file")
	fs.BoolVar(&o.normaliseconf, "normaliseconf", false, "with -useconf or -useconffile, print the config with defaults filled in and old keys updated")
	fs.BoolVar(&o.json, "json", false, "print -genconf and -normaliseconf output as JSON rather than HJSON")
	fs.BoolVar(&o.autoconf, "autoconf", false, "run with a generated config: random keys, multicast peering, no listeners")
	fs.BoolVar(&o.version, "version", false, "print the build name and version")
	fs.StringVar(&o.logto, "logto", "stdout", `where to log: "stdout", "syslog" or a file path`)
	fs.StringVar(&o.loglevel, "loglevel", "info", "most detailed level to log: error, warn, info, debug or trace")
	fs.BoolVar(&o.address, "address", false, "print the IPv6 address of the node the config describes")
	fs.BoolVar(&o.subnet, "subnet", false, "print the IPv6 /64 subnet of the node the config describes")
	return fs, o
}

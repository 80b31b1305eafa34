package main

import (
	"io"

	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/version"
)

// openLogger builds the node's logger from -logto and -loglevel. Neither
// can stop the node: a destination that cannot be opened falls back to
// stdout and an unknown level to info, each with a warning that is always
// shown (unlike the reference, whose warning is lost).
func openLogger(logto, level string, stdout io.Writer) (*logging.Logger, func()) {
	out, err := logging.OpenOutput(logto, version.Name(), stdout)
	fallback := err != nil
	if fallback {
		out, _ = logging.OpenOutput("stdout", "", stdout)
	}
	lv, ok := logging.ParseLevel(level)
	log := logging.New(out, lv)
	if fallback {
		log.Printf("Warning: cannot log to %s (%v), logging to stdout instead", logto, err)
	}
	if !ok {
		log.Printf("Warning: unknown log level %q, using %s", level, lv)
	}
	return log, func() { _ = out.Close() }
}

// Command genkeys searches for key pairs with ever higher IDs and prints each
// new best as it finds it (spec 03 §7). A higher NodeID has more leading one
// bits and so a shorter, "better" IPv6 address; a higher TreeID (-sig) makes
// a node more likely to become the spanning-tree root.
//
// Like the v0.3.16 tool it runs until killed; -time and -count stop it
// earlier. Keys go to stdout only; usage and errors go to stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line settings.
type options struct {
	sig   bool          // search signing keys (TreeID) instead of encryption keys (NodeID)
	count uint          // stop after printing this many keys; 0 means no limit
	limit time.Duration // stop after this long; 0 means no limit
}

// parseFlags reads the command line. ok is false when run should return code
// at once, after -h or a usage error.
func parseFlags(args []string, stderr io.Writer) (o options, code int, ok bool) {
	fs := flag.NewFlagSet("genkeys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.sig, "sig", false, "generate new signing keys instead")
	fs.UintVar(&o.count, "count", 0, "stop after printing this many keys (0: no limit)")
	fs.DurationVar(&o.limit, "time", 0, "stop after this long, e.g. 30s or 10m (0: no limit)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, 0, false
		}
		return o, 2, false
	}
	switch {
	case o.limit < 0:
		fmt.Fprintf(stderr, "genkeys: -time must not be negative, got %v\n", o.limit)
		return o, 2, false
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "genkeys: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return o, 2, false
	}
	return o, 0, true
}

// run is the whole program apart from the process around it, so tests can
// drive it. It returns the exit code; it also stops, with code 0, when ctx
// is cancelled.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseFlags(args, stderr)
	if !ok {
		return code
	}
	if o.limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.limit)
		defer cancel()
	}
	gen := newBoxPair
	if o.sig {
		gen = newSigPair
	}
	printBlock := func(p keyPair) error {
		_, err := io.WriteString(stdout, p.block())
		return err
	}
	if err := search(ctx, runtime.GOMAXPROCS(0), gen, o.count, printBlock); err != nil {
		fmt.Fprintf(stderr, "genkeys: %v\n", err)
		return 1
	}
	return 0
}

// Package ctl is yggdrasilctl: it sends one request to a node's admin socket
// and prints the answer the way v0.3.16's yggdrasilctl does (spec 03 §6), so
// scripts that parse its output keep working against our node and against a
// v0.3.16 node alike. Only the exit statuses differ, on purpose (see exitOK).
package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// Exit statuses. These differ from v0.3.16 on purpose, as issue 5 asks: the
// reference exits 0 after every fatal error (connection refused, bad
// endpoint, bad config file, undecodable response) because its recovery path
// cannot set a status, so a script could not tell "no node" from success.
// Here anything that went wrong exits 1.
const (
	exitOK      = 0 // success, usage text, -version
	exitFailure = 1 // connecting, config file, response or node reported failure
	exitBadFlag = 2 // unknown or malformed option, as the flag package does
)

// responseTimeout bounds the whole exchange (connect, send, answer). It is
// generous because dhtPing and getNodeInfo wait up to about 7 s on the node.
var responseTimeout = 30 * time.Second

// Main runs yggdrasilctl with the process arguments (args[0] is the program
// name as invoked, used in the usage text) and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	argv0 := "yggdrasilctl"
	if len(args) > 0 {
		argv0, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet(argv0, flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", DefaultEndpoint, "Admin socket endpoint")
	jsonOut := fs.Bool("json", false, "Output in JSON format (as opposed to pretty-print)")
	verbose := fs.Bool("v", false, "Verbose output (includes public keys)")
	version := fs.Bool("version", false, "Prints the version of this build")
	fs.Usage = func() { printUsage(fs, argv0, stdout, stderr) }
	// Parsing stops at the first non-option, so options after the command
	// are sent to the node as arguments, as in v0.3.16.
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitBadFlag
	}
	if *version {
		fmt.Fprintln(stdout, "Build name:", buildName())
		fmt.Fprintln(stdout, "Build version:", buildVersion())
		fmt.Fprintln(stdout, "To get the version number of the running Yggdrasil node, run", argv0, "getSelf")
		return exitOK
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitOK
	}

	var diag diagLog
	recv, err := exchange(*endpoint, fs.Args(), &diag)
	if err != nil {
		return fatal(stdout, &diag, err)
	}
	status, err := printResponse(stdout, recv, outputOptions{json: *jsonOut, verbose: *verbose})
	if err != nil {
		return fatal(stdout, &diag, err)
	}
	return status
}

// exchange finds the endpoint, sends the request built from cmd and reads
// exactly one JSON object back.
func exchange(endpoint string, cmd []string, diag *diagLog) (map[string]any, error) {
	endpoint, err := chooseEndpoint(endpoint, diag)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), responseTimeout)
	defer cancel()
	conn, err := dialEndpoint(ctx, endpoint, diag)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	diag.printf("Connected")
	if deadline, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(deadline); err != nil {
			return nil, err
		}
	}

	data, err := encodeRequest(buildRequest(cmd, diag))
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write(data); err != nil {
		return nil, fmt.Errorf("sending request: %w", err)
	}
	diag.printf("Request sent")

	var recv map[string]any
	if err := json.NewDecoder(conn).Decode(&recv); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("reading response: connection closed without a response")
		}
		return nil, fmt.Errorf("reading response: %w", err)
	}
	diag.printf("Response received")
	return recv, nil
}

// fatal prints the diagnostics gathered so far and the error to stdout
// (where v0.3.16 prints them, so existing wrappers see them) and gives the
// failure status.
func fatal(stdout io.Writer, diag *diagLog, err error) int {
	diag.printf("Fatal error: %v", err)
	io.WriteString(stdout, diag.String())
	return exitFailure
}

// printUsage writes the usage text split over stdout and stderr exactly as
// v0.3.16 does (spec 03 §6.1); wrappers that capture one stream see the same
// part as before.
func printUsage(fs *flag.FlagSet, argv0 string, stdout, stderr io.Writer) {
	fmt.Fprintf(stderr, "Usage: %s [options] command [key=value] [key=value] ...\n\n", argv0)
	fmt.Fprintln(stdout, "Options:")
	fs.PrintDefaults()
	fmt.Fprint(stdout, "\nPlease note that options must always specified BEFORE the command\n"+
		"on the command line or they will be ignored.\n\n"+
		"Commands:\n  - Use \"list\" for a list of available commands\n\n"+
		"Examples:\n")
	for _, example := range []string{
		"list",
		"getPeers",
		"-v getSelf",
		"setTunTap name=auto mtu=1500 tap_mode=false",
		"-endpoint=tcp://localhost:9001 getDHT",
		"-endpoint=unix:///var/run/ygg.sock getDHT",
	} {
		fmt.Fprintf(stdout, "  -  %s %s\n", argv0, example)
	}
}

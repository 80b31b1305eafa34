package ctl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// errProtocol is returned for endpoints that are neither unix:// nor tcp://.
var errProtocol = errors.New("protocol not supported")

// chooseEndpoint decides which admin endpoint to use (spec 03 §6.2). A value
// equal to DefaultEndpoint is treated as "not given": the default config
// file's AdminListen then wins, so a node configured elsewhere is still found
// by a plain "yggdrasilctl getPeers". A config file that cannot be read falls
// back to the default; one that cannot be parsed is an error, because
// silently ignoring a broken config would send the request to the wrong node.
func chooseEndpoint(given string, diag *diagLog) (string, error) {
	if given != DefaultEndpoint {
		diag.printf("Using endpoint %s from command line", given)
		return given, nil
	}
	data, err := os.ReadFile(DefaultConfigPath)
	if err != nil {
		diag.printf("Can't open config file from default location %s", DefaultConfigPath)
		diag.printf("Falling back to platform default %s", DefaultEndpoint)
		return DefaultEndpoint, nil
	}
	diag.printf("Found platform default config file %s", DefaultConfigPath)
	cfg, err := parseGenericConfig(data)
	if err != nil {
		return "", fmt.Errorf("%s: %w", DefaultConfigPath, err)
	}
	if listen, ok := cfg["AdminListen"].(string); ok && listen != "none" && listen != "" {
		diag.printf("Using endpoint %s from AdminListen", listen)
		return listen, nil
	}
	diag.printf("Configuration file doesn't contain appropriate AdminListen option")
	diag.printf("Falling back to platform default %s", DefaultEndpoint)
	return DefaultEndpoint, nil
}

// dialEndpoint connects to a unix:// or tcp:// endpoint. Like v0.3.16, a
// bare "host:port" is refused rather than guessed at, so that the same
// endpoint string means the same thing to the node and to yggdrasilctl.
func dialEndpoint(ctx context.Context, endpoint string, diag *diagLog) (net.Conn, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		diag.printf("Unknown protocol or malformed address - check your endpoint")
		return nil, err
	}
	var d net.Dialer
	switch strings.ToLower(u.Scheme) {
	case "unix":
		// The path is everything after "unix://", not the parsed URL path,
		// so relative paths and Linux abstract names ("@name") survive.
		const prefix = "unix://"
		if len(endpoint) < len(prefix) || !strings.EqualFold(endpoint[:len(prefix)], prefix) {
			return nil, fmt.Errorf("malformed endpoint %q: expected unix://PATH", endpoint)
		}
		path := endpoint[len(prefix):]
		diag.printf("Connecting to UNIX socket %s", path)
		return d.DialContext(ctx, "unix", path)
	case "tcp":
		diag.printf("Connecting to TCP socket %s", u.Host)
		return d.DialContext(ctx, "tcp", u.Host)
	default:
		diag.printf("Unknown protocol or malformed address - check your endpoint")
		return nil, errProtocol
	}
}

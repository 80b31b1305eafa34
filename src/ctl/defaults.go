package ctl

import "runtime"

// DefaultEndpoint is the platform's default admin endpoint (spec 03 §2.1).
// Giving exactly this string to -endpoint counts as not giving -endpoint at
// all, so the default config file is consulted first (spec 03 §6.2).
var DefaultEndpoint = defaultEndpointFor(runtime.GOOS)

// DefaultConfigPath is the config file read to find AdminListen when no
// endpoint was chosen. It is a variable so tests can point it at a
// temporary file.
var DefaultConfigPath = defaultConfigPathFor(runtime.GOOS)

func defaultEndpointFor(goos string) string {
	switch goos {
	case "linux", "darwin", "freebsd", "openbsd":
		return "unix:///var/run/yggdrasil.sock"
	default:
		return "tcp://localhost:9001"
	}
}

func defaultConfigPathFor(goos string) string {
	switch goos {
	case "freebsd":
		return "/usr/local/etc/yggdrasil.conf"
	case "windows":
		return `C:\Program Files\Yggdrasil\yggdrasil.conf`
	default:
		return "/etc/yggdrasil.conf"
	}
}

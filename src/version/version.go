// Package version reports the build name and version stamped into the binary
// at link time by the build script:
//
//	go build -ldflags "-X github.com/yggmesh/ygg/src/version.name=yggdrasil -X github.com/yggmesh/ygg/src/version.version=0.3.16"
//
// An unstamped build reports "unknown" for both, as the reference does; the
// node and yggdrasilctl then leave the build lines out of their output.
package version

// Set with -ldflags -X; they must stay plain string variables for that to work.
var (
	name    = "unknown"
	version = "unknown"
)

// Name is the build name, e.g. "yggdrasil", or "unknown" when not stamped.
func Name() string { return name }

// Version is the build version, e.g. "0.3.16", or "unknown" when not stamped.
func Version() string { return version }

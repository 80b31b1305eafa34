//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package multicast

// setReuse does nothing where SO_REUSEPORT does not exist: only one node
// per host can then run discovery.
func setReuse(uintptr) error { return nil }

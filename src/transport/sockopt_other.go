//go:build !linux && !darwin

package transport

import "syscall"

// tuneSocket sets nothing: the options of spec 01 §4.4 are Linux and macOS
// only.
func tuneSocket(syscall.RawConn) {}

// bindToDevice is not available; source address choice still applies.
func bindToDevice(syscall.RawConn, string) error {
	return errNoBindToDevice
}

//go:build !linux && !darwin

package transport

import (
	"errors"
	"syscall"
)

// tuneSocket sets nothing: the options of spec 01 §4.4 are Linux and macOS
// only.
func tuneSocket(syscall.RawConn) {}

// bindToDevice is not available; source address choice still applies.
func bindToDevice(syscall.RawConn, string) error {
	return errNoBindToDevice
}

var errNoBindToDevice = errors.New("binding a socket to a device is not supported on this platform")

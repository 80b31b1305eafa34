package transport

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// soRecvAnyIf is SO_RECV_ANYIF, which lets a socket receive on restricted
// interfaces (such as AWDL); the reference sets it on macOS.
const soRecvAnyIf = 0x1104

// tuneSocket sets the options every dialling and listening socket gets
// (spec 01 §4.4).
func tuneSocket(c syscall.RawConn) {
	_ = c.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, soRecvAnyIf, 1)
	})
}

// bindToDevice is not available; source address choice still applies.
func bindToDevice(syscall.RawConn, string) error {
	return errNoBindToDevice
}

var errNoBindToDevice = errors.New("binding a socket to a device is not supported on this platform")

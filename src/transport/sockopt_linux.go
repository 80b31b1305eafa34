package transport

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// tuneSocket sets the options every dialling and listening socket gets
// (spec 01 §4.4). On Linux that is BBR congestion control, which copes far
// better than loss-based control with the long, lossy paths peerings often
// cross. The kernel may lack it or refuse it; the default then stays, as in
// the reference.
func tuneSocket(c syscall.RawConn) {
	_ = c.Control(func(fd uintptr) {
		_ = unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, "bbr")
	})
}

// bindToDevice pins the socket to an interface so the kernel cannot route
// an interface peering out of a different interface.
func bindToDevice(c syscall.RawConn, iface string) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, iface)
	}); err != nil {
		return err
	}
	return serr
}

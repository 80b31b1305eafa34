//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package multicast

import "golang.org/x/sys/unix"

// setReuse lets every node on the host bind port 9001.
func setReuse(fd uintptr) error {
	if err := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return err
	}
	return unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
}

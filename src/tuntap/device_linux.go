//go:build linux

package tuntap

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/tun"

	"github.com/yggmesh/ygg/src/address"
)

// tunPrefixLen covers 200::/7: every node address and node subnet routes
// into the TUN through the kernel's connected route (spec 03 §3.2).
const tunPrefixLen = 7

// createTUN creates a TUN named name ("" lets the kernel pick tunN), with
// the given MTU and addr/7, and sets it up. On error nothing is left open.
// It works in the calling thread's network namespace.
func createTUN(name string, mtu uint64, addr address.Address) (Device, string, error) {
	if len(name) >= unix.IFNAMSIZ {
		return nil, "", fmt.Errorf("interface name %q is too long: at most %d bytes", name, unix.IFNAMSIZ-1)
	}
	dev, err := openTUN(name, int(mtu))
	if err != nil {
		return nil, "", err
	}
	// wireguard's device reports link events on a small channel and blocks
	// when nobody reads it; the adapter has no use for them.
	go func() {
		for range dev.Events() {
		}
	}()
	real, err := dev.Name()
	if err == nil {
		err = addAddress(real, addr, tunPrefixLen)
	}
	if err == nil {
		err = setUp(real)
	}
	if err != nil {
		dev.Close()
		return nil, "", err
	}
	return dev, real, nil
}

// openTUN is tun.CreateTUN, except that the clone device is closed again
// when the TUNSETIFF ioctl fails (CreateTUN leaks it). IFF_NO_PI leaves out
// the 4-byte packet-information header the reference keeps (invisible to
// users); IFF_VNET_HDR lets wireguard's device use segmentation offloads and
// batches.
func openTUN(name string, mtu int) (tun.Device, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err == nil {
		ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI | unix.IFF_VNET_HDR)
		err = unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr)
	}
	if err == nil {
		err = unix.SetNonblock(fd, true)
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("creating TUN device %q: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), "/dev/net/tun")
	dev, err := tun.CreateTUNFromFile(f, mtu)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("setting up TUN device %q: %w", name, err)
	}
	return dev, nil
}

// in6Ifreq is the kernel's struct in6_ifreq, the argument of SIOCSIFADDR
// on an AF_INET6 socket.
type in6Ifreq struct {
	addr      [16]byte
	prefixLen uint32
	ifindex   int32
}

// addAddress adds addr/prefixLen to the interface.
func addAddress(name string, addr address.Address, prefixLen uint32) error {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("adding address %s/%d to %s: %w", addr, prefixLen, name, err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err == nil {
		err = unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr)
	}
	if err == nil {
		req := in6Ifreq{addr: addr, prefixLen: prefixLen, ifindex: int32(ifr.Uint32())}
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCSIFADDR, uintptr(unsafe.Pointer(&req)))
		if errno != 0 {
			err = errno
		}
	}
	if err != nil {
		return fmt.Errorf("adding address %s/%d to %s: %w", addr, prefixLen, name, err)
	}
	return nil
}

// setUp sets the interface's IFF_UP flag.
func setUp(name string) error {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err == nil {
		defer unix.Close(fd)
		var ifr *unix.Ifreq
		ifr, err = unix.NewIfreq(name)
		if err == nil {
			err = unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr)
		}
		if err == nil {
			ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
			err = unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
		}
	}
	if err != nil {
		return fmt.Errorf("setting %s up: %w", name, err)
	}
	return nil
}

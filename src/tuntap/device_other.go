//go:build !linux

package tuntap

import (
	"fmt"
	"runtime"

	"github.com/yggmesh/ygg/src/address"
)

// createTUN is only implemented for Linux.
func createTUN(name string, mtu uint64, addr address.Address) (Device, string, error) {
	return nil, "", fmt.Errorf("TUN devices are not supported on %s by this build; set IfName to none", runtime.GOOS)
}

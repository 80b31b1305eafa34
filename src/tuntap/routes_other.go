//go:build !linux

package tuntap

import (
	"errors"

	"github.com/yggmesh/ygg/src/ckr"
)

// kernelRoutes installs nothing off Linux: routes into the TUN are the
// user's to add there, as in v0.3.16.
type kernelRoutes struct{}

func newKernelRoutes(string) (*kernelRoutes, error) {
	return nil, errors.New("installing routes is only supported on Linux")
}

func (*kernelRoutes) sync(*ckr.Table) error { return nil }

func (*kernelRoutes) close() {}

//go:build windows || plan9

package logging

import (
	"errors"
	"io"
)

func openSyslog(network, addr, tag string) (io.WriteCloser, error) {
	return nil, errors.New("syslog is not available on this system")
}

//go:build !windows && !plan9

package logging

import (
	"io"
	"log/syslog"
)

// openSyslog dials syslog; empty network and addr mean the local daemon.
func openSyslog(network, addr, tag string) (io.WriteCloser, error) {
	return syslog.Dial(network, addr, syslog.LOG_NOTICE|syslog.LOG_DAEMON, tag)
}

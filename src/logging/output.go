package logging

import (
	"io"
	"os"
)

// OpenOutput opens the log destination named by the -logto flag: "stdout"
// is the given stdout (closing it does nothing), "syslog" is the local
// syslog daemon (facility daemon, priority notice, tagged with tag), and
// anything else is a file path, appended to and created with mode 0644.
// The caller closes the result when the program ends.
func OpenOutput(dest, tag string, stdout io.Writer) (io.WriteCloser, error) {
	switch dest {
	case "stdout":
		return nopCloser{stdout}, nil
	case "syslog":
		return openSyslog("", "", tag)
	}
	return os.OpenFile(dest, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

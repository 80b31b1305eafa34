package ctl

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// now is the clock for diagnostic timestamps; tests replace it to get
// stable output.
var now = time.Now

// diagLog collects progress messages in memory. They are only shown when the
// run fails, so a healthy run prints nothing but the answer and scripts can
// parse stdout without filtering.
type diagLog struct {
	buf bytes.Buffer
}

// printf appends one line in the Go standard log format
// ("YYYY/MM/DD HH:MM:SS message"), as v0.3.16 does.
func (d *diagLog) printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	d.buf.WriteString(now().Format("2006/01/02 15:04:05 "))
	d.buf.WriteString(strings.TrimSuffix(msg, "\n"))
	d.buf.WriteByte('\n')
}

// String returns everything logged so far.
func (d *diagLog) String() string { return d.buf.String() }

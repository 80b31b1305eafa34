package ctl

import (
	"bytes"
	"fmt"
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
	d.buf.WriteString(now().Format("2006/01/02 15:04:05 "))
	fmt.Fprintf(&d.buf, format, args...)
	if d.buf.Len() == 0 || d.buf.Bytes()[d.buf.Len()-1] != '\n' {
		d.buf.WriteByte('\n')
	}
}

// String returns everything logged so far.
func (d *diagLog) String() string { return d.buf.String() }

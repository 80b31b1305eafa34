package logging

import (
	"fmt"
	"sync"
	"time"

	"github.com/yggmesh/ygg/src/ratelimit"
)

// Limited writes one kind of line that a remote can trigger (a refused
// connection, a bad signature) at most at a fixed rate, so a hostile peer
// cannot fill the disk or drown the other lines. Lines over the rate are
// counted, and the next line written says how many were left out.
// It is safe for concurrent use.
type Limited struct {
	log *Logger
	now func() time.Time

	mu         sync.Mutex
	bucket     ratelimit.Bucket
	suppressed int
}

// Limited makes a limiter writing at most perSecond lines a second (burst
// at once) to l. now is the clock (nil: time.Now).
func (l *Logger) Limited(perSecond float64, burst int, now func() time.Time) *Limited {
	if now == nil {
		now = time.Now
	}
	return &Limited{log: l, now: now, bucket: ratelimit.NewBucket(perSecond, burst)}
}

func (r *Limited) logf(level Level, format string, args ...any) {
	if !r.log.Enabled(level) {
		return
	}
	r.mu.Lock()
	if !r.bucket.Allow(r.now()) {
		r.suppressed++
		r.mu.Unlock()
		return
	}
	n := r.suppressed
	r.suppressed = 0
	r.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	if n > 0 {
		msg += fmt.Sprintf(" (%d similar lines left out)", n)
	}
	r.log.out.Output(3, msg)
}

// Suppressed is the number of lines left out since the last one written.
func (r *Limited) Suppressed() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.suppressed
}

// Warnf writes at warn level, within the rate.
func (r *Limited) Warnf(format string, args ...any) { r.logf(LevelWarn, format, args...) }

// Infof writes at info level, within the rate.
func (r *Limited) Infof(format string, args ...any) { r.logf(LevelInfo, format, args...) }

// Debugf writes at debug level, within the rate.
func (r *Limited) Debugf(format string, args ...any) { r.logf(LevelDebug, format, args...) }

// Package logging is the node's levelled logger. Lines use the Go standard
// logger format ("YYYY/MM/DD HH:MM:SS message") with no level tag, as
// v0.3.16 prints them; Printf lines are shown at every level.
package logging

import (
	"fmt"
	"io"
	"log"
	"strings"
	"sync/atomic"
)

// Level is a log level; enabling one enables all levels before it.
type Level int32

// Levels in order: each enables the ones before it.
const (
	LevelError Level = iota
	LevelWarn
	LevelInfo
	LevelDebug
	LevelTrace
)

var levelNames = []string{"error", "warn", "info", "debug", "trace"}

// ParseLevel reads a level name, case-insensitively. Unknown names give
// LevelInfo and ok == false.
func ParseLevel(s string) (Level, bool) {
	for i, n := range levelNames {
		if strings.EqualFold(s, n) {
			return Level(i), true
		}
	}
	return LevelInfo, false
}

// String gives the name -loglevel takes, so flags and messages agree.
func (l Level) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return fmt.Sprintf("level(%d)", int(l))
	}
	return levelNames[l]
}

// Logger writes levelled lines. It is safe for concurrent use.
type Logger struct {
	out   *log.Logger
	level atomic.Int32
}

// New makes a logger writing to w at the given level.
func New(w io.Writer, level Level) *Logger {
	l := &Logger{out: log.New(w, "", log.LstdFlags)}
	l.level.Store(int32(level))
	return l
}

// Discard is a logger that writes nothing, for tests.
func Discard() *Logger { return New(io.Discard, LevelError) }

// SetLevel changes the level.
func (l *Logger) SetLevel(level Level) { l.level.Store(int32(level)) }

// Enabled reports whether lines at level are written.
func (l *Logger) Enabled(level Level) bool { return Level(l.level.Load()) >= level }

func (l *Logger) logf(level Level, format string, args ...any) {
	if l.Enabled(level) {
		l.out.Output(3, fmt.Sprintf(format, args...))
	}
}

// Printf always writes.
func (l *Logger) Printf(format string, args ...any) { l.out.Output(2, fmt.Sprintf(format, args...)) }

// Errorf writes at error level.
func (l *Logger) Errorf(format string, args ...any) { l.logf(LevelError, format, args...) }

// Warnf writes at warn level.
func (l *Logger) Warnf(format string, args ...any) { l.logf(LevelWarn, format, args...) }

// Infof writes at info level.
func (l *Logger) Infof(format string, args ...any) { l.logf(LevelInfo, format, args...) }

// Debugf writes at debug level.
func (l *Logger) Debugf(format string, args ...any) { l.logf(LevelDebug, format, args...) }

// Tracef writes at trace level.
func (l *Logger) Tracef(format string, args ...any) { l.logf(LevelTrace, format, args...) }

package simreport

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that reads well in JSON: a string of seconds
// with at least millisecond digits, "12.345s", "0.000812345s", exact to the
// nanosecond so a report read back is the report written. Milliseconds gives
// the number for code.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Milliseconds returns d in milliseconds, with its fraction.
func (d Duration) Milliseconds() float64 { return float64(d) / float64(time.Millisecond) }

// Seconds returns d in seconds, with its fraction.
func (d Duration) Seconds() float64 { return float64(d) / float64(time.Second) }

// String formats d as in JSON, without the quotes.
func (d Duration) String() string {
	n := int64(d)
	sign := ""
	if n < 0 {
		sign = "-"
		n = -n // -MinInt64 stays negative; no simulated time is 292 years
	}
	frac := fmt.Sprintf("%09d", n%int64(time.Second))
	// Keep the milliseconds even when zero, drop zeros past them.
	frac = frac[:3] + strings.TrimRight(frac[3:], "0")
	return sign + strconv.FormatInt(n/int64(time.Second), 10) + "." + frac + "s"
}

// Short formats d for people, in the largest unit that keeps it at 1 or
// more, with three decimals: "12.345s", "45.200ms", "812.000µs".
func (d Duration) Short() string {
	a := d
	if a < 0 {
		a = -a
	}
	switch {
	case a >= Duration(time.Second):
		return fmt.Sprintf("%.3fs", d.Seconds())
	case a >= Duration(time.Millisecond):
		return fmt.Sprintf("%.3fms", d.Milliseconds())
	case a >= Duration(time.Microsecond):
		return fmt.Sprintf("%.3fµs", float64(d)/float64(time.Microsecond))
	default:
		return fmt.Sprintf("%dns", int64(d))
	}
}

// MarshalJSON writes d as a quoted String.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON reads any string time.ParseDuration accepts, which includes
// what MarshalJSON writes.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("simreport: duration: %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("simreport: duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

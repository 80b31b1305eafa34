package main

import (
	"io"
	"strings"
	"testing"
)

// FuzzParseFlags feeds arbitrary command lines to the flag parser: it must
// not panic, must exit 0 or 2 when it refuses, and must never accept a
// negative -time.
func FuzzParseFlags(f *testing.F) {
	f.Add("-sig -time 10s -count 3")
	f.Add("-time=-1s")
	f.Add("-count 18446744073709551616")
	f.Add("-h")
	f.Add("-- -sig")
	f.Fuzz(func(t *testing.T, line string) {
		o, code, ok := parseFlags(strings.Fields(line), io.Discard)
		if ok && (code != 0 || o.limit < 0) {
			t.Fatalf("%q accepted with code %d, limit %v", line, code, o.limit)
		}
		if !ok && code != 0 && code != 2 {
			t.Fatalf("%q refused with code %d", line, code)
		}
	})
}

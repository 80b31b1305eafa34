package ctl

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/hjson/hjson-go/v4"
)

// parseGenericConfig reads a config file's bytes into a generic map, the way
// the node reads its config (spec 03 §1.5 steps 1-3): a UTF-16 file (FF FE or
// FE FF byte order mark) is converted to UTF-8 first, a UTF-8 BOM is skipped,
// and the text is parsed as HJSON. Numbers come out as float64. A file
// holding only null yields a nil map, which reads as "no AdminListen", as in
// v0.3.16.
//
// TODO: use config.ParseGenericMap once src/config provides it, so the node
// and yggdrasilctl cannot drift apart.
func parseGenericConfig(data []byte) (map[string]any, error) {
	text, err := decodeBOM(data)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := hjson.Unmarshal(text, &m); err != nil {
		return nil, fmt.Errorf("config: %s", withoutSample(err.Error()))
	}
	return m, nil
}

// withoutSample drops the excerpt of the input that the HJSON parser appends
// to syntax errors ("... at line 3,7 >>> text"): the excerpt may be part of a
// private key, and the line and column already locate the problem.
func withoutSample(msg string) string {
	if i := strings.Index(msg, " >>> "); i >= 0 {
		return msg[:i]
	}
	return msg
}

// decodeBOM turns UTF-16 text marked by a byte order mark into UTF-8 and
// drops a UTF-8 byte order mark; anything else is returned unchanged.
func decodeBOM(data []byte) ([]byte, error) {
	var bigEndian bool
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		bigEndian = false
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		bigEndian = true
	default:
		return data, nil
	}
	body := data[2:]
	if len(body)%2 != 0 {
		return nil, errors.New("config: UTF-16 file has an odd number of bytes")
	}
	units := make([]uint16, len(body)/2)
	for i := range units {
		hi, lo := body[2*i], body[2*i+1]
		if !bigEndian {
			hi, lo = lo, hi
		}
		units[i] = uint16(hi)<<8 | uint16(lo)
	}
	return []byte(string(utf16.Decode(units))), nil
}

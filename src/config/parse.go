package config

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/hjson/hjson-go/v4"
)

// Parse reads a config file (HJSON or JSON) through the pipeline of spec 03
// §1.5: text decoding by BOM, HJSON parsing, migration of legacy keys, and a
// strict overlay onto a freshly generated config. Keys it does not set keep
// their generated values, including new random key pairs. Every error is a
// single line naming the key path or the input position.
func Parse(data []byte) (*NodeConfig, error) {
	m, err := ParseGenericMap(data)
	if err != nil {
		return nil, err
	}
	migrate(m)
	cfg := Generate()
	if err := overlay(cfg, m); err != nil {
		return nil, err
	}
	return cfg, nil
}

// ParseGenericMap decodes the text of a config file into a generic map
// without applying the schema; yggdrasilctl uses it to find AdminListen.
// Numbers come back as float64. Empty input is an empty object.
func ParseGenericMap(data []byte) (map[string]any, error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	var v any
	if err := hjson.Unmarshal(text, &v); err != nil {
		return nil, hjsonError(err, text)
	}
	switch m := v.(type) {
	case map[string]any:
		return m, nil
	case nil:
		// hjson gives nil both for empty input and for a bare "null".
		if len(bytes.TrimSpace(text)) == 0 {
			return map[string]any{}, nil
		}
	}
	return nil, fmt.Errorf("config: the file must hold an object ({ ... }), got %s", kindOf(v))
}

// decodeText turns the raw bytes into UTF-8: UTF-16 with either BOM is
// converted, and a UTF-8 BOM is dropped (the reference rejects it; accepting
// it costs nothing).
func decodeText(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		return decodeUTF16(data[2:], false)
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		return decodeUTF16(data[2:], true)
	case bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}):
		return data[3:], nil
	}
	return data, nil
}

func decodeUTF16(b []byte, bigEndian bool) ([]byte, error) {
	if len(b)%2 != 0 {
		return nil, errors.New("config: UTF-16 input has an odd number of bytes")
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		if bigEndian {
			units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			units[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	out := make([]byte, 0, len(units))
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}

// hjsonPosition matches the parser's "<message> at line L,C >>> <sample>".
var hjsonPosition = regexp.MustCompile(`(?s)^(.*) at line (\d+),(\d+) >>> `)

// hjsonError rewrites a parser error as one line with the position. The
// parser appends a sample of the input after ">>>", which may be part of a
// private key, so the sample is always dropped. Errors at the end of the
// input come without a position, so the end of the text is given.
func hjsonError(err error, text []byte) error {
	msg := err.Error()
	if m := hjsonPosition.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("config: line %s, column %s: %s", m[2], m[3], oneLine(m[1]))
	}
	if i := strings.Index(msg, ">>>"); i >= 0 {
		msg = msg[:i]
	}
	if strings.HasPrefix(msg, "End of input") || strings.HasPrefix(msg, "Found EOF") {
		last := text[bytes.LastIndexByte(text, '\n')+1:]
		return fmt.Errorf("config: line %d, column %d (end of input): %s",
			bytes.Count(text, []byte{'\n'})+1, utf8.RuneCount(last)+1, oneLine(msg))
	}
	return fmt.Errorf("config: %s", oneLine(msg))
}

// oneLine keeps an error message on one printable line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, strings.TrimSpace(s))
}

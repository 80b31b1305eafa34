package wire

import (
	"strconv"
	"strings"
)

// Coords is a path of switch ports from the root down to a node. The root's
// coords are empty. Port 0 never appears in real coords.
type Coords []uint64

// AppendCoordsRaw appends the uv() of each port with no count.
func AppendCoordsRaw(dst []byte, c Coords) []byte {
	for _, p := range c {
		dst = AppendUvarint(dst, p)
	}
	return dst
}

// RawLen is the byte length of c's raw encoding.
func (c Coords) RawLen() int {
	n := 0
	for _, p := range c {
		n += UvarintLen(p)
	}
	return n
}

// AppendCoords appends the length-prefixed form: uv(byte length) || raw.
func AppendCoords(dst []byte, c Coords) []byte {
	dst = AppendUvarint(dst, uint64(c.RawLen()))
	return AppendCoordsRaw(dst, c)
}

// CoordsField splits a length-prefixed coords field off the front of b and
// returns the raw coords bytes (aliasing b) and the bytes consumed. n == 0
// when the prefix is missing or runs past the end of b.
func CoordsField(b []byte) (raw []byte, n int) {
	l, ln := Uvarint(b)
	if ln == 0 || l > uint64(len(b)-ln) {
		return nil, 0
	}
	end := ln + int(l)
	return b[ln:end:end], end
}

// ParseCoordsRaw decodes raw coords bytes into freshly allocated ports. ok
// is false when a port is truncated.
func ParseCoordsRaw(raw []byte) (c Coords, ok bool) {
	c, ok = appendPorts(make(Coords, 0, len(raw)), raw)
	if !ok {
		return nil, false
	}
	return c, true
}

// appendPorts decodes raw coords bytes onto dst; ok is false when a port is
// truncated or overlong.
func appendPorts(dst Coords, raw []byte) (Coords, bool) {
	for len(raw) > 0 {
		p, n := Uvarint(raw)
		if n == 0 {
			return dst, false
		}
		dst = append(dst, p)
		raw = raw[n:]
	}
	return dst, true
}

// DecodeCoords reads a length-prefixed coords field and its ports.
func DecodeCoords(b []byte) (c Coords, n int, ok bool) {
	raw, n := CoordsField(b)
	if n == 0 {
		return nil, 0, false
	}
	c, ok = ParseCoordsRaw(raw)
	if !ok {
		return nil, 0, false
	}
	return c, n, true
}

// RoutingPorts reads ports from raw coords up to the first 0 port, which
// starts the optional flow-key suffix, or a truncated port. Forwarding only
// ever looks at this prefix.
func RoutingPorts(raw []byte, dst Coords) Coords {
	for len(raw) > 0 {
		p, n := Uvarint(raw)
		if n == 0 || p == 0 {
			break
		}
		dst = append(dst, p)
		raw = raw[n:]
	}
	return dst
}

// AppendCoordsWithFlow appends coords with the flow-key suffix 00 || uv(flow)
// inside the length prefix. A zero flow key adds no suffix.
func AppendCoordsWithFlow(dst []byte, c Coords, flow uint64) []byte {
	if flow == 0 {
		return AppendCoords(dst, c)
	}
	l := c.RawLen() + 1 + UvarintLen(flow)
	dst = AppendUvarint(dst, uint64(l))
	dst = AppendCoordsRaw(dst, c)
	dst = append(dst, 0)
	return AppendUvarint(dst, flow)
}

// Equal reports whether two coords are the same path.
func (c Coords) Equal(o Coords) bool {
	if len(c) != len(o) {
		return false
	}
	for i := range c {
		if c[i] != o[i] {
			return false
		}
	}
	return true
}

// Clone returns a copy that does not alias c.
func (c Coords) Clone() Coords { return append(Coords(nil), c...) }

// Dist is the tree distance: hops between two nodes along the tree.
func (c Coords) Dist(o Coords) int {
	common := 0
	for common < len(c) && common < len(o) && c[common] == o[common] {
		common++
	}
	return len(c) + len(o) - 2*common
}

// String gives the admin form: "[1 2 3]", "[]" for the root.
func (c Coords) String() string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i, p := range c {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strconv.FormatUint(p, 10))
	}
	sb.WriteByte(']')
	return sb.String()
}

// ParseCoordsString reads the admin form leniently, as v0.3.16 does: brackets
// stripped, split on single spaces, base prefixes allowed, unparsable tokens
// skipped. "1" and "[1]" both give [1].
func ParseCoordsString(s string) Coords {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	c := Coords{}
	for _, tok := range strings.Split(s, " ") {
		if p, err := strconv.ParseUint(tok, 0, 64); err == nil {
			c = append(c, p)
		}
	}
	return c
}

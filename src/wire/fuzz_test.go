package wire

import (
	"bytes"
	"testing"
)

func FuzzUvarint(f *testing.F) {
	for _, s := range [][]byte{{0}, {0x81, 0}, {0x80, 5}, {0x81}, {}, bytes.Repeat([]byte{0xff}, 12)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, n := Uvarint(b)
		if n < 0 || n > len(b) || n > MaxUvarintLen {
			t.Fatalf("bad length %d for %x", n, b)
		}
		if n == 0 {
			return
		}
		// Re-encoding gives the minimal form, which decodes to the same value.
		enc := AppendUvarint(nil, v)
		if v2, n2 := Uvarint(enc); v2 != v || n2 != len(enc) {
			t.Fatalf("round trip %d -> %x -> %d", v, enc, v2)
		}
		if len(enc) > n {
			t.Fatalf("minimal encoding %x longer than input %x", enc, b[:n])
		}
	})
}

func FuzzVarint(f *testing.F) {
	f.Add([]byte{0x8b, 0xf5, 0xf0, 0xc0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		i, n := Varint(b)
		if n == 0 {
			return
		}
		if i2, _ := Varint(AppendVarint(nil, i)); i2 != i {
			t.Fatalf("round trip %d", i)
		}
	})
}

func FuzzCoords(f *testing.F) {
	f.Add([]byte{5, 1, 3, 0x81, 0x48, 0})
	f.Add([]byte{0})
	f.Add([]byte{8, 1, 3, 0, 0xe1, 0xfc, 0xc0, 0x80, 0x50})
	f.Fuzz(func(t *testing.T, b []byte) {
		raw, n := CoordsField(b)
		if n > len(b) || len(raw) > len(b) {
			t.Fatal("length past input")
		}
		_ = RoutingPorts(raw, nil)
		c, n2, ok := DecodeCoords(b)
		if !ok {
			return
		}
		if n2 != n {
			t.Fatalf("lengths differ %d %d", n, n2)
		}
		enc := AppendCoords(nil, c)
		c2, _, ok := DecodeCoords(enc)
		if !ok || !c2.Equal(c) {
			t.Fatalf("round trip %v", c)
		}
	})
}

// The admin form is read leniently: any text gives coords, and the coords
// it gives print in a form that reads back the same.
func FuzzParseCoordsString(f *testing.F) {
	f.Add("[1 2 3]")
	f.Add("[1 0x10 x 3]")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c := ParseCoordsString(s)
		if c == nil {
			t.Fatalf("%q gave nil coords", s)
		}
		if again := ParseCoordsString(c.String()); !again.Equal(c) {
			t.Fatalf("%q -> %v -> %v", s, c, again)
		}
	})
}

package wire

import (
	"bytes"
	"encoding/hex"
	"math"
	"strings"
	"testing"
)

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// Spec 01 §3.1 and spec 02 §0.1 tables.
func TestUvarintTable(t *testing.T) {
	cases := []struct {
		v   uint64
		enc string
	}{
		{0, "00"}, {1, "01"}, {127, "7f"}, {128, "81 00"}, {255, "81 7f"}, {300, "82 2c"},
		{16383, "ff 7f"}, {16384, "81 80 00"}, {65535, "83 ff 7f"}, {1 << 32, "90 80 80 80 00"},
		{1 << 63, "81 80 80 80 80 80 80 80 80 00"}, {math.MaxUint64, "81 ff ff ff ff ff ff ff ff 7f"},
	}
	for _, c := range cases {
		got := AppendUvarint(nil, c.v)
		if !bytes.Equal(got, h(c.enc)) {
			t.Errorf("encode %d = %x, want %s", c.v, got, c.enc)
		}
		if UvarintLen(c.v) != len(got) {
			t.Errorf("UvarintLen(%d) = %d", c.v, UvarintLen(c.v))
		}
		v, n := Uvarint(append(h(c.enc), 0xaa, 0xbb))
		if v != c.v || n != len(got) {
			t.Errorf("decode %s = %d,%d", c.enc, v, n)
		}
	}
}

func TestUvarintEdgeCases(t *testing.T) {
	if v, n := Uvarint(h("80 05")); v != 5 || n != 2 {
		t.Errorf("non-minimal: %d %d", v, n)
	}
	if v, n := Uvarint(h("80 00")); v != 0 || n != 2 {
		t.Errorf("non-minimal zero: %d %d", v, n)
	}
	if _, n := Uvarint(nil); n != 0 {
		t.Error("empty input decoded")
	}
	if _, n := Uvarint(h("81")); n != 0 {
		t.Error("unterminated input decoded")
	}
	if _, n := Uvarint(h("80 80 80 80 80 80 80 80 80 80 01")); n != 0 {
		t.Error("11-byte varint decoded")
	}
}

// Spec 01 §3.2 mapping.
func TestZigzag(t *testing.T) {
	cases := []struct {
		i int64
		u uint64
	}{
		{0, 0}, {-1, 1}, {1, 2}, {-2, 3}, {63, 126}, {-64, 127}, {64, 128},
		{1600000000, 3200000000}, {math.MinInt64, math.MaxUint64}, {math.MaxInt64, math.MaxUint64 - 1},
	}
	for _, c := range cases {
		if Zigzag(c.i) != c.u || Unzigzag(c.u) != c.i {
			t.Errorf("zigzag %d <-> %d", c.i, c.u)
		}
	}
	if got := AppendVarint(nil, 1600000000); !bytes.Equal(got, h("8bf5f0c000")) {
		t.Errorf("1600000000 = %x", got)
	}
	if got := AppendVarint(nil, 1616000000); !bytes.Equal(got, h("8c8591d000")) {
		t.Errorf("1616000000 = %x", got)
	}
	if v, n := Varint(h("8bf5f0c000")); v != 1600000000 || n != 5 {
		t.Errorf("decode = %d %d", v, n)
	}
}

func TestCoords(t *testing.T) {
	c := Coords{1, 3, 200, 0}
	if got := AppendCoords(nil, c); !bytes.Equal(got, h("05 01 03 81 48 00")) {
		t.Errorf("coords = %x", got)
	}
	if got := AppendCoords(nil, Coords{}); !bytes.Equal(got, h("00")) {
		t.Errorf("root = %x", got)
	}
	if got := AppendCoords(nil, Coords{1, 2, 300}); !bytes.Equal(got, h("04 01 02 82 2c")) {
		t.Errorf("coords = %x", got)
	}
	if got := AppendCoordsWithFlow(nil, Coords{1, 3}, 0x61f900050); !bytes.Equal(got, h("08 01 03 00 e1 fc c0 80 50")) {
		t.Errorf("flow = %x", got)
	}
	if got := AppendCoordsWithFlow(nil, Coords{1, 2}, 5); !bytes.Equal(got, h("04 01 02 00 05")) {
		t.Errorf("flow = %x", got)
	}
	got, n, ok := DecodeCoords(h("05 01 03 81 48 00 ff"))
	if !ok || n != 6 || !got.Equal(c) {
		t.Errorf("decode = %v %d %v", got, n, ok)
	}
	for _, bad := range []string{"", "05 01 03", "81"} {
		if _, _, ok := DecodeCoords(h(bad)); ok {
			t.Errorf("decoded bad coords %q", bad)
		}
	}
	if _, _, ok := DecodeCoords(h("01 81")); ok {
		t.Error("truncated port decoded")
	}
	raw, _ := CoordsField(h("08 01 03 00 e1 fc c0 80 50"))
	if p := RoutingPorts(raw, nil); !p.Equal(Coords{1, 3}) {
		t.Errorf("routing ports = %v", p)
	}
	if c.String() != "[1 3 200 0]" || (Coords{}).String() != "[]" {
		t.Error(c.String())
	}
	if !ParseCoordsString("[1 0x10 x 3]").Equal(Coords{1, 16, 3}) || !ParseCoordsString("1").Equal(Coords{1}) {
		t.Error("ParseCoordsString")
	}
	if (Coords{1, 2}).Dist(Coords{1, 3, 4}) != 3 || (Coords{}).Dist(Coords{}) != 0 {
		t.Error("Dist")
	}
}

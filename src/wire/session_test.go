package wire

import (
	"bytes"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

// Spec 02 §6.2 example: handle a0..a7, key 00..1f, tstamp 1616000000,
// coords [1 2], MTU 65535.
func TestSessionPingSpecExample(t *testing.T) {
	m := SessionPing{Handle: crypto.Handle(seq(0xa0, 8)), SesKey: crypto.BoxPubKey(seq(0, 32)),
		TStamp: 1616000000, Coords: Coords{1, 2}, MTU: 65535}
	want := h("04 a0a1a2a3a4a5a6a7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 8c8591d000 02 0102 83ff7f")
	if got := m.Encode(nil); !bytes.Equal(got, want) {
		t.Fatalf("ping = %x", got)
	}
	m.IsPong = true
	wantPong := append([]byte{5}, want[1:]...)
	if got := m.Encode(nil); !bytes.Equal(got, wantPong) {
		t.Fatalf("pong = %x", got)
	}
	for _, c := range []struct {
		b    []byte
		pong bool
	}{{want, false}, {wantPong, true}} {
		var d SessionPing
		if err := d.Decode(c.b); err != nil {
			t.Fatal(err)
		}
		if d.IsPong != c.pong || d.Handle != m.Handle || d.SesKey != m.SesKey || d.TStamp != m.TStamp ||
			!d.Coords.Equal(m.Coords) || d.MTU != 65535 {
			t.Fatalf("decode = %+v", d)
		}
	}
}

func TestSessionPingMTU(t *testing.T) {
	base := (&SessionPing{TStamp: -5, Coords: Coords{3}}).Encode(nil)
	base = base[:len(base)-1] // drop the MTU (0 encodes as one byte)
	cases := []struct {
		tail string
		mtu  uint16
	}{
		{"", DefaultSessionMTU}, // absent: the default
		{"8a 80 00", 32768},     // 163840 truncated to 16 bits
		{"84 8a 14", 1300},      // 66836 truncated to 16 bits
		{"8a 0c ffff", 1292},    // trailing bytes ignored
		{"80 80 80 80 0a", 10},  // non-minimal accepted
	}
	for _, c := range cases {
		var d SessionPing
		if err := d.Decode(append(bytes.Clone(base), h(c.tail)...)); err != nil {
			t.Fatalf("%q: %v", c.tail, err)
		}
		if d.MTU != c.mtu || d.TStamp != -5 || !d.Coords.Equal(Coords{3}) {
			t.Errorf("%q: mtu %d, want %d (%+v)", c.tail, d.MTU, c.mtu, d)
		}
	}
	for _, tail := range []string{"81", "81 81 81 81 81 81 81 81 81 81 01"} {
		var d SessionPing
		if err := d.Decode(append(bytes.Clone(base), h(tail)...)); err != ErrShortMessage {
			t.Errorf("bad MTU %q: %v", tail, err)
		}
	}
}

func TestSessionPingDecodeErrors(t *testing.T) {
	enc := (&SessionPing{TStamp: 1616000000, Coords: Coords{1, 2}, MTU: 9000}).Encode(nil)
	mtuLen := UvarintLen(9000)
	var d SessionPing
	for n := 0; n < len(enc)-mtuLen; n++ {
		if err := d.Decode(enc[:n]); err == nil {
			t.Fatalf("%d bytes decoded", n)
		}
	}
	if err := d.Decode(enc[:len(enc)-mtuLen]); err != nil || d.MTU != DefaultSessionMTU {
		t.Fatalf("without MTU: %v %d", err, d.MTU)
	}
	// A failed decode leaves the message untouched.
	d = SessionPing{MTU: 7}
	bad := bytes.Clone(enc)
	bad[0] = TypeDHTLookupRequest
	if err := d.Decode(bad); err != ErrWrongType || d.MTU != 7 {
		t.Fatalf("type 6: %v %+v", err, d)
	}
}

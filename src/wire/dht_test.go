package wire

import (
	"bytes"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

func nodeID(hexPrefix string) crypto.NodeID {
	var id crypto.NodeID
	copy(id[:], h(hexPrefix))
	return id
}

// Spec 02 §3.2 example: requester at [1 2] asking about ff00…00.
func TestDHTReqSpecExample(t *testing.T) {
	m := DHTReq{Coords: Coords{1, 2}, Dest: nodeID("ff")}
	want := h("06 02 01 02 ff" + strings.Repeat("00", 63))
	got := m.Encode(nil)
	if !bytes.Equal(got, want) || len(got) != 68 {
		t.Fatalf("encode = %x", got)
	}
	var d DHTReq
	if err := d.Decode(want); err != nil || !d.Coords.Equal(m.Coords) || d.Dest != m.Dest {
		t.Fatalf("decode = %+v, %v", d, err)
	}
	// Trailing bytes are ignored.
	if err := d.Decode(append(bytes.Clone(want), 1, 2, 3)); err != nil || d.Dest != m.Dest {
		t.Fatalf("trailing bytes: %v", err)
	}
	for n := 0; n < len(want); n++ {
		if err := d.Decode(want[:n]); err == nil {
			t.Fatalf("%d bytes decoded", n)
		}
	}
	if err := d.Decode(h("06 01 81" + strings.Repeat("00", 64))); err != ErrBadCoords {
		t.Fatalf("truncated port: %v", err)
	}
	if err := d.Decode(h("07 00" + strings.Repeat("00", 64))); err != ErrWrongType {
		t.Fatalf("type 7: %v", err)
	}
}

// Spec 02 §3.3 example: responder at [1], Dest ff00…, one entry (ee00…, [1 3]).
func TestDHTResSpecExample(t *testing.T) {
	var key crypto.BoxPubKey
	key[0] = 0xee
	m := DHTRes{Coords: Coords{1}, Dest: nodeID("ff"), Entries: []DHTEntry{{Key: key, Coords: Coords{1, 3}}}}
	want := h("07 01 01 ff" + strings.Repeat("00", 63) + "ee" + strings.Repeat("00", 31) + "02 01 03")
	if got := m.Encode(nil); !bytes.Equal(got, want) {
		t.Fatalf("encode = %x", got)
	}
	var d DHTRes
	if err := d.Decode(want); err != nil {
		t.Fatal(err)
	}
	if !d.Coords.Equal(m.Coords) || d.Dest != m.Dest || len(d.Entries) != 1 ||
		d.Entries[0].Key != key || !d.Entries[0].Coords.Equal(Coords{1, 3}) {
		t.Fatalf("decode = %+v", d)
	}
	// Any truncation either drops back to a whole entry count or fails:
	// exactly the prefixes that end on an entry boundary decode.
	header := 1 + 2 + 64
	for n := 0; n < len(want); n++ {
		err := d.Decode(want[:n])
		if ok := n == header; (err == nil) != ok {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if n == header && len(d.Entries) != 0 {
			t.Fatalf("zero entries decoded as %d", len(d.Entries))
		}
	}
}

func TestDHTResRoundTrip(t *testing.T) {
	m := DHTRes{Coords: Coords{}, Dest: nodeID("0102")}
	for i := range 5 {
		var k crypto.BoxPubKey
		k[31] = byte(i)
		c := make(Coords, i)
		for j := range c {
			c[j] = uint64(j+1) << (9 * j)
		}
		m.Entries = append(m.Entries, DHTEntry{Key: k, Coords: c})
	}
	enc := m.Encode(nil)
	var d DHTRes
	if err := d.Decode(enc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Encode(nil), enc) || len(d.Entries) != 5 {
		t.Fatalf("round trip differs: %+v", d)
	}
	for i, e := range d.Entries {
		if !e.Coords.Equal(m.Entries[i].Coords) || e.Key != m.Entries[i].Key {
			t.Fatalf("entry %d = %+v", i, e)
		}
	}
	// Decoded coords are the caller's to keep: appending to one entry's
	// coords must not overwrite the next entry's.
	kept := d.Entries[1].Coords
	kept = append(kept, 99)
	if !d.Entries[2].Coords.Equal(m.Entries[2].Coords) || !kept[:1].Equal(Coords{1}) {
		t.Fatalf("entry coords share storage: %v", d.Entries[2].Coords)
	}
	// One bad entry invalidates the whole message.
	bad := m
	bad.Entries = []DHTEntry{{}, {}}
	raw := bad.Encode(nil)
	raw[len(raw)-33-1] = 1 // first entry's coords length 0 -> 1 misaligns the second
	if err := d.Decode(raw); err != ErrShortMessage {
		t.Fatalf("misaligned entries: %v", err)
	}
	truncPort := h("07 00" + strings.Repeat("00", 64) + strings.Repeat("11", 32) + "01 81")
	if err := d.Decode(truncPort); err != ErrBadCoords {
		t.Fatalf("truncated port in an entry: %v", err)
	}
}

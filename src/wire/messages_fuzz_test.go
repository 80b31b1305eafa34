package wire

import (
	"bytes"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

// Fuzz targets for every decoder added alongside the envelopes. Each checks
// that decoding never panics or reads past its input, and that whatever
// decodes re-encodes to something that decodes to the same value.

func FuzzTraffic(f *testing.F) {
	f.Add(h("00 02 0103 1011121314151617 202122232425262728292a2b2c2d2e2f3031323334353637 aabb"))
	f.Add(h("00 08 01 03 00 e1 fc c0 80 50" + strings.Repeat("00", 32)))
	f.Fuzz(func(t *testing.T, b []byte) {
		raw, rawOK := PacketCoords(b)
		var p Traffic
		if err := p.Decode(b); err != nil {
			return
		}
		if rawOK != routable(p.Coords) || (rawOK && !bytes.Equal(raw, p.Coords)) {
			t.Fatalf("PacketCoords disagrees with Decode on %x", b)
		}
		_, _, _ = SplitFlowKey(p.Coords)
		enc := p.Encode(nil)
		var q Traffic
		if err := q.Decode(enc); err != nil || !bytes.Equal(q.Encode(nil), enc) {
			t.Fatalf("round trip of %x: %v", b, err)
		}
		// Only a non-minimal type or length prefix can make them differ.
		if len(enc) > len(b) {
			t.Fatalf("re-encoding %x is longer: %x", b, enc)
		}
	})
}

func FuzzProtocolTraffic(f *testing.F) {
	f.Add((&ProtocolTraffic{Coords: h("0103"), Payload: h("cc")}).Encode(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		raw, rawOK := PacketCoords(b)
		var p ProtocolTraffic
		if err := p.Decode(b); err != nil {
			return
		}
		if rawOK != routable(p.Coords) || (rawOK && !bytes.Equal(raw, p.Coords)) {
			t.Fatalf("PacketCoords disagrees with Decode on %x", b)
		}
		enc := p.Encode(nil)
		var q ProtocolTraffic
		if err := q.Decode(enc); err != nil || !bytes.Equal(q.Encode(nil), enc) || q.ToKey != p.ToKey || q.FromKey != p.FromKey {
			t.Fatalf("round trip of %x: %v", b, err)
		}
		var key crypto.BoxSharedKey
		_, _ = p.Open(nil, &key)
	})
}

func FuzzOpenLinkMessage(f *testing.F) {
	aShared, aLink, bShared, bLink := linkKeys()
	f.Add(SealLinkMessage(&aShared, &aLink, oneHopSwitchMsg()))
	f.Add(SealLinkMessage(&aShared, &aLink, nil))
	f.Add(h("02"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p LinkProtocolTraffic
		if err := p.Decode(b); err == nil {
			if enc := p.Encode(nil); len(enc) > len(b) {
				t.Fatalf("re-encoding %x is longer: %x", b, enc)
			}
		}
		// Forgeries do not open; the seeds do. Type varints may be written
		// non-minimally (and are accepted), so the overhead is a minimum.
		msg, err := OpenLinkMessage(&bShared, &bLink, b)
		if err == nil && len(msg) > len(b)-LinkMessageOverhead {
			t.Fatalf("opened %d bytes from a %d-byte payload", len(msg), len(b))
		}
	})
}

func FuzzDHTReq(f *testing.F) {
	f.Add(h("06 02 01 02 ff" + strings.Repeat("00", 63)))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m DHTReq
		if err := m.Decode(b); err != nil {
			return
		}
		var d DHTReq
		if err := d.Decode(m.Encode(nil)); err != nil || !d.Coords.Equal(m.Coords) || d.Dest != m.Dest {
			t.Fatalf("round trip of %x: %v", b, err)
		}
	})
}

func FuzzDHTRes(f *testing.F) {
	f.Add(h("07 01 01 ff" + strings.Repeat("00", 63) + "ee" + strings.Repeat("00", 31) + "02 01 03"))
	f.Add(h("07 00" + strings.Repeat("00", 64)))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m DHTRes
		if err := m.Decode(b); err != nil {
			return
		}
		enc := m.Encode(nil)
		var d DHTRes
		if err := d.Decode(enc); err != nil || !bytes.Equal(d.Encode(nil), enc) || len(d.Entries) != len(m.Entries) {
			t.Fatalf("round trip of %x: %v", b, err)
		}
	})
}

func FuzzSessionPing(f *testing.F) {
	f.Add(h("04 a0a1a2a3a4a5a6a7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 8c8591d000 02 0102 83ff7f"))
	f.Add(h("05 a0a1a2a3a4a5a6a7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 01 00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m SessionPing
		if err := m.Decode(b); err != nil {
			return
		}
		var d SessionPing
		if err := d.Decode(m.Encode(nil)); err != nil || d.IsPong != m.IsPong || d.Handle != m.Handle ||
			d.SesKey != m.SesKey || d.TStamp != m.TStamp || !d.Coords.Equal(m.Coords) || d.MTU != m.MTU {
			t.Fatalf("round trip of %x: %v (%+v vs %+v)", b, err, m, d)
		}
	})
}

func FuzzNodeInfo(f *testing.F) {
	f.Add(h("08 01 05"))
	f.Add(h("09 01 05 7b 7d"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var req NodeInfoReq
		if req.Decode(b) == nil {
			var d NodeInfoReq
			if err := d.Decode(req.Encode(nil)); err != nil || !d.Coords.Equal(req.Coords) {
				t.Fatalf("request round trip of %x: %v", b, err)
			}
		}
		var res NodeInfoRes
		if res.Decode(b) == nil {
			var d NodeInfoRes
			if err := d.Decode(res.Encode(nil)); err != nil || !d.Coords.Equal(res.Coords) || !bytes.Equal(d.NodeInfo, res.NodeInfo) {
				t.Fatalf("response round trip of %x: %v", b, err)
			}
		}
	})
}

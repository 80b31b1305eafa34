package wire

import (
	"bytes"
	"testing"
)

// Spec 02 §7.5 examples.
func TestNodeInfoSpecExamples(t *testing.T) {
	req := NodeInfoReq{Coords: Coords{5}}
	if got := req.Encode(nil); !bytes.Equal(got, h("08 01 05")) {
		t.Fatalf("request = %x", got)
	}
	var dreq NodeInfoReq
	if err := dreq.Decode(h("08 01 05 ffff")); err != nil || !dreq.Coords.Equal(Coords{5}) {
		t.Fatalf("request with trailing bytes: %v %v", dreq.Coords, err)
	}
	res := NodeInfoRes{Coords: Coords{5}, NodeInfo: []byte("{}")}
	if got := res.Encode(nil); !bytes.Equal(got, h("09 01 05 7b 7d")) {
		t.Fatalf("response = %x", got)
	}
	var dres NodeInfoRes
	if err := dres.Decode(h("09 01 05 7b 7d")); err != nil || !dres.Coords.Equal(Coords{5}) || string(dres.NodeInfo) != "{}" {
		t.Fatalf("response decode: %+v %v", dres, err)
	}
}

func TestNodeInfoDecodeErrors(t *testing.T) {
	var req NodeInfoReq
	var res NodeInfoRes
	cases := []struct {
		b    string
		req  error
		resp error
	}{
		{"", ErrShortMessage, ErrShortMessage},
		{"08", ErrShortMessage, ErrWrongType},
		{"09 00", ErrWrongType, ErrEmptyNodeInfo},
		{"08 02 05", ErrShortMessage, ErrWrongType},
		{"08 01 85", ErrBadCoords, ErrWrongType},
		{"09 02 01", ErrWrongType, ErrShortMessage},
	}
	for _, c := range cases {
		if err := req.Decode(h(c.b)); err != c.req {
			t.Errorf("request %q: %v, want %v", c.b, err, c.req)
		}
		if err := res.Decode(h(c.b)); err != c.resp {
			t.Errorf("response %q: %v, want %v", c.b, err, c.resp)
		}
	}
}

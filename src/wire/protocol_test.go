package wire

import (
	"bytes"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

// Spec 01 §3.8 example: coords [1 3], ToKey B, FromKey A, nonce 2021…37.
func TestProtocolTrafficSpecExample(t *testing.T) {
	a, b := boxPriv("spec-example-1"), boxPriv("spec-box-B")
	p := ProtocolTraffic{Coords: h("0103"), ToKey: b.Public(), FromKey: a.Public(),
		Nonce: crypto.BoxNonce(seq(0x20, 24)), Payload: h("cc")}
	want := h("01 02 0103" +
		"6366d9e4513cadcc4c72c07cb4dee675458038aa07b2dade84179e071aeaed5a" +
		"e698d8c017d9767b48222571c58c99bb040ed268da734e0c649b36d25ee2b93b" +
		"202122232425262728292a2b2c2d2e2f3031323334353637 cc")
	if got := p.Encode(nil); !bytes.Equal(got, want) {
		t.Fatalf("encode = %x", got)
	}
	var d ProtocolTraffic
	if err := d.Decode(want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Coords, p.Coords) || d.ToKey != p.ToKey || d.FromKey != p.FromKey || d.Nonce != p.Nonce || !bytes.Equal(d.Payload, p.Payload) {
		t.Fatalf("decode = %+v", d)
	}
	if raw, ok := PacketCoords(want); !ok || !bytes.Equal(raw, h("0103")) {
		t.Fatalf("PacketCoords = %x", raw)
	}
}

// Spec 02 §0.4 vector: a dhtReq from A at [1] for NodeID(B), sealed to B at
// [1 2] with nonce 1011…27.
func TestProtocolTrafficSealVector(t *testing.T) {
	privA, privB := crypto.BoxPrivKey(seq(1, 32)), crypto.BoxPrivKey(seq(0x80, 32))
	pubA, pubB := privA.Public(), privB.Public()
	if pubA != crypto.BoxPubKey(h("07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c")) ||
		pubB != crypto.BoxPubKey(h("493e82fc74464a59268817623d2053c5eb8e2cc4a988b4fee179ec6b010d531d")) {
		t.Fatalf("public keys %s %s", pubA, pubB)
	}
	req := DHTReq{Coords: Coords{1}, Dest: pubB.NodeID()}
	inner := req.Encode(nil)
	wantInner := append(h("06 01 01"), h("65012e382dd2f56ab53c432538fd325d291377ae2c708e972b9cdd568f190b92"+
		"3c2a937a3d7f018b896422e482ca0e389579e76cee419c88b013cdbeb91fefe9")...)
	if !bytes.Equal(inner, wantInner) {
		t.Fatalf("dhtReq = %x", inner)
	}
	shared := crypto.Shared(&privA, &pubB)
	p := ProtocolTraffic{Coords: AppendCoordsRaw(nil, Coords{1, 2}), ToKey: pubB, FromKey: pubA, Nonce: crypto.BoxNonce(seq(0x10, 24))}
	want := h("01 02 0102" + pubB.String() + pubA.String() + "101112131415161718191a1b1c1d1e1f2021222324252627" +
		"130d9b43dbe564d7c651dee3dd7a3631" +
		"8782d5dd19af46e63cc4c638a2938bc4f3b07c4c6b1810962752c07546bda25b675bfd8fe567c25acdf801e134dd41afcf90d964fb6895bec4c4b5dc301d5119d641d6")
	got := p.Seal(nil, &shared, inner)
	if !bytes.Equal(got, want) {
		t.Fatalf("sealed = %x", got)
	}
	if len(got) != ProtocolTrafficOverhead+len(h("02 0102"))+len(inner) {
		t.Fatalf("size %d does not match ProtocolTrafficOverhead", len(got))
	}

	// The receiver opens with its own priv and FromKey.
	var d ProtocolTraffic
	if err := d.Decode(got); err != nil {
		t.Fatal(err)
	}
	recv := crypto.Shared(&privB, &d.FromKey)
	plain, err := d.Open(nil, &recv)
	if err != nil || !bytes.Equal(plain, inner) {
		t.Fatalf("open: %x %v", plain, err)
	}
	var back DHTReq
	if err := back.Decode(plain); err != nil || !back.Coords.Equal(req.Coords) || back.Dest != req.Dest {
		t.Fatalf("inner decode: %+v %v", back, err)
	}
}

func TestSealProtocolTraffic(t *testing.T) {
	a, b := boxPriv("spec-example-1"), boxPriv("spec-box-B")
	aPub, bPub := a.Public(), b.Public()
	shared := crypto.Shared(&a, &bPub)
	msg := (&NodeInfoReq{Coords: Coords{5}}).Encode(nil)
	p1 := SealProtocolTraffic(nil, Coords{1, 300}, &bPub, &aPub, &shared, msg)
	p2 := SealProtocolTraffic(nil, Coords{1, 300}, &bPub, &aPub, &shared, msg)
	if bytes.Equal(p1, p2) {
		t.Fatal("two sealings used the same nonce")
	}
	var d ProtocolTraffic
	if err := d.Decode(p1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Coords, h("01 822c")) || d.ToKey != bPub || d.FromKey != aPub {
		t.Fatalf("envelope %+v", d)
	}
	if d.Nonce[0] == 0xff && d.Nonce[1] > 0 {
		t.Fatalf("nonce %s is outside the fresh-random range", d.Nonce)
	}
	recv := crypto.Shared(&b, &aPub)
	if plain, err := d.Open(nil, &recv); err != nil || !bytes.Equal(plain, msg) {
		t.Fatalf("open: %v", err)
	}
	wrong := crypto.Shared(&b, &bPub)
	if _, err := d.Open(nil, &wrong); err != ErrOpen {
		t.Fatalf("open with the wrong key: %v", err)
	}
	if want := ProtocolTrafficOverhead + len(h("03 01822c")) + len(msg); len(p1) != want {
		t.Fatalf("size %d, want %d", len(p1), want)
	}
}

func TestProtocolTrafficDecodeErrors(t *testing.T) {
	good := (&ProtocolTraffic{Coords: h("01")}).Encode(nil)
	var p ProtocolTraffic
	if err := p.Decode(good); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(good); n++ {
		if err := p.Decode(good[:n]); err != ErrShortMessage {
			t.Errorf("%d bytes: %v", n, err)
		}
	}
	if err := p.Decode(h("00 00")); err != ErrWrongType {
		t.Errorf("type 0: %v", err)
	}
}

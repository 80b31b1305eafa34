package wire

import (
	"bytes"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

// linkKeys gives both ends' (shared, linkShared) for a link between A and B.
func linkKeys() (aShared, aLink, bShared, bLink crypto.BoxSharedKey) {
	a, b := boxPriv("spec-example-1"), boxPriv("spec-box-B")
	la, lb := boxPriv("spec-link-A"), boxPriv("spec-link-B")
	aPub, bPub, laPub, lbPub := a.Public(), b.Public(), la.Public(), lb.Public()
	return crypto.Shared(&a, &bPub), crypto.Shared(&la, &lbPub), crypto.Shared(&b, &aPub), crypto.Shared(&lb, &laPub)
}

// oneHopSwitchMsg is a signed 135-byte one-hop switch message (spec 01 §3.6).
func oneHopSwitchMsg() []byte {
	r, m := sigKey("spec-sig-B"), sigKey("spec-sig-A")
	mPub := m.Public()
	msg := &SwitchMsg{Root: r.Public(), TStamp: 1600000000}
	msg.AddHop(1, &mPub, &r)
	return msg.Encode(nil)
}

// Spec 01 §5.2: sizes and both layers.
func TestLinkMessageSealOpen(t *testing.T) {
	aShared, aLink, bShared, bLink := linkKeys()
	s := oneHopSwitchMsg()
	if len(s) != 135 {
		t.Fatalf("one-hop switch message is %d bytes", len(s))
	}
	payload := SealLinkMessage(&aShared, &aLink, s)
	if len(payload) != len(s)+82 || len(payload) != len(s)+LinkMessageOverhead || len(payload) != 217 {
		t.Fatalf("payload is %d bytes", len(payload))
	}
	frame := AppendFrame(nil, payload)
	if len(frame) != 223 || !bytes.Equal(frame[:6], h("deadb175 8159")) {
		t.Fatalf("frame %d bytes, starts %x", len(frame), frame[:6])
	}

	// Layer by layer, as the spec describes.
	var outer, inner LinkProtocolTraffic
	if err := outer.Decode(payload); err != nil {
		t.Fatal(err)
	}
	mid, err := outer.Open(nil, &bShared)
	if err != nil {
		t.Fatal(err)
	}
	if err := inner.Decode(mid); err != nil || len(mid) != len(s)+41 {
		t.Fatalf("inner layer: %v, %d bytes", err, len(mid))
	}
	if outer.Nonce == inner.Nonce {
		t.Fatal("both layers use one nonce")
	}
	if plain, err := inner.Open(nil, &bLink); err != nil || !bytes.Equal(plain, s) {
		t.Fatalf("inner open: %v", err)
	}

	got, err := OpenLinkMessage(&bShared, &bLink, payload)
	if err != nil || !bytes.Equal(got, s) {
		t.Fatalf("OpenLinkMessage: %x %v", got, err)
	}
	// Each layer fails alone with the wrong key.
	if _, err := OpenLinkMessage(&bLink, &bLink, payload); err != ErrOpen {
		t.Errorf("wrong outer key: %v", err)
	}
	if _, err := OpenLinkMessage(&bShared, &bShared, payload); err != ErrOpen {
		t.Errorf("wrong inner key: %v", err)
	}
	// Re-sealing with the same nonces reproduces the payload exactly.
	if again := sealLinkMessage(&bShared, &bLink, &outer, &inner, s); !bytes.Equal(again, payload) {
		t.Errorf("re-sealed payload differs")
	}
	if bytes.Equal(payload, SealLinkMessage(&aShared, &aLink, s)) {
		t.Error("two sealings are identical: nonces are not fresh")
	}
}

func TestOpenLinkMessageRejects(t *testing.T) {
	aShared, aLink, bShared, bLink := linkKeys()
	s := oneHopSwitchMsg()
	payload := SealLinkMessage(&aShared, &aLink, s)
	for n := 0; n < len(payload); n++ {
		if _, err := OpenLinkMessage(&bShared, &bLink, payload[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: opened", n)
		}
	}
	for i := range payload {
		bad := bytes.Clone(payload)
		bad[i] ^= 0x01
		if _, err := OpenLinkMessage(&bShared, &bLink, bad); err == nil {
			t.Fatalf("flipped byte %d: opened", i)
		}
	}
	// A middle layer that is not type 2 fails, though the outer box opens.
	var p LinkProtocolTraffic
	p.Nonce = crypto.NewRandomNonce()
	notLink := p.Seal(nil, &aShared, append([]byte{TypeSwitchMsg}, make([]byte, 40)...))
	if _, err := OpenLinkMessage(&bShared, &bLink, notLink); err != ErrWrongType {
		t.Fatalf("inner type 3: %v", err)
	}
	// An empty switch message still round-trips (a zero-length inner box).
	if got, err := OpenLinkMessage(&bShared, &bLink, SealLinkMessage(&aShared, &aLink, nil)); err != nil || len(got) != 0 {
		t.Fatalf("empty message: %x %v", got, err)
	}
}

func TestLinkProtocolTrafficEncoding(t *testing.T) {
	p := LinkProtocolTraffic{Nonce: crypto.BoxNonce(seq(0x20, 24)), Payload: h("aabbcc")}
	want := h("02 202122232425262728292a2b2c2d2e2f3031323334353637 aabbcc")
	if got := p.Encode(nil); !bytes.Equal(got, want) {
		t.Fatalf("encode = %x", got)
	}
	var d LinkProtocolTraffic
	if err := d.Decode(want); err != nil || d.Nonce != p.Nonce || !bytes.Equal(d.Payload, p.Payload) {
		t.Fatalf("decode = %+v, %v", d, err)
	}
	if err := d.Decode(want[:24]); err != ErrShortMessage {
		t.Fatalf("short: %v", err)
	}
	if err := d.Decode(h("03")); err != ErrWrongType {
		t.Fatalf("type 3: %v", err)
	}
}

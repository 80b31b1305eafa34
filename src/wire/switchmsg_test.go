package wire

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

func sigKey(seed string) crypto.SigPrivKey {
	return crypto.SigPrivKeyFromSeed(sha256.Sum256([]byte(seed)))
}

// Spec 01 §3.6 worked example: R (root) -> M -> L.
func TestSwitchMsgSpecExample(t *testing.T) {
	r, m, l := sigKey("spec-sig-B"), sigKey("spec-sig-A"), sigKey("spec-sig-C")
	rPub, mPub, lPub := r.Public(), m.Public(), l.Public()
	msg := &SwitchMsg{Root: rPub, TStamp: 1600000000}
	if got := msg.Clone(); true {
		got.Hops = append(got.Hops, SwitchHop{Port: 1, Next: mPub})
		if sb := got.AppendSigBytes(nil, 0); !bytes.Equal(sb[64:], h("8bf5f0c000 00")) || len(sb) != 70 {
			t.Fatalf("SigBytes(0) = %x", sb)
		}
	}
	msg.AddHop(1, &mPub, &r)
	want1 := h("03 2e63af482e611660b6dc3dbc74a798ba6ffc7bf93f14490364be46db7512ad7b 8bf5f0c000 01" +
		"575d5349416ed43e6b15a592acdfe0c88dabf6cc79610cfaf6fe57a89ddf702e" +
		"7a707c16db09ac6ba2d0bb1050b01a8559e0ec1a2dd6ccf0db05b83b9cd68f53" +
		"eeffc8cb9d200a944ecb10ea347c31fb85f2747ec255e5a777c02c904bd52105")
	if got := msg.Encode(nil); !bytes.Equal(got, want1) {
		t.Fatalf("R->M = %x", got)
	}
	msg.AddHop(3, &lPub, &m)
	if sb := msg.AppendSigBytes(nil, 1); !bytes.Equal(sb[64:], h("8bf5f0c000 01 01")) {
		t.Fatalf("SigBytes(1) = %x", sb)
	}
	want2 := append(append([]byte{}, want1...), h("03 953efcf7466ac9373a2e719601dbbc3fa31643839ef43868eb7a0e1597591826"+
		"06d4c5cc71220407a76bc34c04d3de691e6db4a4ede56b362f7bd47506d58f0f"+
		"a3a3e865e160d19ae70f0b3ca80715077976d3b1e97722c6ecd813370a44d50d")...)
	enc := msg.Encode(nil)
	if !bytes.Equal(enc, want2) || len(enc) != 232 {
		t.Fatalf("M->L = %x", enc)
	}
	var dec SwitchMsg
	if err := dec.Decode(enc); err != nil {
		t.Fatal(err)
	}
	if err := dec.Verify(); err != nil {
		t.Fatal(err)
	}
	if !dec.Coords().Equal(Coords{1, 3}) || *dec.Sender() != mPub {
		t.Fatalf("coords %v sender %s", dec.Coords(), dec.Sender())
	}
	if !bytes.Equal(dec.Encode(nil), enc) {
		t.Fatal("re-encode differs")
	}
	// A changed port of the first hop breaks the second signature only.
	dec.Hops[0].Port = 2
	if err := dec.Verify(); err != ErrBadSignature {
		t.Fatalf("tampered port: %v", err)
	}
	dec.Hops = nil
	if *dec.Sender() != rPub {
		t.Fatal("sender of a message without hops should be its root")
	}
	if err := dec.Verify(); err != ErrNoHops {
		t.Fatalf("no hops: %v", err)
	}
	if err := dec.Decode(enc[:len(enc)-1]); err == nil {
		t.Fatal("truncated hop decoded")
	}
	if err := dec.Decode(enc[:37]); err == nil {
		t.Fatal("truncated root decoded")
	}
}

func FuzzSwitchMsg(f *testing.F) {
	r, m := sigKey("spec-sig-B"), sigKey("spec-sig-A")
	mPub := m.Public()
	msg := &SwitchMsg{Root: r.Public(), TStamp: 1600000000}
	msg.AddHop(1, &mPub, &r)
	f.Add(msg.Encode(nil))
	f.Add([]byte{3})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m SwitchMsg
		if m.Decode(b) != nil {
			return
		}
		_ = m.Verify()
		enc := m.Encode(nil)
		var m2 SwitchMsg
		if err := m2.Decode(enc); err != nil || len(m2.Hops) != len(m.Hops) || m2.TStamp != m.TStamp {
			t.Fatalf("round trip failed: %v", err)
		}
	})
}

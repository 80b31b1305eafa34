package crypto

import (
	"testing"
)

func TestSharerMatchesShared(t *testing.T) {
	_, priv := NewBoxKeys()
	s := NewSharer(&priv)
	for range 50 {
		pub, _ := NewBoxKeys()
		if got, want := s.Shared(&pub), Shared(&priv, &pub); got != want {
			t.Fatalf("Sharer %x, Shared %x", got, want)
		}
	}
	// Low-order points: the exchange gives zeros either way.
	var zero, one BoxPubKey
	one[0] = 1
	for _, pub := range []BoxPubKey{zero, one} {
		if got, want := s.Shared(&pub), Shared(&priv, &pub); got != want {
			t.Fatalf("low-order %x: Sharer %x, Shared %x", pub, got, want)
		}
	}
}

func TestVerifyCached(t *testing.T) {
	pub, priv := NewSigKeys()
	msg := []byte("switch message hop")
	sig := Sign(&priv, msg)
	for range 3 {
		if !VerifyCached(&pub, msg, &sig) {
			t.Fatal("good signature refused")
		}
	}
	// A cached good signature must not vouch for anything else.
	bad := sig
	bad[0] ^= 1
	if VerifyCached(&pub, msg, &bad) {
		t.Fatal("bad signature accepted")
	}
	if VerifyCached(&pub, []byte("switch message hoq"), &sig) {
		t.Fatal("signature accepted for another message")
	}
	other, _ := NewSigKeys()
	if VerifyCached(&other, msg, &sig) {
		t.Fatal("signature accepted for another key")
	}
}

func BenchmarkShared(b *testing.B) {
	_, priv := NewBoxKeys()
	pub, _ := NewBoxKeys()
	s := NewSharer(&priv)
	b.Run("Shared", func(b *testing.B) {
		for b.Loop() {
			Shared(&priv, &pub)
		}
	})
	b.Run("Sharer", func(b *testing.B) {
		for b.Loop() {
			s.Shared(&pub)
		}
	})
}

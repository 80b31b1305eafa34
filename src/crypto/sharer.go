package crypto

import (
	"crypto/ecdh"

	"golang.org/x/crypto/salsa20/salsa"
)

// Sharer computes Shared for one private key (the node's permanent key).
// crypto/ecdh derives the public key each time a private key is loaded,
// one scalar multiplication as costly as the exchange itself; a Sharer
// loads its key once, halving the cost of every shared key.
type Sharer struct {
	priv *ecdh.PrivateKey
}

// NewSharer prepares priv for Shared.
func NewSharer(priv *BoxPrivKey) *Sharer {
	k, err := ecdh.X25519().NewPrivateKey(priv[:])
	if err != nil {
		panic("crypto: X25519 key: " + err.Error())
	}
	return &Sharer{priv: k}
}

// Shared is Shared(priv, pub) for the Sharer's priv, the same bytes in
// every case, a low-order pub included (its exchange gives zeros, as the
// reference's does).
func (s *Sharer) Shared(pub *BoxPubKey) BoxSharedKey {
	var x [32]byte
	if p, err := ecdh.X25519().NewPublicKey(pub[:]); err == nil {
		if out, err := s.priv.ECDH(p); err == nil {
			copy(x[:], out)
		}
	}
	var zeros [16]byte
	salsa.HSalsa20(&x, &zeros, &x, &salsa.Sigma)
	return BoxSharedKey(x)
}

// String never shows the key.
func (s *Sharer) String() string { return redacted }

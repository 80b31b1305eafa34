package hostiletest

import (
	crand "crypto/rand"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"sync"

	"github.com/yggmesh/ygg/src/crypto"
)

// BoxKeyPair is one curve25519 key pair: a permanent key of the kit, a
// made-up node's key, or a session key. The private half never prints.
type BoxKeyPair struct {
	Pub  crypto.BoxPubKey
	Priv crypto.BoxPrivKey
}

// Identity is a peer's permanent key pairs. It has the same fields as
// core.Identity, so a test may convert one into the other.
type Identity struct {
	BoxPub  crypto.BoxPubKey
	BoxPriv crypto.BoxPrivKey
	SigPub  crypto.SigPubKey
	SigPriv crypto.SigPrivKey
}

// Box returns the identity's box key pair.
func (id Identity) Box() BoxKeyPair { return BoxKeyPair{Pub: id.BoxPub, Priv: id.BoxPriv} }

// NewIdentity makes fresh random keys.
func NewIdentity() Identity { return RandomKeys().Identity() }

// KeySource draws keys, handles, nonces and bytes, either from the
// system's random source or, for tests that must repeat, from a seeded
// stream. It is safe for concurrent use; a seeded source gives the same
// sequence only when its calls come in the same order.
type KeySource struct {
	mu sync.Mutex
	r  io.Reader
}

// RandomKeys is a source backed by crypto/rand.
func RandomKeys() *KeySource { return &KeySource{r: crand.Reader} }

// SeededKeys is a deterministic source: the same seed gives the same keys.
func SeededKeys(seed uint64) *KeySource {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	copy(s[8:], "hostiletest seed")
	return &KeySource{r: rand.NewChaCha8(s)}
}

// Read fills b. It never fails: the sources it wraps do not.
func (s *KeySource) Read(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := io.ReadFull(s.r, b); err != nil {
		panic("hostiletest: random source failed: " + err.Error())
	}
	return len(b), nil
}

// Bytes returns n fresh bytes.
func (s *KeySource) Bytes(n int) []byte {
	b := make([]byte, n)
	_, _ = s.Read(b)
	return b
}

// Uint64 returns a fresh number.
func (s *KeySource) Uint64() uint64 { return binary.LittleEndian.Uint64(s.Bytes(8)) }

// BoxKeyPair makes a fresh box key pair.
func (s *KeySource) BoxKeyPair() BoxKeyPair {
	var kp BoxKeyPair
	_, _ = s.Read(kp.Priv[:])
	kp.Pub = kp.Priv.Public()
	return kp
}

// BoxKeyPairs makes n fresh box key pairs.
func (s *KeySource) BoxKeyPairs(n int) []BoxKeyPair {
	out := make([]BoxKeyPair, n)
	for i := range out {
		out[i] = s.BoxKeyPair()
	}
	return out
}

// SigKeys makes a fresh ed25519 key pair.
func (s *KeySource) SigKeys() (crypto.SigPubKey, crypto.SigPrivKey) {
	var seed [32]byte
	_, _ = s.Read(seed[:])
	priv := crypto.SigPrivKeyFromSeed(seed)
	return priv.Public(), priv
}

// Identity makes fresh permanent keys.
func (s *KeySource) Identity() Identity {
	box := s.BoxKeyPair()
	id := Identity{BoxPub: box.Pub, BoxPriv: box.Priv}
	id.SigPub, id.SigPriv = s.SigKeys()
	return id
}

// IdentityBetterThan makes an identity whose signing key would be chosen
// as root over every key in others (a higher TreeID, spec 01 §1.5). Each
// draw beats one given key with probability one half, so a handful of
// keys costs a few dozen draws.
func (s *KeySource) IdentityBetterThan(others ...crypto.SigPubKey) Identity {
	id := s.Identity()
	for !beatsAll(&id.SigPub, others) {
		id.SigPub, id.SigPriv = s.SigKeys()
	}
	return id
}

func beatsAll(k *crypto.SigPubKey, others []crypto.SigPubKey) bool {
	for i := range others {
		if !k.Better(&others[i]) {
			return false
		}
	}
	return true
}

// Handle makes a fresh session handle.
func (s *KeySource) Handle() crypto.Handle {
	var h crypto.Handle
	_, _ = s.Read(h[:])
	return h
}

// Nonce makes a fresh nonce, stepped once as random-nonce sealing does
// (spec 01 §1.4).
func (s *KeySource) Nonce() crypto.BoxNonce {
	var n crypto.BoxNonce
	for {
		_, _ = s.Read(n[:])
		if n[0] != 0xff {
			n.Increment()
			return n
		}
	}
}

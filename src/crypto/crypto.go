// Package crypto holds the key types and primitives of the Yggdrasil v0.3
// wire protocol: curve25519 boxes (NaCl crypto_box, tag first), ed25519
// signatures, NodeID/TreeID hashes, session handles and 24-byte nonces.
//
// Private key types never print their contents: String, GoString and the
// fmt verbs all give a fixed placeholder. Use Hex to write one to a config.
package crypto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"

	"golang.org/x/crypto/nacl/box"
	"golang.org/x/crypto/nacl/secretbox"
)

// Sizes of the fixed-length protocol values, in bytes.
const (
	BoxPubKeyLen    = 32
	BoxPrivKeyLen   = 32
	BoxSharedKeyLen = 32
	BoxNonceLen     = 24
	BoxOverhead     = box.Overhead
	SigPubKeyLen    = ed25519.PublicKeySize
	SigPrivKeyLen   = ed25519.PrivateKeySize
	SigLen          = ed25519.SignatureSize
	NodeIDLen       = sha512.Size
	TreeIDLen       = sha512.Size
	HandleLen       = 8
)

// BoxPubKey is a curve25519 public key ("EncryptionPublicKey").
type BoxPubKey [BoxPubKeyLen]byte

// BoxPrivKey is a curve25519 private key, stored unclamped as generated.
type BoxPrivKey [BoxPrivKeyLen]byte

// BoxSharedKey is a precomputed NaCl box key (crypto_box_beforenm).
type BoxSharedKey [BoxSharedKeyLen]byte

// BoxNonce is a 24-byte nonce, read as a big-endian 192-bit integer.
type BoxNonce [BoxNonceLen]byte

// SigPubKey is an ed25519 public key ("SigningPublicKey").
type SigPubKey [SigPubKeyLen]byte

// SigPrivKey is an ed25519 private key in the seed||public layout.
type SigPrivKey [SigPrivKeyLen]byte

// Sig is an ed25519 signature.
type Sig [SigLen]byte

// NodeID is SHA-512 of a box public key; it names nodes and yields addresses.
type NodeID [NodeIDLen]byte

// TreeID is SHA-512 of a signing public key; it decides the spanning-tree root.
type TreeID [TreeIDLen]byte

// Handle is a random session identifier chosen by the receiving side.
type Handle [HandleLen]byte

const redacted = "[private key redacted]"

// NewBoxKeys makes a fresh random curve25519 key pair.
func NewBoxKeys() (BoxPubKey, BoxPrivKey) { return NewBoxKeysFrom(rand.Reader) }

// NewBoxKeysFrom makes a key pair from r's bytes (a simulator's seeded
// source gives the same keys for the same seed).
func NewBoxKeysFrom(r io.Reader) (BoxPubKey, BoxPrivKey) {
	pub, priv, err := box.GenerateKey(r)
	if err != nil {
		panic("crypto: random source failed: " + err.Error())
	}
	return BoxPubKey(*pub), BoxPrivKey(*priv)
}

// Public derives the public key from a box private key.
func (k *BoxPrivKey) Public() BoxPubKey {
	var pub [32]byte
	priv := [32]byte(*k)
	curve25519ScalarBaseMult(&pub, &priv)
	return BoxPubKey(pub)
}

// Shared computes the precomputed key for our private key and their public key.
// It is symmetric: Shared(a, B) == Shared(b, A). Like the reference it does not
// reject low-order points.
func Shared(priv *BoxPrivKey, pub *BoxPubKey) BoxSharedKey {
	var out [32]byte
	box.Precompute(&out, (*[32]byte)(pub), (*[32]byte)(priv))
	return BoxSharedKey(out)
}

// Seal encrypts msg, appending tag||ciphertext to dst.
func Seal(dst []byte, shared *BoxSharedKey, nonce *BoxNonce, msg []byte) []byte {
	return secretbox.Seal(dst, msg, (*[24]byte)(nonce), (*[32]byte)(shared))
}

// Open authenticates and decrypts boxed (tag||ciphertext), appending the
// plaintext to dst. ok is false when the tag does not match.
func Open(dst []byte, shared *BoxSharedKey, nonce *BoxNonce, boxed []byte) (out []byte, ok bool) {
	return secretbox.Open(dst, boxed, (*[24]byte)(nonce), (*[32]byte)(shared))
}

// NewSigKeys makes a fresh random ed25519 key pair.
func NewSigKeys() (SigPubKey, SigPrivKey) { return NewSigKeysFrom(rand.Reader) }

// NewSigKeysFrom makes a key pair from r's bytes.
func NewSigKeysFrom(r io.Reader) (SigPubKey, SigPrivKey) {
	pub, priv, err := ed25519.GenerateKey(r)
	if err != nil {
		panic("crypto: random source failed: " + err.Error())
	}
	return SigPubKey(pub), SigPrivKey(priv)
}

// Public returns the public half stored in bytes 32..63 of the private key.
func (k *SigPrivKey) Public() SigPubKey {
	var pub SigPubKey
	copy(pub[:], k[32:])
	return pub
}

// DerivedPublic recomputes the public key from the seed (bytes 0..31). It
// differs from Public when a config holds an inconsistent key.
func (k *SigPrivKey) DerivedPublic() SigPubKey {
	priv := ed25519.NewKeyFromSeed(k[:32])
	var pub SigPubKey
	copy(pub[:], priv[32:])
	return pub
}

// Sign signs msg with pure ed25519.
func Sign(priv *SigPrivKey, msg []byte) Sig {
	return Sig(ed25519.Sign(ed25519.PrivateKey(priv[:]), msg))
}

// Verify checks an ed25519 signature.
func Verify(pub *SigPubKey, msg []byte, sig *Sig) bool {
	return ed25519.Verify(ed25519.PublicKey(pub[:]), msg, sig[:])
}

// NodeID returns SHA-512 of the key.
func (k *BoxPubKey) NodeID() NodeID { return sha512.Sum512(k[:]) }

// TreeID returns SHA-512 of the key.
func (k *SigPubKey) TreeID() TreeID { return sha512.Sum512(k[:]) }

// Less reports whether a is bytewise smaller than b. Session nonce parity
// depends on this ordering of the permanent box keys.
func (k *BoxPubKey) Less(other *BoxPubKey) bool { return bytes.Compare(k[:], other[:]) < 0 }

// Better reports whether root candidate k beats other: the higher TreeID wins,
// ties are not better.
func (k *SigPubKey) Better(other *SigPubKey) bool {
	a, b := k.TreeID(), other.TreeID()
	return bytes.Compare(a[:], b[:]) > 0
}

// NewHandle draws a random session handle.
func NewHandle() Handle { return NewHandleFrom(rand.Reader) }

// NewHandleFrom draws a session handle from r.
func NewHandleFrom(r io.Reader) Handle {
	var h Handle
	mustReadFrom(r, h[:])
	return h
}

// NewRandomNonce draws a nonce for random-nonce sealing, redrawn while the
// first byte is 0xff so the +2 steps cannot wrap in practice.
func NewRandomNonce() BoxNonce {
	var n BoxNonce
	for {
		mustRead(n[:])
		if n[0] != 0xff {
			return n
		}
	}
}

// Increment adds 2 modulo 2^192, big-endian with carry.
func (n *BoxNonce) Increment() {
	carry := uint16(2)
	for i := len(n) - 1; i >= 0 && carry != 0; i-- {
		sum := uint16(n[i]) + carry
		n[i] = byte(sum)
		carry = sum >> 8
	}
}

// Minus returns n − m as signed 192-bit integers, clamped to [−64, 64].
// Sessions accept a packet only when its nonce minus the newest accepted one
// is positive.
func (n *BoxNonce) Minus(m *BoxNonce) int64 {
	diff := int64(0)
	for i := range n {
		diff *= 256
		diff += int64(n[i]) - int64(m[i])
		if diff > 64 {
			diff = 64
		}
		if diff < -64 {
			diff = -64
		}
	}
	return diff
}

func mustRead(b []byte) { mustReadFrom(rand.Reader, b) }

func mustReadFrom(r io.Reader, b []byte) {
	if _, err := io.ReadFull(r, b); err != nil {
		panic("crypto: random source failed: " + err.Error())
	}
}

// String gives lower-case hex, the form used in configs and admin output.
func (k BoxPubKey) String() string { return hex.EncodeToString(k[:]) }

// String gives lower-case hex.
func (k SigPubKey) String() string { return hex.EncodeToString(k[:]) }

// String gives lower-case hex.
func (id NodeID) String() string { return hex.EncodeToString(id[:]) }

// String gives lower-case hex.
func (id TreeID) String() string { return hex.EncodeToString(id[:]) }

// String gives lower-case hex.
func (h Handle) String() string { return hex.EncodeToString(h[:]) }

// String gives lower-case hex.
func (n BoxNonce) String() string { return hex.EncodeToString(n[:]) }

// String never shows the key.
func (k BoxPrivKey) String() string { return redacted }

// GoString never shows the key.
func (k BoxPrivKey) GoString() string { return redacted }

// Format never shows the key, whatever the verb.
func (k BoxPrivKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// Hex returns the key as hex, for writing a config file only.
func (k *BoxPrivKey) Hex() string { return hex.EncodeToString(k[:]) }

// String never shows the key.
func (k SigPrivKey) String() string { return redacted }

// GoString never shows the key.
func (k SigPrivKey) GoString() string { return redacted }

// Format never shows the key, whatever the verb.
func (k SigPrivKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// Hex returns the key as hex, for writing a config file only.
func (k *SigPrivKey) Hex() string { return hex.EncodeToString(k[:]) }

// String never shows the key: a shared key opens traffic as well as a private one.
func (k BoxSharedKey) String() string { return redacted }

// GoString never shows the key.
func (k BoxSharedKey) GoString() string { return redacted }

// Format never shows the key, whatever the verb.
func (k BoxSharedKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// SigPrivKeyFromSeed expands a 32-byte ed25519 seed into a private key.
func SigPrivKeyFromSeed(seed [32]byte) SigPrivKey {
	return SigPrivKey(ed25519.NewKeyFromSeed(seed[:]))
}

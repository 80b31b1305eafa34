package crypto

import (
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/curve25519"
)

func curve25519ScalarBaseMult(dst, scalar *[32]byte) {
	out, err := curve25519.X25519(scalar[:], curve25519.Basepoint)
	if err != nil {
		// X25519 with the base point cannot produce the all-zero output.
		panic("crypto: " + err.Error())
	}
	copy(dst[:], out)
}

// decodeHexExact decodes s into dst, requiring exactly len(dst) bytes.
func decodeHexExact(dst []byte, s, what string) error {
	b, err := hex.DecodeString(s)
	if err != nil {
		return fmt.Errorf("%s is not valid hex: %w", what, err)
	}
	if len(b) != len(dst) {
		return fmt.Errorf("%s has %d bytes, want %d", what, len(b), len(dst))
	}
	copy(dst, b)
	return nil
}

// ParseBoxPubKey decodes a 64-character hex curve25519 public key.
func ParseBoxPubKey(s string) (k BoxPubKey, err error) {
	err = decodeHexExact(k[:], s, "box public key")
	return
}

// ParseBoxPrivKey decodes a 64-character hex curve25519 private key.
func ParseBoxPrivKey(s string) (k BoxPrivKey, err error) {
	err = decodeHexExact(k[:], s, "box private key")
	return
}

// ParseSigPubKey decodes a 64-character hex ed25519 public key.
func ParseSigPubKey(s string) (k SigPubKey, err error) {
	err = decodeHexExact(k[:], s, "signing public key")
	return
}

// ParseSigPrivKey decodes a 128-character hex ed25519 private key.
func ParseSigPrivKey(s string) (k SigPrivKey, err error) {
	err = decodeHexExact(k[:], s, "signing private key")
	return
}

// ParseNodeID decodes a 128-character hex NodeID.
func ParseNodeID(s string) (id NodeID, err error) {
	err = decodeHexExact(id[:], s, "node ID")
	return
}

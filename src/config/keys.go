package config

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/yggmesh/ygg/src/crypto"
)

// Keys are the node's key pairs, parsed from the config and checked against
// each other. Printing a Keys value never shows the private keys (the crypto
// types redact themselves).
type Keys struct {
	BoxPub  crypto.BoxPubKey  // EncryptionPublicKey
	BoxPriv crypto.BoxPrivKey // EncryptionPrivateKey
	SigPub  crypto.SigPubKey  // SigningPublicKey
	SigPriv crypto.SigPrivKey // SigningPrivateKey (seed then public key)
}

// Keys parses and checks the four key fields. It is a step of its own, run
// when a node starts and by -address/-subnet, because loading a file does no
// validation (spec 03 §1.5, step 6).
//
// This is deliberately stricter than v0.3.16, which accepts over-long
// private keys, only warns when a public key does not match its private key
// and panics on bad hex: here each field must be valid hex of exactly the
// right length, EncryptionPublicKey must be derived from
// EncryptionPrivateKey, SigningPrivateKey's public half must be derived from
// its seed, and SigningPublicKey must equal that half. A mismatched config
// would otherwise give the node an address other than the one -address
// prints. Errors name the field and never contain private key material.
func (c *NodeConfig) Keys() (Keys, error) {
	var k Keys
	if err := decodeKey(k.BoxPriv[:], c.EncryptionPrivateKey, "EncryptionPrivateKey"); err != nil {
		return Keys{}, err
	}
	if err := decodeKey(k.BoxPub[:], c.EncryptionPublicKey, "EncryptionPublicKey"); err != nil {
		return Keys{}, err
	}
	if err := decodeKey(k.SigPriv[:], c.SigningPrivateKey, "SigningPrivateKey"); err != nil {
		return Keys{}, err
	}
	if err := decodeKey(k.SigPub[:], c.SigningPublicKey, "SigningPublicKey"); err != nil {
		return Keys{}, err
	}
	if want := k.BoxPriv.Public(); want != k.BoxPub {
		return Keys{}, fmt.Errorf("config: EncryptionPublicKey does not belong to EncryptionPrivateKey, which gives %s", want)
	}
	if want := k.SigPriv.DerivedPublic(); want != k.SigPriv.Public() {
		return Keys{}, fmt.Errorf("config: SigningPrivateKey is inconsistent: its last 32 bytes are not the public key of its seed, which is %s", want)
	}
	if want := k.SigPriv.Public(); want != k.SigPub {
		return Keys{}, fmt.Errorf("config: SigningPublicKey does not belong to SigningPrivateKey, which gives %s", want)
	}
	return k, nil
}

// decodeKey decodes hex of exactly len(dst) bytes. Its errors say where the
// text is wrong but never quote it, since it may be a private key.
func decodeKey(dst []byte, s, field string) error {
	if i := strings.IndexFunc(s, func(r rune) bool { return !isHexDigit(r) }); i >= 0 {
		return fmt.Errorf("config: %s is not valid hex (bad character at offset %d)", field, i)
	}
	if len(s)%2 != 0 {
		return fmt.Errorf("config: %s is not valid hex (odd number of digits)", field)
	}
	if len(s)/2 != len(dst) {
		return fmt.Errorf("config: %s has %d bytes, must be exactly %d", field, len(s)/2, len(dst))
	}
	_, err := hex.Decode(dst, []byte(s))
	return err // nil: the text was checked above
}

func isHexDigit(r rune) bool {
	return '0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F'
}

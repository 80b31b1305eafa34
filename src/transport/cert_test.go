package transport

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
)

func testSigKey(t testing.TB, seed string) crypto.SigPrivKey {
	s := sha256.Sum256([]byte(seed))
	var k crypto.SigPrivKey
	copy(k[:], ed25519.NewKeyFromSeed(s[:]))
	return k
}

// checkNodeCert checks every certificate field spec 01 §4.5 fixes.
func checkNodeCert(t *testing.T, c *x509.Certificate, pub crypto.SigPubKey, start time.Time) {
	t.Helper()
	if c.SerialNumber.Cmp(big.NewInt(1)) != 0 {
		t.Errorf("serial %v, want 1", c.SerialNumber)
	}
	if c.Subject.CommonName != hex.EncodeToString(pub[:]) {
		t.Errorf("CN %q, want %x", c.Subject.CommonName, pub)
	}
	if c.Issuer.CommonName != c.Subject.CommonName {
		t.Errorf("issuer %q, not self-signed", c.Issuer.CommonName)
	}
	if !c.NotBefore.Equal(start.Truncate(time.Second)) {
		t.Errorf("NotBefore %v, want %v", c.NotBefore, start)
	}
	if d := c.NotAfter.Sub(c.NotBefore); d != 365*24*time.Hour {
		t.Errorf("validity %v, want 365 days", d)
	}
	if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment {
		t.Errorf("key usage %b", c.KeyUsage)
	}
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("ext key usage %v", c.ExtKeyUsage)
	}
	if !c.BasicConstraintsValid || c.IsCA {
		t.Errorf("basic constraints valid=%v CA=%v", c.BasicConstraintsValid, c.IsCA)
	}
	if c.SignatureAlgorithm != x509.PureEd25519 {
		t.Errorf("signature algorithm %v", c.SignatureAlgorithm)
	}
	if pk, ok := c.PublicKey.(ed25519.PublicKey); !ok || !bytes.Equal(pk, pub[:]) {
		t.Errorf("public key %v, want %x", c.PublicKey, pub)
	}
	if err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
		t.Errorf("self signature: %v", err)
	}
}

func TestNewCertificate(t *testing.T) {
	priv := testSigKey(t, "cert")
	start := time.Date(2021, 3, 4, 5, 6, 7, 890, time.UTC)
	cert, err := NewCertificate(&priv, start)
	if err != nil {
		t.Fatal(err)
	}
	if len(cert.Certificate) != 1 {
		t.Fatalf("%d certificates in chain", len(cert.Certificate))
	}
	parsed, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	checkNodeCert(t, parsed, priv.Public(), start)
	if !bytes.Equal(cert.Leaf.Raw, parsed.Raw) {
		t.Error("Leaf differs from the encoded certificate")
	}
	// Ed25519 signing is deterministic, so the same key and time give the
	// same certificate; a restart with a new time gives a new one.
	again, _ := NewCertificate(&priv, start)
	later, _ := NewCertificate(&priv, start.Add(time.Hour))
	if !bytes.Equal(again.Certificate[0], cert.Certificate[0]) || bytes.Equal(later.Certificate[0], cert.Certificate[0]) {
		t.Error("certificate is not a function of key and time")
	}
}

func TestNewCertificateInconsistentKey(t *testing.T) {
	priv := testSigKey(t, "cert")
	priv[40] ^= 1 // public half no longer matches the seed
	_, err := NewCertificate(&priv, time.Now())
	if err == nil {
		t.Fatal("certificate made from an inconsistent key")
	}
	if strings.Contains(err.Error(), priv.Hex()[:16]) {
		t.Errorf("error shows the private key: %v", err)
	}
}

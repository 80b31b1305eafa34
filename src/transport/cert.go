package transport

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
)

// CertValidity is how long a node certificate claims to be valid. Nobody
// checks it (peers skip verification); it only has to look sane.
const CertValidity = 365 * 24 * time.Hour

// NewCertificate makes the node's self-signed TLS certificate (spec 01
// §4.5): signed with the Ed25519 signing key, serial 1, CN = hex of the
// signing public key, valid from now for CertValidity, a non-CA server
// certificate. It fails if the key's public half does not match its seed.
func NewCertificate(sigPriv *crypto.SigPrivKey, now time.Time) (tls.Certificate, error) {
	priv := ed25519.PrivateKey(append([]byte(nil), sigPriv[:]...))
	pub := sigPriv.Public()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: hex.EncodeToString(pub[:])},
		NotBefore:             now,
		NotAfter:              now.Add(CertValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  false,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, ed25519.PublicKey(pub[:]), priv)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("creating TLS certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("parsing TLS certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv, Leaf: leaf}, nil
}

// clientTLSConfig is the dialling side of §4.5. Peer authentication happens
// in the metadata and link crypto, not in TLS, and reference peers present
// self-signed certificates, so verification is deliberately off. No SNI
// (ServerName stays empty) and no ALPN are sent.
func clientTLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		InsecureSkipVerify: true, // see above: TLS only hides the traffic
	}
}

// serverTLSConfig is the listening side of §4.5: no client certificate is
// requested.
func serverTLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.NoClientCert,
	}
}

package transport

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/yggmesh/ygg/src/crypto"
)

// Peer URI schemes.
const (
	SchemeTCP   = "tcp"
	SchemeTLS   = "tls"
	SchemeSOCKS = "socks"
)

// PeerURI is a parsed outbound peer URI:
// tcp://HOST:PORT, tls://HOST:PORT or
// socks://[USER[:PASS]@]PROXYHOST:PROXYPORT/PEERHOST:PEERPORT, each optionally
// followed by repeatable ?curve25519=HEX and ed25519=HEX key pins.
type PeerURI struct {
	Scheme    string             // SchemeTCP, SchemeTLS or SchemeSOCKS
	Host      string             // HOST:PORT of the peer; for socks, the CONNECT target
	ProxyHost string             // socks only: PROXYHOST:PROXYPORT
	ProxyUser string             // socks only: when set, username/password auth is offered
	ProxyPass string             // socks only; never printed by String
	PinnedBox []crypto.BoxPubKey // if non-empty, the peer's box key must be one of these
	PinnedSig []crypto.SigPubKey // if non-empty, the peer's sig key must be one of these
	Raw       string             // the URI exactly as given, for config bookkeeping
}

// ParsePeerURI parses a peer URI. An unknown scheme gives the error
// "unknown call scheme: X" that the reference logs. Pins that are not valid
// hex are ignored, as in the reference; valid hex of the wrong length is an
// error, because silently dropping a pin would accept any key.
func ParsePeerURI(s string) (PeerURI, error) {
	u, err := url.Parse(s)
	if err != nil {
		// The url.Error text repeats the whole input, which may hold a proxy
		// password, so only the underlying reason is kept.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return PeerURI{}, fmt.Errorf("malformed peer URI: %w", err)
	}
	p := PeerURI{Scheme: u.Scheme, Raw: s}
	switch u.Scheme {
	case "":
		return PeerURI{}, errors.New("malformed peer URI: missing scheme")
	case SchemeTCP, SchemeTLS:
		if u.User != nil {
			return PeerURI{}, fmt.Errorf("malformed peer URI: user info is only allowed on socks URIs")
		}
		if u.Path != "" && u.Path != "/" {
			return PeerURI{}, fmt.Errorf("malformed peer URI: unexpected path %q", u.Path)
		}
		p.Host = u.Host
	case SchemeSOCKS:
		p.ProxyHost = u.Host
		// The peer is the one path segment; a trailing slash is tolerated.
		p.Host = strings.TrimSuffix(strings.TrimPrefix(u.Path, "/"), "/")
		if strings.Contains(p.Host, "/") {
			return PeerURI{}, fmt.Errorf("malformed peer URI: unexpected path %q", u.Path)
		}
		if u.User != nil {
			p.ProxyUser = u.User.Username()
			p.ProxyPass, _ = u.User.Password()
			if p.ProxyUser == "" {
				return PeerURI{}, errors.New("malformed peer URI: empty SOCKS username")
			}
		}
		if err := checkHostPort(p.ProxyHost, "proxy"); err != nil {
			return PeerURI{}, err
		}
	default:
		return PeerURI{}, fmt.Errorf("unknown call scheme: %s", u.Scheme)
	}
	if err := checkHostPort(p.Host, "peer"); err != nil {
		return PeerURI{}, err
	}
	if err := p.parsePins(u.RawQuery); err != nil {
		return PeerURI{}, err
	}
	return p, nil
}

// checkHostPort requires a non-empty host and a decimal port.
func checkHostPort(hostport, what string) error {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return fmt.Errorf("malformed peer URI: %s address %q: %w", what, hostport, err)
	}
	if host == "" {
		return fmt.Errorf("malformed peer URI: %s address %q has no host", what, hostport)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return fmt.Errorf("malformed peer URI: %s address %q has a bad port", what, hostport)
	}
	return nil
}

func (p *PeerURI) parsePins(rawQuery string) error {
	// A malformed query still yields the pairs that did parse, like the
	// reference's url.Query().
	q, _ := url.ParseQuery(rawQuery)
	for _, s := range q["curve25519"] {
		b, err := hex.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != crypto.BoxPubKeyLen {
			return fmt.Errorf("malformed peer URI: pinned curve25519 key has %d bytes, want %d", len(b), crypto.BoxPubKeyLen)
		}
		p.PinnedBox = append(p.PinnedBox, crypto.BoxPubKey(b))
	}
	for _, s := range q["ed25519"] {
		b, err := hex.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != crypto.SigPubKeyLen {
			return fmt.Errorf("malformed peer URI: pinned ed25519 key has %d bytes, want %d", len(b), crypto.SigPubKeyLen)
		}
		p.PinnedSig = append(p.PinnedSig, crypto.SigPubKey(b))
	}
	return nil
}

// CallName is the de-duplication name of a call (spec 01 §4.2): HOST:PORT
// of the peer, or "<TCP|TLS>/HOST:PORT/<iface>" for a call bound to an
// interface. tcp:// and tls:// to the same target share a name when unbound,
// as in the reference.
func (u PeerURI) CallName(iface string) string {
	if iface == "" {
		return u.Host
	}
	return strings.ToUpper(u.Scheme) + "/" + u.Host + "/" + iface
}

// AllowsBox reports whether the box key passes the curve25519 pins
// (spec 01 §4.8 check 2); no pins allow every key.
func (u PeerURI) AllowsBox(k crypto.BoxPubKey) bool {
	return len(u.PinnedBox) == 0 || slices.Contains(u.PinnedBox, k)
}

// AllowsSig reports whether the signing key passes the ed25519 pins
// (spec 01 §4.8 check 3); no pins allow every key.
func (u PeerURI) AllowsSig(k crypto.SigPubKey) bool {
	return len(u.PinnedSig) == 0 || slices.Contains(u.PinnedSig, k)
}

// String gives the URI with any proxy password masked, so a PeerURI can be
// logged safely.
func (u PeerURI) String() string {
	if u.ProxyPass == "" {
		return u.Raw
	}
	if pu, err := url.Parse(u.Raw); err == nil {
		return pu.Redacted()
	}
	return u.Scheme + "://[redacted]"
}

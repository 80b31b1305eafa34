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
// "unknown call scheme: X" that the reference logs. A key pin must be a
// valid hex key of the right length: the reference ignores pins that are
// not hex, but dropping a pin would accept any key.
//
// Error texts never contain a proxy password. A password holding '/', '?'
// or '#' unescaped ends the authority early and spills into the host, path
// or query, so an '@' anywhere but before the proxy address is refused, and
// the error for a URI that does not parse quotes none of it if it has an
// '@'.
func ParsePeerURI(s string) (PeerURI, error) {
	u, err := url.Parse(s)
	if err != nil {
		return PeerURI{}, parseError(s, err)
	}
	if strings.Contains(u.Host+u.Opaque+u.Path+u.RawQuery+u.Fragment, "@") {
		return PeerURI{}, errors.New("malformed peer URI: '@' is only allowed before a SOCKS proxy address" +
			" (escape '/', '?', '#' and '@' in a proxy password)")
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

// parseError reports a URI that url.Parse refused. The url.Error text
// repeats the whole input, so only the underlying reason is kept, and not
// even that when the input has an '@': the reason may quote a piece of a
// password that spilled out of the user info.
func parseError(s string, err error) error {
	if strings.Contains(s, "@") {
		return errors.New("malformed peer URI: not a valid URI (details left out: it may hold a password)")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("malformed peer URI: %w", err)
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

// parsePins reads the curve25519 and ed25519 key pins from the query. Each
// must be hex of the key's length; any flaw in a pin, including an escape
// the query parser would skip, is an error, since a pin that is dropped
// lets any key through. Other parameters are ignored, well formed or not,
// as the reference does. Pairs are split at '&' and ';', as the Go the
// reference was built with did.
func (p *PeerURI) parsePins(rawQuery string) error {
	for _, pair := range strings.FieldsFunc(rawQuery, func(r rune) bool { return r == '&' || r == ';' }) {
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			key = rawKey
		}
		switch key {
		case "curve25519":
			k, err := parsePin(rawValue, key, crypto.BoxPubKeyLen)
			if err != nil {
				return err
			}
			p.PinnedBox = append(p.PinnedBox, crypto.BoxPubKey(k))
		case "ed25519":
			k, err := parsePin(rawValue, key, crypto.SigPubKeyLen)
			if err != nil {
				return err
			}
			p.PinnedSig = append(p.PinnedSig, crypto.SigPubKey(k))
		}
	}
	return nil
}

// parsePin decodes one pinned key of want bytes. The error names the
// parameter but does not quote the value.
func parsePin(rawValue, param string, want int) ([]byte, error) {
	value, err := url.QueryUnescape(rawValue)
	if err != nil {
		return nil, fmt.Errorf("malformed peer URI: %s pin is not valid hex (bad %% escape)", param)
	}
	b, err := hex.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("malformed peer URI: %s pin is not valid hex", param)
	}
	if len(b) != want {
		return nil, fmt.Errorf("malformed peer URI: pinned %s key has %d bytes, want %d", param, len(b), want)
	}
	return b, nil
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

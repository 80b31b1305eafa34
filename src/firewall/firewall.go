// Package firewall decides whether a new session with a remote node may be
// created, following the SessionFirewall section of the config (spec 03 §3.9
// and §2.5).
//
// A Rules value is built once from a config section and never changes, so
// any number of sessions and searches may consult it at the same time without
// locking. A config reload builds a new Rules and swaps it in; sessions that
// already exist are never re-checked, as in the reference.
package firewall

import (
	"encoding/hex"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/crypto"
)

// Rules is an immutable session firewall. The nil *Rules allows every session,
// like a firewall whose Enable is false.
type Rules struct {
	enable              bool
	allowFromDirect     bool
	allowFromRemote     bool
	alwaysAllowOutbound bool
	whitelist           map[crypto.BoxPubKey]struct{}
	blacklist           map[crypto.BoxPubKey]struct{}
}

// New builds the rules for one SessionFirewall config section. The key lists
// are compared as decoded bytes, so upper- and lowercase hex both match;
// entries that are not valid hex, or do not decode to exactly 32 bytes, are
// ignored rather than failing the whole config.
func New(cfg config.SessionFirewall) *Rules {
	return &Rules{
		enable:              cfg.Enable,
		allowFromDirect:     cfg.AllowFromDirect,
		allowFromRemote:     cfg.AllowFromRemote,
		alwaysAllowOutbound: cfg.AlwaysAllowOutbound,
		whitelist:           keySet(cfg.WhitelistEncryptionPublicKeys),
		blacklist:           keySet(cfg.BlacklistEncryptionPublicKeys),
	}
}

// keySet decodes the usable entries of a hex key list.
func keySet(list []string) map[crypto.BoxPubKey]struct{} {
	set := make(map[crypto.BoxPubKey]struct{}, len(list))
	for _, s := range list {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != crypto.BoxPubKeyLen {
			continue
		}
		set[crypto.BoxPubKey(b)] = struct{}{}
	}
	return set
}

// Allowed reports whether a new session with key may be created. initiator is
// true when this node opens the session, and direct is true when key belongs
// to a currently connected peer. The rules are tried in the order of spec 03
// §3.9 and the first that matches decides.
func (r *Rules) Allowed(key crypto.BoxPubKey, initiator bool, direct bool) bool {
	switch {
	case r == nil || !r.enable:
		return true
	case has(r.blacklist, key):
		return false
	case has(r.whitelist, key):
		return true
	case r.alwaysAllowOutbound && initiator:
		return true
	case r.allowFromDirect && direct:
		return true
	case r.allowFromRemote && !direct:
		return true
	default:
		return false
	}
}

func has(set map[crypto.BoxPubKey]struct{}, key crypto.BoxPubKey) bool {
	_, ok := set[key]
	return ok
}

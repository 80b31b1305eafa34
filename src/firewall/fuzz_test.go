package firewall

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/crypto"
)

// FuzzNew feeds arbitrary list entries to New. It must never panic, an entry
// that is not 64 hex digits must never match, and one that is must match the
// key it encodes in either case.
func FuzzNew(f *testing.F) {
	f.Add(strings.Repeat("ab", 32), []byte{0xab}, uint8(0))
	f.Add(strings.Repeat("AB", 32), []byte{0xab}, uint8(0xff))
	f.Add("zz", []byte{}, uint8(3))
	f.Add(strings.Repeat("0", 63), []byte{0}, uint8(1))
	f.Fuzz(func(t *testing.T, entry string, keyBytes []byte, flags uint8) {
		var k crypto.BoxPubKey
		copy(k[:], keyBytes)
		decoded, err := hex.DecodeString(entry)
		matches := err == nil && len(decoded) == crypto.BoxPubKeyLen && crypto.BoxPubKey(decoded) == k

		bit := func(i int) bool { return flags&(1<<i) != 0 }
		initiator, direct := bit(4), bit(5)
		black := New(config.SessionFirewall{
			Enable: true, AllowFromDirect: true, AllowFromRemote: true, AlwaysAllowOutbound: true,
			BlacklistEncryptionPublicKeys: []string{entry},
		})
		if got := black.Allowed(k, initiator, direct); got == matches {
			t.Fatalf("blacklist %q, key %x: Allowed = %v, entry matches = %v", entry, k, got, matches)
		}
		white := New(config.SessionFirewall{
			Enable: true, AllowFromDirect: bit(0), AllowFromRemote: bit(1), AlwaysAllowOutbound: bit(2),
			WhitelistEncryptionPublicKeys: []string{entry},
		})
		if matches && !white.Allowed(k, initiator, direct) {
			t.Fatalf("whitelist %q did not allow key %x", entry, k)
		}
	})
}

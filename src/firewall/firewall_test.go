package firewall

import (
	"strings"
	"sync"
	"testing"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/crypto"
)

func key(t testing.TB, b byte) crypto.BoxPubKey {
	t.Helper()
	var k crypto.BoxPubKey
	for i := range k {
		k[i] = b + byte(i)
	}
	return k
}

// fw builds a config section with the given flags, in the order
// Enable, AllowFromDirect, AllowFromRemote, AlwaysAllowOutbound.
func fw(enable, fromDirect, fromRemote, outbound bool, white, black []string) config.SessionFirewall {
	return config.SessionFirewall{
		Enable:                        enable,
		AllowFromDirect:               fromDirect,
		AllowFromRemote:               fromRemote,
		AlwaysAllowOutbound:           outbound,
		WhitelistEncryptionPublicKeys: white,
		BlacklistEncryptionPublicKeys: black,
	}
}

// TestRuleOrder is issue 6 test 3: each row shows one rule deciding although
// a later rule (or an earlier one that does not apply) would decide otherwise.
func TestRuleOrder(t *testing.T) {
	k := key(t, 0x10)
	other := key(t, 0x80)
	hexK := k.String()
	listed := []string{hexK}
	otherOnly := []string{other.String()}
	const T, F = true, false

	tests := []struct {
		name              string
		cfg               config.SessionFirewall
		initiator, direct bool
		want              bool
	}{
		// Rule 1: a disabled firewall allows even blacklisted keys with every allow flag off.
		{"1 disabled beats blacklist", fw(F, F, F, F, nil, listed), F, F, T},
		{"1 disabled beats default deny", fw(F, F, F, F, nil, nil), F, T, T},
		// Rule 2: the blacklist beats the whitelist and every allow flag.
		{"2 blacklist beats whitelist", fw(T, T, T, T, listed, listed), T, T, F},
		{"2 blacklist beats outbound", fw(T, F, F, T, nil, listed), T, F, F},
		{"2 blacklist beats direct", fw(T, T, F, F, nil, listed), F, T, F},
		{"2 blacklist beats remote", fw(T, F, T, F, nil, listed), F, F, F},
		{"2 blacklist of another key does not apply", fw(T, T, T, T, nil, otherOnly), F, F, T},
		// Rule 3: the whitelist beats every deny that follows it.
		{"3 whitelist beats disabled direct", fw(T, F, T, F, listed, nil), F, T, T},
		{"3 whitelist beats disabled remote", fw(T, T, F, F, listed, nil), F, F, T},
		{"3 whitelist beats default deny", fw(T, F, F, F, listed, nil), F, F, T},
		{"3 whitelist of another key does not apply", fw(T, F, F, F, otherOnly, nil), F, F, F},
		// Rule 4: sessions we open are allowed whatever the direct/remote flags say.
		{"4 outbound beats remote deny", fw(T, F, F, T, nil, nil), T, F, T},
		{"4 outbound beats direct deny", fw(T, F, F, T, nil, nil), T, T, T},
		{"4 outbound needs the flag", fw(T, F, F, F, nil, nil), T, F, F},
		{"4 outbound does not cover incoming", fw(T, F, F, T, nil, nil), F, F, F},
		// Rules 5-6: direct peers.
		{"6 direct allowed", fw(T, T, F, F, nil, nil), F, T, T},
		{"6 direct flag does not cover remote", fw(T, T, F, F, nil, nil), F, F, F},
		// Rule 7: remote nodes.
		{"7 remote allowed", fw(T, F, T, F, nil, nil), F, F, T},
		{"7 remote flag does not cover direct", fw(T, F, T, F, nil, nil), F, T, F},
		// Rule 8: nothing matched.
		{"8 default deny incoming", fw(T, F, F, F, nil, nil), F, F, F},
		{"8 default deny outgoing direct", fw(T, F, F, F, nil, nil), T, T, F},
		// The config defaults with the firewall switched on allow everyone.
		{"defaults allow remote", fw(T, T, T, T, nil, nil), F, F, T},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := New(tc.cfg).Allowed(k, tc.initiator, tc.direct)
			if got != tc.want {
				t.Fatalf("Allowed(initiator=%v, direct=%v) = %v, want %v with %+v",
					tc.initiator, tc.direct, got, tc.want, tc.cfg)
			}
		})
	}
}

// TestListEntries checks how list entries are decoded: hex of either case
// matches, anything that is not exactly 32 bytes of hex is skipped without
// spoiling the valid entries next to it.
func TestListEntries(t *testing.T) {
	k := key(t, 0xa0) // bytes a0..bf, so the hex has letters in it
	lower := k.String()
	upper := strings.ToUpper(lower)
	mixed := strings.ToUpper(lower[:32]) + lower[32:]
	invalid := []string{
		"",
		"zz" + lower[2:],        // not hex
		lower[:63],              // odd length
		lower[:62],              // 31 bytes, a prefix of the key
		lower + "00",            // 33 bytes, the key plus one
		" " + lower,             // surrounding space is not trimmed
		"0x" + lower,            // no prefix syntax
		strings.Repeat("0", 64), // valid, but another key
	}

	tests := []struct {
		name  string
		entry string
		want  bool
	}{
		{"lowercase", lower, true},
		{"uppercase", upper, true},
		{"mixed case", mixed, true},
	}
	for _, s := range invalid {
		tests = append(tests, struct {
			name  string
			entry string
			want  bool
		}{"ignored " + s, s, false})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Blacklisted with everything else allowing: listed means deny.
			black := New(fw(true, true, true, true, nil, []string{tc.entry}))
			if got := black.Allowed(k, true, true); got == tc.want {
				t.Errorf("blacklist [%q]: Allowed = %v, want %v", tc.entry, got, !tc.want)
			}
			// Whitelisted with everything else denying: listed means allow.
			white := New(fw(true, false, false, false, []string{tc.entry}, nil))
			if got := white.Allowed(k, true, true); got != tc.want {
				t.Errorf("whitelist [%q]: Allowed = %v, want %v", tc.entry, got, tc.want)
			}
		})
	}

	// A list full of bad entries still honours its one good entry, wherever it is.
	list := append(append([]string{}, invalid...), upper)
	list = append(list, invalid...)
	if New(fw(true, true, true, true, nil, list)).Allowed(k, true, true) {
		t.Error("blacklist with invalid entries around a valid one did not deny the key")
	}
	if !New(fw(true, false, false, false, list, nil)).Allowed(k, false, false) {
		t.Error("whitelist with invalid entries around a valid one did not allow the key")
	}
}

// TestExhaustive compares every combination of flags, list membership and
// call arguments against the rules written as one boolean formula.
func TestExhaustive(t *testing.T) {
	k := key(t, 1)
	bit := func(n, i int) bool { return n&(1<<i) != 0 }
	for n := 0; n < 1<<8; n++ {
		enable, fromDirect, fromRemote, outbound := bit(n, 0), bit(n, 1), bit(n, 2), bit(n, 3)
		white, black, initiator, direct := bit(n, 4), bit(n, 5), bit(n, 6), bit(n, 7)
		var wl, bl []string
		if white {
			wl = []string{k.String()}
		}
		if black {
			bl = []string{k.String()}
		}
		want := !enable || !black && (white || outbound && initiator ||
			fromDirect && direct || fromRemote && !direct)
		got := New(fw(enable, fromDirect, fromRemote, outbound, wl, bl)).Allowed(k, initiator, direct)
		if got != want {
			t.Errorf("case %08b: Allowed = %v, want %v", n, got, want)
		}
	}
}

func TestNilRulesAllow(t *testing.T) {
	var r *Rules
	if !r.Allowed(key(t, 2), false, false) {
		t.Fatal("nil Rules denied a session")
	}
}

// TestImmutable shows that changing the config after New has no effect, so a
// reload has to build a new Rules.
func TestImmutable(t *testing.T) {
	k := key(t, 3)
	cfg := fw(true, false, false, false, []string{k.String()}, nil)
	r := New(cfg)
	cfg.WhitelistEncryptionPublicKeys[0] = strings.Repeat("0", 64)
	cfg.Enable = false
	if !r.Allowed(k, false, false) {
		t.Fatal("editing the config after New changed the rules")
	}
	if r.Allowed(key(t, 4), false, false) {
		t.Fatal("editing the config after New allowed an unlisted key")
	}
}

// TestConcurrentUse lets the race detector check that sharing one Rules
// between goroutines is safe.
func TestConcurrentUse(t *testing.T) {
	a, b := key(t, 5), key(t, 6)
	r := New(fw(true, false, false, false, []string{a.String()}, []string{b.String()}))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				if !r.Allowed(a, false, false) || r.Allowed(b, true, true) {
					t.Error("wrong answer under concurrent use")
					return
				}
			}
		})
	}
	wg.Wait()
}

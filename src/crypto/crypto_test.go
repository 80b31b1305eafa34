package crypto

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func boxPrivFromSeed(seed string) BoxPrivKey { return BoxPrivKey(sha256.Sum256([]byte(seed))) }

// Spec 01 §1.2 worked example.
func TestBoxSpecExample(t *testing.T) {
	a := boxPrivFromSeed("spec-example-1")
	b := boxPrivFromSeed("spec-box-B")
	aPub, bPub := a.Public(), b.Public()
	if got := aPub.String(); got != "e698d8c017d9767b48222571c58c99bb040ed268da734e0c649b36d25ee2b93b" {
		t.Fatalf("A pub = %s", got)
	}
	if got := bPub.String(); got != "6366d9e4513cadcc4c72c07cb4dee675458038aa07b2dade84179e071aeaed5a" {
		t.Fatalf("B pub = %s", got)
	}
	kab, kba := Shared(&a, &bPub), Shared(&b, &aPub)
	want := unhex(t, "0189b51823ad011a6c59f97ee77af1640f9d0cb835e5102cca4017dc9476f1dc")
	if !bytes.Equal(kab[:], want) || kab != kba {
		t.Fatalf("shared keys %x %x", kab[:], kba[:])
	}
	var nonce BoxNonce
	for i := range nonce {
		nonce[i] = byte(i)
	}
	sealed := Seal(nil, &kab, &nonce, []byte("hello"))
	if want := unhex(t, "0082c25ad2dc0dd65cfdca5cc46893e2 0737830697"); !bytes.Equal(sealed, want) {
		t.Fatalf("sealed = %x", sealed)
	}
	opened, ok := Open(nil, &kba, &nonce, sealed)
	if !ok || string(opened) != "hello" {
		t.Fatalf("open = %q %v", opened, ok)
	}
	sealed[0] ^= 1
	if _, ok := Open(nil, &kba, &nonce, sealed); ok {
		t.Fatal("tampered tag opened")
	}
	if _, ok := Open(nil, &kba, &nonce, sealed[:10]); ok {
		t.Fatal("short box opened")
	}
}

// Spec 02 §0.4 test vector.
func TestSharedKeySpec02(t *testing.T) {
	var a, b BoxPrivKey
	for i := range a {
		a[i] = byte(i + 1)
		b[i] = byte(0x80 + i)
	}
	aPub, bPub := a.Public(), b.Public()
	if aPub.String() != "07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c" {
		t.Fatal(aPub)
	}
	if bPub.String() != "493e82fc74464a59268817623d2053c5eb8e2cc4a988b4fee179ec6b010d531d" {
		t.Fatal(bPub)
	}
	nid := bPub.NodeID()
	if nid.String() != "65012e382dd2f56ab53c432538fd325d291377ae2c708e972b9cdd568f190b923c2a937a3d7f018b896422e482ca0e389579e76cee419c88b013cdbeb91fefe9" {
		t.Fatal(nid)
	}
	k := Shared(&a, &bPub)
	if hex.EncodeToString(k[:]) != "baba246eb13dcd2f83d6dfe5e6d254d9f96c7705d141a7719b62685d90405e03" {
		t.Fatalf("%x", k[:])
	}
}

// Spec 01 §3.6 keys: public halves and TreeID prefixes.
func TestSigKeysAndTreeID(t *testing.T) {
	cases := []struct{ seed, pub, treePrefix string }{
		{"spec-sig-B", "2e63af482e611660b6dc3dbc74a798ba6ffc7bf93f14490364be46db7512ad7b", "ef50254b"},
		{"spec-sig-A", "575d5349416ed43e6b15a592acdfe0c88dabf6cc79610cfaf6fe57a89ddf702e", "43bfa8d3"},
		{"spec-sig-C", "953efcf7466ac9373a2e719601dbbc3fa31643839ef43868eb7a0e1597591826", "01dce168"},
	}
	var keys []SigPubKey
	for _, c := range cases {
		seed := sha256.Sum256([]byte(c.seed))
		priv := SigPrivKeyFromSeed(seed)
		pub := priv.Public()
		if pub.String() != c.pub || priv.DerivedPublic() != pub {
			t.Fatalf("%s: pub %s", c.seed, pub)
		}
		if id := pub.TreeID(); !strings.HasPrefix(id.String(), c.treePrefix) {
			t.Fatalf("%s: tree id %s", c.seed, id)
		}
		msg := []byte("message")
		sig := Sign(&priv, msg)
		if !Verify(&pub, msg, &sig) {
			t.Fatal("signature does not verify")
		}
		msg[0] ^= 1
		if Verify(&pub, msg, &sig) {
			t.Fatal("signature verifies for a changed message")
		}
		keys = append(keys, pub)
	}
	if !keys[0].Better(&keys[1]) || keys[1].Better(&keys[0]) || keys[0].Better(&keys[0]) {
		t.Fatal("root preference wrong")
	}
}

func nonceHex(t *testing.T, s string) BoxNonce {
	var n BoxNonce
	b := unhex(t, s)
	copy(n[len(n)-len(b):], b)
	return n
}

func TestNonceIncrement(t *testing.T) {
	n := nonceHex(t, "00fffe")
	n.Increment()
	if n != nonceHex(t, "010000") {
		t.Fatalf("got %s", n)
	}
	var all BoxNonce
	for i := range all {
		all[i] = 0xff
	}
	all.Increment()
	if all != nonceHex(t, "01") {
		t.Fatalf("wrap got %s", all)
	}
}

func TestNonceMinus(t *testing.T) {
	var big BoxNonce
	big[0] = 1
	zero := BoxNonce{}
	cases := []struct {
		n, m BoxNonce
		want int64
	}{
		{nonceHex(t, "03"), nonceHex(t, "01"), 2},
		{nonceHex(t, "01"), nonceHex(t, "03"), -2},
		{big, zero, 64},
		{zero, big, -64},
		{nonceHex(t, "0100"), nonceHex(t, "00ff"), 1},
		{nonceHex(t, "05"), nonceHex(t, "05"), 0},
	}
	for _, c := range cases {
		if got := c.n.Minus(&c.m); got != c.want {
			t.Errorf("%s - %s = %d, want %d", c.n, c.m, got, c.want)
		}
	}
}

func TestRandomNonceNeverStartsFF(t *testing.T) {
	for i := 0; i < 2000; i++ {
		if n := NewRandomNonce(); n[0] == 0xff {
			t.Fatal("nonce starts with ff")
		}
	}
}

func TestPrivateKeysNeverPrint(t *testing.T) {
	bpub, bpriv := NewBoxKeys()
	_, spriv := NewSigKeys()
	shared := Shared(&bpriv, &bpub)
	secrets := []string{bpriv.Hex(), spriv.Hex(), hex.EncodeToString(shared[:])}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
		for _, v := range []any{bpriv, &bpriv, spriv, &spriv, shared, struct{ K BoxPrivKey }{bpriv}} {
			out := strings.ToLower(fmt.Sprintf(verb, v))
			for _, s := range secrets {
				if strings.Contains(out, s[:16]) {
					t.Fatalf("verb %s leaked a secret: %s", verb, out)
				}
			}
		}
	}
	if pub := bpriv.Public(); pub != bpub {
		t.Fatal("derived box public key differs")
	}
}

func TestParse(t *testing.T) {
	if _, err := ParseBoxPubKey("zz"); err == nil {
		t.Fatal("bad hex accepted")
	}
	if _, err := ParseBoxPubKey("00"); err == nil {
		t.Fatal("short key accepted")
	}
	k, err := ParseBoxPubKey("e698d8c017d9767b48222571c58c99bb040ed268da734e0c649b36d25ee2b93b")
	if err != nil || k.String() != "e698d8c017d9767b48222571c58c99bb040ed268da734e0c649b36d25ee2b93b" {
		t.Fatal(err)
	}
}

// The Parse helpers read keys from configs and admin requests: they never
// panic, and what they accept is exactly the hex of the bytes they return.
func FuzzParse(f *testing.F) {
	f.Add("e698d8c017d9767b48222571c58c99bb040ed268da734e0c649b36d25ee2b93b")
	f.Add(strings.Repeat("AB", 64))
	f.Add("zz")
	f.Add("32") // appears in "has 1 bytes, want 32"
	f.Fuzz(func(t *testing.T, s string) {
		check := func(what string, b []byte, err error) {
			if err == nil && hex.EncodeToString(b) != strings.ToLower(s) {
				t.Fatalf("%s accepted %q as %x", what, s, b)
			}
			if err != nil && len(s) == 2*len(b) {
				if _, herr := hex.DecodeString(s); herr == nil {
					t.Fatalf("%s refused valid hex %q: %v", what, s, err)
				}
			}
		}
		bp, err := ParseBoxPubKey(s)
		check("ParseBoxPubKey", bp[:], err)
		bk, err := ParseBoxPrivKey(s)
		check("ParseBoxPrivKey", bk[:], err)
		// Only inputs long enough to be key material count: a short one
		// such as "32" can appear in the error's own text.
		if _, herr := hex.DecodeString(s); err != nil && herr == nil && len(s) >= 16 && strings.Contains(err.Error(), s) {
			t.Fatalf("private key error quotes the key: %v", err)
		}
		sp, err := ParseSigPubKey(s)
		check("ParseSigPubKey", sp[:], err)
		sk, err := ParseSigPrivKey(s)
		check("ParseSigPrivKey", sk[:], err)
		id, err := ParseNodeID(s)
		check("ParseNodeID", id[:], err)
	})
}

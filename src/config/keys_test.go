package config

import (
	"fmt"
	"strings"
	"testing"
)

// Two reference key sets (v0316-genconf.json and v0316-genconf.hjson).
var (
	keysA = [4]string{
		"e8fcc00ddb0d794c8ecde342a4875bd6b84a14f188fb5f0f2bac50c18ec9dc4c",
		"1361627e4a2dd33699f4926b009f2cc7cd823881cfd9d051969212f7bf83a7f1",
		"2ba1fae91b80bdf64487ec6f1d25bb9fd1952317da068d0e8c4a74efa19c80b1",
		"f542cbd7d776ed5d2d8d14f69cf578f5e6869e7dc96831550116f4e5963556592ba1fae91b80bdf64487ec6f1d25bb9fd1952317da068d0e8c4a74efa19c80b1",
	}
	keysB = [4]string{
		"d9205a10c360066a80b051669216402aeeb136a2be3dfde1e954e2dced045c63",
		"916a6cc52083850bd96d1a0c2d6fdf9407d613927e7fc0f2bde979c7b604775b",
		"dd0bce784782f5f77b7b587f24508bfda32471ed23edb016a29b2d04033066b5",
		"a5e346b9d1d56c323015c06711c7fae3eb3b726a061c0139c8e0182a1f9d3383dd0bce784782f5f77b7b587f24508bfda32471ed23edb016a29b2d04033066b5",
	}
)

func withKeys(k [4]string) *NodeConfig {
	c := Generate()
	c.EncryptionPublicKey, c.EncryptionPrivateKey = k[0], k[1]
	c.SigningPublicKey, c.SigningPrivateKey = k[2], k[3]
	return c
}

func TestKeysValid(t *testing.T) {
	k, err := withKeys(keysA).Keys()
	if err != nil {
		t.Fatal(err)
	}
	if k.BoxPub.String() != keysA[0] || k.BoxPriv.Hex() != keysA[1] || k.SigPub.String() != keysA[2] || k.SigPriv.Hex() != keysA[3] {
		t.Fatal("parsed keys differ from the config")
	}
	// Upper-case hex is still hex.
	if _, err := withKeys([4]string{strings.ToUpper(keysA[0]), keysA[1], keysA[2], keysA[3]}).Keys(); err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%v %+v %#v", k, k, k); strings.Contains(s, keysA[1]) || strings.Contains(s, keysA[3][:64]) {
		t.Fatalf("printing Keys shows a private key: %s", s)
	}
}

func TestKeysErrors(t *testing.T) {
	// A signing private key whose public half belongs to another seed.
	mixedSig := keysA[3][:64] + keysB[2]
	cases := []struct {
		name string
		keys [4]string
		want string
	}{
		{"bad hex", [4]string{keysA[0], "zz" + keysA[1][2:], keysA[2], keysA[3]},
			"config: EncryptionPrivateKey is not valid hex (bad character at offset 0)"},
		{"odd digits", [4]string{keysA[0], keysA[1][1:], keysA[2], keysA[3]},
			"config: EncryptionPrivateKey is not valid hex (odd number of digits)"},
		{"short private", [4]string{keysA[0], keysA[1][2:], keysA[2], keysA[3]},
			"config: EncryptionPrivateKey has 31 bytes, must be exactly 32"},
		{"long private", [4]string{keysA[0], keysA[1] + "00", keysA[2], keysA[3]},
			"config: EncryptionPrivateKey has 33 bytes, must be exactly 32"},
		{"empty private", [4]string{keysA[0], "", keysA[2], keysA[3]},
			"config: EncryptionPrivateKey has 0 bytes, must be exactly 32"},
		{"short public", [4]string{keysA[0][:62], keysA[1], keysA[2], keysA[3]},
			"config: EncryptionPublicKey has 31 bytes, must be exactly 32"},
		{"public bad hex", [4]string{keysA[0], keysA[1], keysA[2][:10] + "x" + keysA[2][11:], keysA[3]},
			"config: SigningPublicKey is not valid hex (bad character at offset 10)"},
		{"short signing private", [4]string{keysA[0], keysA[1], keysA[2], keysA[3][:126]},
			"config: SigningPrivateKey has 63 bytes, must be exactly 64"},
		{"signing private as seed only", [4]string{keysA[0], keysA[1], keysA[2], keysA[3][:64]},
			"config: SigningPrivateKey has 32 bytes, must be exactly 64"},
		{"box mismatch", [4]string{keysB[0], keysA[1], keysA[2], keysA[3]},
			"config: EncryptionPublicKey does not belong to EncryptionPrivateKey, which gives " + keysA[0]},
		{"signing mismatch", [4]string{keysA[0], keysA[1], keysB[2], keysA[3]},
			"config: SigningPublicKey does not belong to SigningPrivateKey, which gives " + keysA[2]},
		{"signing private inconsistent", [4]string{keysA[0], keysA[1], keysB[2], mixedSig},
			"config: SigningPrivateKey is inconsistent: its last 32 bytes are not the public key of its seed, which is " + keysA[2]},
	}
	for _, tc := range cases {
		_, err := withKeys(tc.keys).Keys()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, err, tc.want)
		}
		for _, secret := range []string{keysA[1][4:20], keysA[3][4:20], keysB[1][4:20], keysB[3][4:20]} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: error contains private key material: %q", tc.name, err)
			}
		}
	}
}

// Printing a config with fmt, in any form, never shows a private key.
func TestFormatRedactsPrivateKeys(t *testing.T) {
	c := withKeys(keysA)
	s := fmt.Sprintf("%v|%+v|%#v|%s|%v|%q", c, c, c, *c, []*NodeConfig{c}, *c)
	if strings.Contains(s, keysA[1]) || strings.Contains(s, keysA[3][:64]) {
		t.Fatalf("private key printed: %s", s)
	}
	if !strings.Contains(s, keysA[0]) || !strings.Contains(s, "[private key redacted]") {
		t.Fatalf("public key or redaction marker missing: %s", s)
	}
	if c.EncryptionPrivateKey != keysA[1] {
		t.Fatal("printing changed the config")
	}
}

// Keys never panics, and accepts only text that decodes to the same bytes.
func FuzzKeys(f *testing.F) {
	f.Add(keysA[0], keysA[1], keysA[2], keysA[3])
	f.Add(keysB[0], keysA[1], keysB[2], keysB[3][:64]+keysA[2])
	f.Add("", "zz", "0", "")
	f.Fuzz(func(t *testing.T, boxPub, boxPriv, sigPub, sigPriv string) {
		k, err := withKeys([4]string{boxPub, boxPriv, sigPub, sigPriv}).Keys()
		if err != nil {
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n") || (len(boxPriv) >= 8 && strings.Contains(msg, boxPriv)) {
				t.Fatalf("bad error %q", msg)
			}
			return
		}
		if k.BoxPub.String() != strings.ToLower(boxPub) || k.BoxPriv.Hex() != strings.ToLower(boxPriv) ||
			k.SigPub.String() != strings.ToLower(sigPub) || k.SigPriv.Hex() != strings.ToLower(sigPriv) {
			t.Fatal("accepted keys differ from their text")
		}
		if k.BoxPriv.Public() != k.BoxPub || k.SigPriv.DerivedPublic() != k.SigPub {
			t.Fatal("accepted inconsistent keys")
		}
	})
}

package address

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

type vectorFile struct {
	Vectors []struct {
		EncryptionPublicKey string
		Address             string `json:"address"`
		Subnet              string `json:"subnet"`
	}
}

// All 48 reference key sets give byte-identical addresses and subnets.
func TestReferenceVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/v0316-keys-addresses.json")
	if err != nil {
		t.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(raw, &vf); err != nil {
		t.Fatal(err)
	}
	if len(vf.Vectors) != 48 {
		t.Fatalf("expected 48 vectors, got %d", len(vf.Vectors))
	}
	for _, v := range vf.Vectors {
		key, err := crypto.ParseBoxPubKey(v.EncryptionPublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if got := ForKey(&key).String(); got != v.Address {
			t.Errorf("%s: address %s, want %s", v.EncryptionPublicKey, got, v.Address)
		}
		if got := SubnetForKey(&key).String(); got != v.Subnet {
			t.Errorf("%s: subnet %s, want %s", v.EncryptionPublicKey, got, v.Subnet)
		}
		// Reverse mapping: the owner's NodeID matches what its address reveals.
		id := key.NodeID()
		a, s := ForKey(&key), SubnetForKey(&key)
		for _, pair := range [][2]crypto.NodeID{pairOf(a.NodeIDAndMask()), pairOf(s.NodeIDAndMask())} {
			if !Matches(&id, &pair[0], &pair[1]) {
				t.Errorf("%s: reverse mapping does not match its own NodeID", v.Address)
			}
		}
	}
}

func pairOf(a, b crypto.NodeID) [2]crypto.NodeID { return [2]crypto.NodeID{a, b} }

func hexPad(t *testing.T, s string) crypto.NodeID {
	t.Helper()
	var id crypto.NodeID
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	copy(id[:], b)
	return id
}

func maskBits(n int) crypto.NodeID {
	var m crypto.NodeID
	for i := 0; i < n; i++ {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return m
}

// Spec 01 §2.2–2.4 worked examples, both directions.
func TestWorkedExamples(t *testing.T) {
	cases := []struct {
		seed, addr, subnet          string
		addrID, subnetID            string
		addrMaskBits, subnetMaskBit int
	}{
		{"spec-example-1", "202:3187:d709:7a32:706e:cc56:60ae:db79", "302:3187:d709:7a32::/64",
			"c630fae12f464e0dd98acc15db6f20", "c630fae12f4640", 115, 51},
		{"spec-ones-306", "20c:89ce:b93a:be5b:6867:9a97:ad07:1eb4", "30c:89ce:b93a:be5b::/64",
			"fff44e75c9d5f2db433cd4bd6838f5a0", "fff44e75c9d5f2d8", 125, 61},
	}
	for _, c := range cases {
		priv := crypto.BoxPrivKey(sha256.Sum256([]byte(c.seed)))
		pub := priv.Public()
		a, s := ForKey(&pub), SubnetForKey(&pub)
		if a.String() != c.addr || s.String() != c.subnet {
			t.Fatalf("%s: %s %s", c.seed, a, s)
		}
		if !a.IsValid() || !s.IsValid() {
			t.Fatal("derived address or subnet not valid")
		}
		id, mask := a.NodeIDAndMask()
		if id != hexPad(t, c.addrID) || mask != maskBits(c.addrMaskBits) || a.KnownBits() != c.addrMaskBits {
			t.Errorf("%s: address reverse %x / %x", c.seed, id[:16], mask[:16])
		}
		id, mask = s.NodeIDAndMask()
		if id != hexPad(t, c.subnetID) || mask != maskBits(c.subnetMaskBit) || s.KnownBits() != c.subnetMaskBit {
			t.Errorf("%s: subnet reverse %x / %x", c.seed, id[:16], mask[:16])
		}
	}
}

func TestValidity(t *testing.T) {
	var a Address
	var s Subnet
	a[0], s[0] = 0x03, 0x02
	if a.IsValid() || s.IsValid() {
		t.Fatal("wrong prefixes accepted")
	}
	if _, ok := FromIP([]byte{10, 0, 0, 1}); ok {
		t.Fatal("IPv4 accepted as an address")
	}
	if !strings.HasPrefix(Subnet{3, 1}.String(), "301::") {
		t.Fatal(Subnet{3, 1}.String())
	}
}

package config

import (
	"os"
	"reflect"
	"testing"
)

// referenceDefaults is what a Linux v0.3.16 -genconf holds apart from the
// keys, written out by hand from spec 03 §1.6 rather than taken from
// Generate(), so that a wrong default fails here.
func referenceDefaults(keys [4]string, emptyNils bool) *NodeConfig {
	c := &NodeConfig{
		Peers:                       []string{},
		InterfacePeers:              map[string][]string{},
		Listen:                      []string{},
		AdminListen:                 "unix:///var/run/yggdrasil.sock",
		MulticastInterfaces:         []string{".*"},
		AllowedEncryptionPublicKeys: []string{},
		EncryptionPublicKey:         keys[0],
		EncryptionPrivateKey:        keys[1],
		SigningPublicKey:            keys[2],
		SigningPrivateKey:           keys[3],
		IfName:                      "auto",
		IfMTU:                       65535,
		SessionFirewall: SessionFirewall{
			AllowFromDirect: true, AllowFromRemote: true, AlwaysAllowOutbound: true,
		},
		SwitchOptions: SwitchOptions{MaxTotalQueueSize: 4194304},
		// Ours: a v0.3.16 file has no Limits, so it reads as the defaults.
		Limits: Limits{MaxPendingLinks: 32, MaxPendingLinksPerSource: 4, MaxLinks: 128, MaxLinksPerKey: 4, MaxSessions: 1024},
	}
	if emptyNils {
		// HJSON writes nil lists and maps as [] and {}, which read back empty.
		c.SessionFirewall.WhitelistEncryptionPublicKeys = []string{}
		c.SessionFirewall.BlacklistEncryptionPublicKeys = []string{}
		c.TunnelRouting.IPv6RemoteSubnets = map[string]string{}
		c.TunnelRouting.IPv4RemoteSubnets = map[string]string{}
		c.TunnelRouting.IPv6LocalSubnets = []string{}
		c.TunnelRouting.IPv4LocalSubnets = []string{}
		c.NodeInfo = map[string]any{}
	}
	return c
}

// Both captured -genconf outputs read unchanged and give every field the
// value the reference wrote, and their keys pass validation.
func TestReferenceGenconfVectors(t *testing.T) {
	cases := []struct {
		file      string
		keys      [4]string
		emptyNils bool
	}{
		{"testdata/v0316-genconf.json", [4]string{
			"e8fcc00ddb0d794c8ecde342a4875bd6b84a14f188fb5f0f2bac50c18ec9dc4c",
			"1361627e4a2dd33699f4926b009f2cc7cd823881cfd9d051969212f7bf83a7f1",
			"2ba1fae91b80bdf64487ec6f1d25bb9fd1952317da068d0e8c4a74efa19c80b1",
			"f542cbd7d776ed5d2d8d14f69cf578f5e6869e7dc96831550116f4e5963556592ba1fae91b80bdf64487ec6f1d25bb9fd1952317da068d0e8c4a74efa19c80b1",
		}, false},
		{"testdata/v0316-genconf.hjson", [4]string{
			"d9205a10c360066a80b051669216402aeeb136a2be3dfde1e954e2dced045c63",
			"916a6cc52083850bd96d1a0c2d6fdf9407d613927e7fc0f2bde979c7b604775b",
			"dd0bce784782f5f77b7b587f24508bfda32471ed23edb016a29b2d04033066b5",
			"a5e346b9d1d56c323015c06711c7fae3eb3b726a061c0139c8e0182a1f9d3383dd0bce784782f5f77b7b587f24508bfda32471ed23edb016a29b2d04033066b5",
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			want := referenceDefaults(tc.keys, tc.emptyNils)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("parsed\n%#v\nwant\n%#v", got, want)
			}
			k, err := got.Keys()
			if err != nil {
				t.Fatal(err)
			}
			if k.BoxPub.String() != tc.keys[0] || k.BoxPriv.Hex() != tc.keys[1] ||
				k.SigPub.String() != tc.keys[2] || k.SigPriv.Hex() != tc.keys[3] {
				t.Fatal("Keys() does not return the configured keys")
			}
		})
	}
}

// The JSON vector is byte-for-byte what our -json output gives for the same
// values, our own sections aside: order, indentation, null for the nil lists
// and maps.
func TestJSONOutputMatchesReference(t *testing.T) {
	raw, err := os.ReadFile("testdata/v0316-genconf.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	out, err := cfg.MarshalIndentJSON()
	if err != nil {
		t.Fatal(err)
	}
	if withoutOwnSections(string(out)) != string(raw) {
		t.Fatalf("JSON output differs from the reference:\n%s\nwant\n%s", out, raw)
	}
}

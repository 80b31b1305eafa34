package wire

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

// The three-node reference capture (testdata/v0316-three-node-capture.json):
// a line n0 - n1 - n2 of unmodified v0.3.16 nodes, both TCP links captured
// at n1 in both directions, with every key needed to open every frame.

type captureJSON struct {
	Events []string `json:"events"`
	Nodes  []struct {
		Name    string `json:"name"`
		BoxPub  string `json:"EncryptionPublicKey"`
		BoxPriv string `json:"EncryptionPrivateKey"`
		SigPub  string `json:"SigningPublicKey"`
		Address string `json:"address"`
	} `json:"nodes"`
	CoordsAtEnd   map[string]string `json:"coordsAtEnd"`
	EphemeralKeys []struct {
		Kind  string `json:"kind"`
		Owner string `json:"ownerBoxPub"`
		Pub   string `json:"pub"`
		Priv  string `json:"priv"`
	} `json:"ephemeralKeys"`
	Streams []struct {
		From, To, Hex    string
		FromNode, ToNode string
	} `json:"streams"`
}

type capNode struct {
	name    string
	index   int // position on the line n0 - n1 - n2
	boxPub  crypto.BoxPubKey
	boxPriv crypto.BoxPrivKey
	sigPub  crypto.SigPubKey
	addr    [16]byte
	coords  Coords // coordsAtEnd
}

type capEphemeral struct {
	kind  string
	owner *capNode
	priv  crypto.BoxPrivKey
}

type capStream struct {
	index    int
	from, to *capNode
	meta     Metadata
	frames   [][]byte
}

func (s *capStream) String() string {
	return fmt.Sprintf("stream %d (%s->%s)", s.index, s.from.name, s.to.name)
}

type capture struct {
	events    []string
	nodes     []*capNode
	ephemeral map[crypto.BoxPubKey]capEphemeral
	streams   []*capStream
}

func (c *capture) nodeByName(name string) *capNode {
	for _, n := range c.nodes {
		if n.name == name {
			return n
		}
	}
	return nil
}

func (c *capture) nodeByBox(k *crypto.BoxPubKey) *capNode {
	for _, n := range c.nodes {
		if n.boxPub == *k {
			return n
		}
	}
	return nil
}

// stream returns the captured stream from one node to another, if any.
func (c *capture) stream(from, to *capNode) *capStream {
	for _, s := range c.streams {
		if s.from == from && s.to == to {
			return s
		}
	}
	return nil
}

// loadCapture parses the JSON, the keys and the metadata of every stream and
// splits each stream into frames. Any inconsistency is fatal: nothing after
// it would be meaningful.
func loadCapture(t *testing.T) *capture {
	t.Helper()
	raw, err := os.ReadFile("testdata/v0316-three-node-capture.json")
	if err != nil {
		t.Fatal(err)
	}
	var j captureJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatalf("capture JSON: %v", err)
	}
	c := &capture{events: j.Events, ephemeral: map[crypto.BoxPubKey]capEphemeral{}}
	for i, jn := range j.Nodes {
		n := &capNode{name: jn.Name, index: i}
		mustParse(t, jn.Name+" box pub", func() (err error) { n.boxPub, err = crypto.ParseBoxPubKey(jn.BoxPub); return })
		mustParse(t, jn.Name+" box priv", func() (err error) { n.boxPriv, err = crypto.ParseBoxPrivKey(jn.BoxPriv); return })
		mustParse(t, jn.Name+" sig pub", func() (err error) { n.sigPub, err = crypto.ParseSigPubKey(jn.SigPub); return })
		if n.boxPriv.Public() != n.boxPub {
			t.Fatalf("%s: box private key does not match its public key", n.name)
		}
		ip := net.ParseIP(jn.Address)
		if ip == nil || ip.To4() != nil {
			t.Fatalf("%s: bad address %q", n.name, jn.Address)
		}
		copy(n.addr[:], ip)
		cs, ok := j.CoordsAtEnd[jn.Name]
		if !ok {
			t.Fatalf("%s: no coordsAtEnd", n.name)
		}
		n.coords = ParseCoordsString(cs)
		c.nodes = append(c.nodes, n)
	}
	if len(c.nodes) != 3 || c.nodes[0].name != "n0" || c.nodes[1].name != "n1" || c.nodes[2].name != "n2" {
		t.Fatalf("expected nodes n0, n1, n2 in line order")
	}
	for i, je := range j.EphemeralKeys {
		var pub crypto.BoxPubKey
		var e capEphemeral
		var owner crypto.BoxPubKey
		mustParse(t, fmt.Sprintf("ephemeral key %d pub", i), func() (err error) { pub, err = crypto.ParseBoxPubKey(je.Pub); return })
		mustParse(t, fmt.Sprintf("ephemeral key %d priv", i), func() (err error) { e.priv, err = crypto.ParseBoxPrivKey(je.Priv); return })
		mustParse(t, fmt.Sprintf("ephemeral key %d owner", i), func() (err error) { owner, err = crypto.ParseBoxPubKey(je.Owner); return })
		if e.priv.Public() != pub {
			t.Fatalf("ephemeral key %d: private key does not match %s", i, pub)
		}
		if e.owner = c.nodeByBox(&owner); e.owner == nil {
			t.Fatalf("ephemeral key %d: unknown owner %s", i, owner)
		}
		e.kind = je.Kind
		c.ephemeral[pub] = e
	}
	for i, js := range j.Streams {
		s := &capStream{index: i, from: c.nodeByName(js.FromNode), to: c.nodeByName(js.ToNode)}
		if s.from == nil || s.to == nil {
			t.Fatalf("stream %d: unknown nodes %q -> %q", i, js.FromNode, js.ToNode)
		}
		b, err := hex.DecodeString(js.Hex)
		if err != nil {
			t.Fatalf("%v: hex: %v", s, err)
		}
		if len(b) < MetadataLen {
			t.Fatalf("%v: only %d bytes", s, len(b))
		}
		if err := s.meta.Decode(b[:MetadataLen]); err != nil {
			t.Fatalf("%v: metadata: %v", s, err)
		}
		if enc := s.meta.Encode(nil); !bytes.Equal(enc, b[:MetadataLen]) {
			t.Fatalf("%v: metadata re-encodes as %x", s, enc)
		}
		if s.meta.Box != s.from.boxPub || s.meta.Sig != s.from.sigPub {
			t.Fatalf("%v: metadata keys are not %s's", s, s.from.name)
		}
		if e, ok := c.ephemeral[s.meta.Link]; !ok || e.kind != "link" || e.owner != s.from {
			t.Fatalf("%v: link key %s is not a link key of %s", s, s.meta.Link, s.from.name)
		}
		frames, rest, err := SplitFrames(b[MetadataLen:])
		if err != nil || len(rest) != 0 {
			t.Fatalf("%v: frames do not split exactly: %v, %d bytes left after %d frames", s, err, len(rest), len(frames))
		}
		s.frames = frames
		c.streams = append(c.streams, s)
	}
	if len(c.streams) != 4 {
		t.Fatalf("expected 4 streams, got %d", len(c.streams))
	}
	for _, s := range c.streams {
		if c.stream(s.to, s.from) == nil {
			t.Fatalf("%v: no stream in the other direction", s)
		}
	}
	return c
}

func mustParse(t *testing.T, what string, parse func() error) {
	t.Helper()
	if err := parse(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

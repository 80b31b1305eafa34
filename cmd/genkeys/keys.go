package main

import (
	"bytes"
	"strings"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/crypto"
)

// separator starts every printed block, as in the reference output.
var separator = strings.Repeat("-", 80)

// keyPair is one generated key pair and the ID the search maximises. Only
// the half named by sig is filled in.
type keyPair struct {
	id      [64]byte // NodeID of boxPub, or TreeID of sigPub
	sig     bool
	boxPub  crypto.BoxPubKey
	boxPriv crypto.BoxPrivKey
	sigPub  crypto.SigPubKey
	sigPriv crypto.SigPrivKey
}

// newBoxPair makes a random encryption key pair, ranked by its NodeID.
func newBoxPair() keyPair {
	pub, priv := crypto.NewBoxKeys()
	return keyPair{id: pub.NodeID(), boxPub: pub, boxPriv: priv}
}

// newSigPair makes a random signing key pair, ranked by its TreeID.
func newSigPair() keyPair {
	pub, priv := crypto.NewSigKeys()
	return keyPair{id: pub.TreeID(), sig: true, sigPub: pub, sigPriv: priv}
}

// beats reports whether p's ID is higher than best, comparing big-endian
// bytes: more leading ones first, then the bits after them.
func (p *keyPair) beats(best *[64]byte) bool {
	return bytes.Compare(p.id[:], best[:]) > 0
}

// block is the text printed for p, in the v0.3.16 format. It holds the
// private key on purpose: printing it is what this tool is for.
func (p *keyPair) block() string {
	var b strings.Builder
	line := func(label, value string) {
		b.WriteString(label)
		b.WriteString(": ")
		b.WriteString(value)
		b.WriteByte('\n')
	}
	b.WriteString(separator)
	b.WriteByte('\n')
	if p.sig {
		line("sigPriv", p.sigPriv.Hex())
		line("sigPub", p.sigPub.String())
		line("TreeID", crypto.TreeID(p.id).String())
	} else {
		line("boxPriv", p.boxPriv.Hex())
		line("boxPub", p.boxPub.String())
		line("NodeID", crypto.NodeID(p.id).String())
		line("IP", address.ForKey(&p.boxPub).String())
	}
	return b.String()
}

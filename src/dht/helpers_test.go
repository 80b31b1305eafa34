package dht

import (
	"encoding/binary"
	"math/big"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// Tests place nodes on the ring by hand: fakeIDOf makes a key's NodeID the
// key itself in the top 32 bytes, so keyN(n) sits at n·2^256 and the ring
// order of keyN values is the order of n.

var t0 = time.Date(2021, 3, 17, 12, 0, 0, 0, time.UTC)

func fakeIDOf(k *crypto.BoxPubKey) crypto.NodeID {
	var id crypto.NodeID
	copy(id[:], k[:])
	return id
}

func keyN(n uint64) crypto.BoxPubKey {
	var k crypto.BoxPubKey
	binary.BigEndian.PutUint64(k[24:], n)
	return k
}

func idN(n uint64) crypto.NodeID { k := keyN(n); return fakeIDOf(&k) }

// lowID is a NodeID whose integer value is n.
func lowID(n uint64) crypto.NodeID {
	var id crypto.NodeID
	binary.BigEndian.PutUint64(id[56:], n)
	return id
}

// nOf recovers n from a keyN key.
func nOf(k crypto.BoxPubKey) uint64 { return binary.BigEndian.Uint64(k[24:]) }

func info(n uint64, coords ...uint64) Info { return Info{Key: keyN(n), Coords: wire.Coords(coords)} }

// fakeTable is a table for keyN(self) on the fake ring.
func fakeTable(self uint64, coords ...uint64) *Table {
	t := newTable(keyN(self), fakeIDOf)
	t.SetCoords(wire.Coords(coords))
	return t
}

func ns(list []Info) []uint64 {
	out := make([]uint64, len(list))
	for i, in := range list {
		out[i] = nOf(in.Key)
	}
	return out
}

var ring = new(big.Int).Lsh(big.NewInt(1), 512)

func bigOf(id crypto.NodeID) *big.Int { return new(big.Int).SetBytes(id[:]) }

// bigCW is the clockwise distance computed with math/big, as an oracle.
func bigCW(a, b crypto.NodeID) *big.Int {
	d := new(big.Int).Sub(bigOf(b), bigOf(a))
	return d.Mod(d, ring)
}

func mustEqualNs(t *testing.T, what string, got []Info, want []uint64) {
	t.Helper()
	g := ns(got)
	if len(g) != len(want) {
		t.Fatalf("%s: got %v, want %v", what, g, want)
	}
	for i := range g {
		if g[i] != want[i] {
			t.Fatalf("%s: got %v, want %v", what, g, want)
		}
	}
}

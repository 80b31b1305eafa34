package dht

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"

	"github.com/yggmesh/ygg/src/crypto"
)

// cw is the clockwise distance from a to b on the 2^512 ring: (b − a) mod
// 2^512. Searches and lookups measure closeness this way, so they converge
// on a key's successor, which owns it.
func cw(a, b *crypto.NodeID) crypto.NodeID {
	var d crypto.NodeID
	var borrow uint64
	for i := len(d) - 8; i >= 0; i -= 8 {
		x := binary.BigEndian.Uint64(b[i:])
		y := binary.BigEndian.Uint64(a[i:])
		var diff uint64
		diff, borrow = bits.Sub64(x, y, borrow)
		binary.BigEndian.PutUint64(d[i:], diff)
	}
	return d
}

// ordered reports whether, going clockwise from first, second is reached no
// later than third. It keeps the reference's three "≤" comparisons so the
// tie cases match: ordered(x, x, y) and ordered(x, y, x) are both true.
func ordered(first, second, third *crypto.NodeID) bool {
	le := func(a, b *crypto.NodeID) bool { return bytes.Compare(a[:], b[:]) <= 0 }
	return (le(first, second) && le(second, third)) ||
		(le(third, first) && le(first, second)) ||
		(le(second, third) && le(third, first))
}

// byDistance pairs an item with its clockwise distance from some origin so a
// list can be sorted once without recomputing distances in the comparator.
type byDistance[T any] struct {
	dist crypto.NodeID
	item T
}

// sortByDistance sorts ascending by distance. Distinct NodeIDs have distinct
// distances, so the order is total and, unlike the reference, an entry equal
// to the origin always comes first (distance 0).
func sortByDistance[T any](list []byDistance[T]) {
	slices.SortFunc(list, func(a, b byDistance[T]) int {
		return bytes.Compare(a.dist[:], b.dist[:])
	})
}

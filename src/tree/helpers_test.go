package tree

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// t0 is the virtual start time of every test.
var t0 = time.Unix(1600000000, 0)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

// testKey derives a reproducible signing key pair from a label.
func testKey(label string) (crypto.SigPubKey, crypto.SigPrivKey) {
	priv := crypto.SigPrivKeyFromSeed(sha256.Sum256([]byte(label)))
	return priv.Public(), priv
}

// rankedKeys returns n public keys sorted by TreeID, worst first, so
// keys[i].Better(&keys[j]) exactly when i > j.
func rankedKeys(n int) []crypto.SigPubKey {
	keys := make([]crypto.SigPubKey, n)
	for i := range keys {
		keys[i], _ = testKey(fmt.Sprintf("ranked-%d", i))
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i].TreeID(), keys[j].TreeID()
		return bytes.Compare(a[:], b[:]) < 0
	})
	return keys
}

// hop is one step of a crafted path: the port the previous node uses toward
// next. Signatures are left zero: Tree trusts its caller to verify.
type hop struct {
	port Port
	next crypto.SigPubKey
}

func path(root crypto.SigPubKey, ts int64, hops ...hop) *wire.SwitchMsg {
	m := &wire.SwitchMsg{Root: root, TStamp: ts}
	for _, h := range hops {
		m.Hops = append(m.Hops, wire.SwitchHop{Port: h.port, Next: h.next})
	}
	return m
}

func raw(c ...uint64) []byte { return wire.AppendCoordsRaw(nil, wire.Coords(c)) }

func mustChanges(t *testing.T, what string, got, want Changes) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: changes %+v, want %+v", what, got, want)
	}
}

func mustParent(t *testing.T, tr *Tree, parent Port, root crypto.SigPubKey, coords ...uint64) {
	t.Helper()
	if tr.Parent() != parent {
		t.Fatalf("parent %d, want %d", tr.Parent(), parent)
	}
	if tr.Root() != root {
		t.Fatalf("root %x…, want %x…", tr.Root().String()[:8], root.String()[:8])
	}
	if want := wire.Coords(coords); !tr.Coords().Equal(want) {
		t.Fatalf("coords %v, want %v", tr.Coords(), want)
	}
	checkInvariants(t, tr)
}

// checkInvariants asserts what must hold after any sequence of calls.
func checkInvariants(t testing.TB, tr *Tree) {
	t.Helper()
	if err := invariants(tr); err != nil {
		t.Fatal(err)
	}
}

func invariants(tr *Tree) error {
	if tr.parent != 0 && tr.peer(tr.parent) == nil {
		return fmt.Errorf("parent %d has no record", tr.parent)
	}
	if tr.root == tr.self && (tr.parent != 0 || len(tr.coords) != 0) {
		return fmt.Errorf("own root with parent %d coords %v", tr.parent, tr.coords)
	}
	if _, ok := tr.BaseMessage(); !ok {
		return fmt.Errorf("no base message")
	}
	for i := 1; i < len(tr.peers); i++ {
		if tr.peers[i-1].port >= tr.peers[i].port {
			return fmt.Errorf("records out of order")
		}
	}
	tab := tr.table
	if tab.root != tr.root || !tab.self.Equal(tr.coords) || tab.tstamp != tr.tstamp {
		return fmt.Errorf("table is stale: root/coords/tstamp differ from the tree")
	}
	var want []TableEntry
	for _, r := range tr.peers {
		if !r.blocked && r.root == tr.root {
			want = append(want, TableEntry{Port: r.port, Coords: r.ownCoords()})
		}
	}
	got := tab.Peers()
	if len(got) != len(want) {
		return fmt.Errorf("table lists %d peers, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Port != want[i].Port || !got[i].Coords.Equal(want[i].Coords) {
			return fmt.Errorf("table peer %d = %v, want %v", i, got[i], want[i])
		}
		if !tab.Has(got[i].Port) {
			return fmt.Errorf("Has(%d) false for a listed peer", got[i].Port)
		}
	}
	for _, r := range tr.peers {
		if (r.blocked || r.root != tr.root) && tab.Has(r.port) {
			return fmt.Errorf("table has blocked or foreign-root port %d", r.port)
		}
	}
	for n := range tab.nodes {
		if b := tab.nodes[n].best; !tab.Has(b) {
			return fmt.Errorf("trie node %d points at port %d, not in the table", n, b)
		}
	}
	return nil
}

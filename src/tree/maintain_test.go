package tree

import (
	"reflect"
	"testing"

	"github.com/yggmesh/ygg/src/wire"
)

func TestRefreshWhileRoot(t *testing.T) {
	tr := New(us, at(0))
	if tr.TStamp() != T || tr.Root() != us || tr.Parent() != 0 {
		t.Fatal("a new tree is not its own root at now")
	}
	mustChanges(t, "30 s", tr.Maintain(at(30)), nothing)
	mustChanges(t, "31 s", tr.Maintain(at(31)), newStamp)
	mustChanges(t, "61 s", tr.Maintain(at(61)), nothing)
	mustChanges(t, "62 s", tr.Maintain(at(62)), newStamp)
	if tr.TStamp() != T+62 {
		t.Fatalf("tstamp %d, want T+62", tr.TStamp()-T)
	}
	if len(tr.dropped) != 0 {
		t.Fatal("a root dropped itself")
	}
}

func TestRootTimeoutWhileOrphaned(t *testing.T) {
	tr := New(us, at(0))
	tr.Handle(1, path(R, T, hop{1, us}), at(0))
	tr.RemovePeer(1, at(10))
	mustParent(t, tr, 0, R, 1)
	mustChanges(t, "before timeout", tr.Maintain(at(60)), nothing)
	mustChanges(t, "timeout", tr.Maintain(at(61)), adopted)
	mustParent(t, tr, 0, us)
	if tr.dropped[R] != T {
		t.Fatalf("dropped = %v", tr.dropped)
	}
}

func TestBecomeRootWhenBetter(t *testing.T) {
	// Not reachable through the API (we only adopt better roots), but §6.4
	// step 2 says what to do if it happens.
	tr := New(keys[6], at(0))
	tr.root, tr.coords, tr.parent = keys[2], wire.Coords{3}, 0
	mustChanges(t, "better than root", tr.Maintain(at(1)), adopted)
	mustParent(t, tr, 0, keys[6])
}

func TestBaseMessage(t *testing.T) {
	tr := New(us, at(0))
	base, ok := tr.BaseMessage()
	if !ok || !reflect.DeepEqual(base, &wire.SwitchMsg{Root: us, TStamp: T}) {
		t.Fatalf("root base message = %+v %v", base, ok)
	}
	p := keys[2]
	pm := path(R, T+7, hop{1, p}, hop{3, us})
	tr.Handle(1, pm, at(0))
	base, ok = tr.BaseMessage()
	if !ok || !reflect.DeepEqual(base, pm) {
		t.Fatalf("base message = %+v, want the parent's message", base)
	}
	base.Hops[0].Port = 99
	base.Hops = append(base.Hops, wire.SwitchHop{Port: 5})
	if again, _ := tr.BaseMessage(); !reflect.DeepEqual(again, pm) {
		t.Fatal("changing the returned base message changed the tree")
	}
	pm.Hops[1].Port = 77 // nor may the caller's copy of what it handed in
	if again, _ := tr.BaseMessage(); again.Hops[1].Port != 3 {
		t.Fatal("tree aliases the handled message")
	}
	// Unreachable through the API, which keeps a record for every parent.
	tr.parent = 9
	if m, ok := tr.BaseMessage(); ok || m != nil {
		t.Fatal("base message for a parent without a record")
	}
}

func TestRemoveAndBlockUnknownPorts(t *testing.T) {
	tr := New(us, at(0))
	mustChanges(t, "remove unknown", tr.RemovePeer(3, at(0)), nothing)
	mustChanges(t, "block unknown", tr.SetBlocked(3, true, at(0)), nothing)
	tr.Handle(3, path(R, T, hop{1, us}), at(0))
	mustChanges(t, "unblock unblocked", tr.SetBlocked(3, false, at(0)), nothing)
	mustChanges(t, "block twice", tr.SetBlocked(3, true, at(0)), newStamp)
	mustChanges(t, "block twice", tr.SetBlocked(3, true, at(0)), nothing)
	mustChanges(t, "remove", tr.RemovePeer(3, at(0)), tableOnly)
	mustParent(t, tr, 0, R, 1)
}

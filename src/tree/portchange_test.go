package tree

import (
	"testing"

	"github.com/yggmesh/ygg/src/wire"
)

// Finding 4 of issue 10: a parent that re-sends its message with only the
// last hop's port changed (no signature covers it, so it costs nothing)
// moved our coords each time, resetting our DHT and sessions and making us
// sign a message for every peer: 100 such messages, 100 resets. One such
// change per PortChangeThrottle is taken; the rest are dropped, and honest
// updates are not delayed.
func TestPortOnlyChangesThrottled(t *testing.T) {
	keys := rankedKeys(3)
	self, parent, root := keys[0], keys[1], keys[2]
	tr := New(self, at(0))
	msg := func(ts int64, lastPort Port) *wire.SwitchMsg {
		return path(root, ts, hop{1, parent}, hop{lastPort, self})
	}
	tr.Handle(1, msg(100, 5), at(1))
	mustParent(t, tr, 1, root, 1, 5)

	// The first port-only change is taken (it could be a legitimate one);
	// the next ones within the throttle are not, however many come.
	if c := tr.Handle(1, msg(100, 6), at(2)); !c.Reset {
		t.Fatalf("first port change: %+v", c)
	}
	mustParent(t, tr, 1, root, 1, 6)
	for i := range 100 {
		if c := tr.Handle(1, msg(100, Port(7+i%2)), at(3)); c != (Changes{}) {
			t.Fatalf("port change %d within the throttle changed %+v", i, c)
		}
	}
	mustParent(t, tr, 1, root, 1, 6)
	if tr.PortChangesIgnored() != 100 {
		t.Fatalf("%d ignored, want 100", tr.PortChangesIgnored())
	}
	// An honest update (a new timestamp, after the 15 s switch throttle)
	// is taken at once, even inside the port-change throttle.
	if c := tr.Handle(1, msg(116, 6), at(17)); !c.SendAll {
		t.Fatalf("new timestamp not adopted: %+v", c)
	}
	// After the throttle a port-only change is taken again.
	if c := tr.Handle(1, msg(116, 9), at(2+int(PortChangeThrottle.Seconds()))); !c.Reset {
		t.Fatalf("port change after the throttle: %+v", c)
	}
	mustParent(t, tr, 1, root, 1, 9)
}

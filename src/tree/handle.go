package tree

import (
	"time"

	"github.com/yggmesh/ygg/src/wire"
)

// RootCheck is the test a verified switch message must pass before Handle
// (§6.5). A rejected message must not be stored at all; the owner also
// stops re-inserting that peer into the DHT.
func (t *Tree) RootCheck(msg *wire.SwitchMsg) bool {
	switch {
	case t.isDropped(msg):
		return false
	case msg.Root.Better(&t.root):
		return true
	case msg.Root != t.root:
		return false
	case t.tstamp > msg.TStamp:
		return false
	}
	return true
}

func (t *Tree) isDropped(msg *wire.SwitchMsg) bool {
	ts, ok := t.dropped[msg.Root]
	return ok && ts >= msg.TStamp
}

// Handle stores a verified switch message that arrived on port and decides
// whether its sender becomes our parent (§6.6). The message is copied. A
// message without hops, or on port 0 (ourselves), is ignored.
func (t *Tree) Handle(port Port, msg *wire.SwitchMsg, now time.Time) Changes {
	var c Changes
	if port == 0 || msg == nil || len(msg.Hops) == 0 {
		return c
	}
	t.handle(port, msg.Clone(), now, false, &c)
	t.finish(&c)
	return c
}

// handle is the reference's switch update, rows 1-14 of §6.6 in order.
// reprocessing re-runs a stored message during re-selection.
func (t *Tree) handle(port Port, msg *wire.SwitchMsg, now time.Time, reprocessing bool, c *Changes) {
	sender := newRecord(port, msg, now)
	if sender.sender == t.self {
		return // a link to ourselves
	}
	old := t.peer(port)
	if old != nil {
		sender.portChanged = old.portChanged
	}
	if !reprocessing && old != nil && onlyLastPortDiffers(old.msg, msg) {
		if !old.portChanged.IsZero() && now.Sub(old.portChanged) < PortChangeThrottle {
			t.portChangesIgnored++
			return
		}
		sender.portChanged = now
	}
	if reprocessing && old != nil {
		sender.faster = old.faster
		sender.received = old.received
		sender.blocked = old.blocked
	} else {
		sender.faster = t.scores(sender, old)
	}
	if old == nil || !old.sameLocator(&sender.root, sender.coords) || old.blocked != sender.blocked {
		t.dirty = true
	}
	t.store(sender)

	parent := t.peer(t.parent) // nil when parent is 0: port 0 is never stored
	switch {
	case t.loops(msg): // 1
	case t.isDropped(msg): // 2
	case sender.root.Better(&t.root): // 3
		t.adopt(sender, now, c)
	case sender.root != t.root: // 4: a worse root
	case t.tstamp > sender.tstamp: // 5
	case parent == nil: // 6
		t.adopt(sender, now, c)
	case sender.faster[t.parent] >= FasterThreshold: // 7
		t.adopt(sender, now, c)
	case !sender.blocked && parent.blocked: // 8
		t.adopt(sender, now, c)
	case reprocessing && sender.blocked && !parent.blocked: // 9
	case reprocessing && sender.faster[t.parent] > parent.faster[sender.port]: // 10
		t.adopt(sender, now, c)
	case sender.port != t.parent: // 11
	case !reprocessing && !sender.sameLocator(&t.root, t.coords): // 12: the parent moved
		t.reselect(sender.port, now, c)
	case now.Sub(t.switchTime) < Throttle: // 13
	case sender.tstamp > t.tstamp: // 14: a newer timestamp from the parent
		t.adopt(sender, now, c)
	}
}

// scores recomputes the sender's faster scores against every other stored
// peer (§6.6). Like the reference, a change of the sender's coords does not
// reset them.
func (t *Tree) scores(sender, old *record) map[Port]uint64 {
	faster := make(map[Port]uint64, len(t.peers))
	for _, q := range t.peers {
		if q.port == sender.port {
			continue
		}
		var prev uint64
		if old != nil {
			prev = old.faster[q.port]
		}
		switch {
		case sender.root != q.root || sender.tstamp > q.tstamp:
			faster[q.port] = min(prev+1, FasterThreshold)
		case prev > 1:
			faster[q.port] = prev - 2
		default:
			faster[q.port] = 0
		}
	}
	return faster
}

// loops reports whether the path passes through us: we are the root or the
// Next of any hop but the last (which is always us).
func (t *Tree) loops(msg *wire.SwitchMsg) bool {
	if msg.Root == t.self {
		return true
	}
	for i := 0; i < len(msg.Hops)-1; i++ {
		if msg.Hops[i].Next == t.self {
			return true
		}
	}
	return false
}

// adopt makes the sender our parent and takes its locator.
func (t *Tree) adopt(sender *record, now time.Time, c *Changes) {
	if sender.root != t.root || !sender.coords.Equal(t.coords) {
		c.Reset = true
	}
	if sender.tstamp != t.tstamp {
		t.switchTime = now
	}
	t.root = sender.root
	t.tstamp = sender.tstamp
	t.coords = sender.coords.Clone()
	t.parent = sender.port
	t.dirty = true
	c.SendAll = true
}

// reselect drops our parent and reprocesses every stored message, the
// affected port last so it stays parent only if nothing else qualifies. The
// first candidate to pass rows 1-5 takes row 6; the rest compete through
// rows 7-10. affected may be a port that is no longer stored.
func (t *Tree) reselect(affected Port, now time.Time, c *Changes) {
	t.parent = 0
	for _, p := range t.ports() {
		if p == affected {
			continue
		}
		if r := t.peer(p); r != nil {
			t.handle(p, r.msg, now, true, c)
		}
	}
	if r := t.peer(affected); r != nil {
		t.handle(affected, r.msg, now, true, c)
	}
}

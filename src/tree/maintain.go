package tree

import (
	"time"
)

// Maintain runs the periodic work of §6.4; call it every MaintainInterval.
// It drops a root whose timestamp has not moved for RootTimeout, makes us
// root when our key beats the current root, and refreshes our timestamp
// every RefreshInterval while we are root.
func (t *Tree) Maintain(now time.Time) Changes {
	var c Changes
	become := false
	if now.Sub(t.switchTime) > RootTimeout {
		// Remembered so that stale copies of this root's last timestamp,
		// still circulating, cannot bring it back (§6.5 and row 2).
		t.dropped[t.root] = t.tstamp
		become = true
	}
	if t.self.Better(&t.root) {
		become = true
	}
	if t.root == t.self && now.Sub(t.switchTime) > RefreshInterval {
		become = true
	}
	if become {
		t.becomeRoot(now, &c)
	}
	for root := range t.dropped {
		if !root.Better(&t.root) {
			delete(t.dropped, root)
		}
	}
	t.finish(&c)
	return c
}

// becomeRoot starts (or refreshes) a tree rooted at us.
func (t *Tree) becomeRoot(now time.Time, c *Changes) {
	if t.root != t.self {
		c.Reset = true
	}
	t.parent = 0
	t.switchTime = now
	t.root = t.self
	t.tstamp = now.Unix()
	t.coords = nil
	t.dirty = true
	c.SendAll = true
}

// RemovePeer forgets a peer whose link closed (§6.7). Losing the parent
// starts re-selection; if nobody qualifies we keep our old locator with no
// parent until the root times out.
func (t *Tree) RemovePeer(port Port, now time.Time) Changes {
	var c Changes
	if !t.remove(port) {
		return c
	}
	t.dirty = true
	if port == t.parent {
		t.reselect(port, now, &c)
	}
	t.finish(&c)
	return c
}

// SetBlocked marks a port blocked or not (§6.7, §6.11). A blocked port
// leaves the lookup table; blocking the parent starts re-selection with the
// parent last. A fresh switch message from the peer clears the flag again.
func (t *Tree) SetBlocked(port Port, blocked bool, now time.Time) Changes {
	var c Changes
	r := t.peer(port)
	if r == nil || r.blocked == blocked {
		return c
	}
	r.blocked = blocked
	t.dirty = true
	if blocked && port == t.parent {
		t.reselect(port, now, &c)
	}
	t.finish(&c)
	return c
}

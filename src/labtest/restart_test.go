//go:build linux

package labtest

import (
	"testing"
	"time"
)

// recoverTimeout bounds how long a node that held a session with a
// restarted node may take to reach it again: the old session is silently
// dead, so the sender only notices after 6 s without replies and then
// pings or searches again (spec 02 §6.12, §6.13); a restarted listener is
// also only called again after the 6-16 s hold-off (spec 01 §4.2).
const recoverTimeout = 45 * time.Second

// Issue 4 test 2d: a node restarted with the same config keeps its address
// and is reachable again, both when it is the side that dials and when it
// is the side that listens (its peer then has to call again).
func TestRestartSameKeys(t *testing.T) {
	_, nodes := peeredPair(t)
	for i, from := range nodes {
		_, err := from.WaitPingNode(nodes[1-i], pingTimeout)
		must(t, err)
	}

	for _, restarted := range []*Node{nodes[1], nodes[0]} {
		other := nodes[1-restarted.Index]
		before, err := restarted.GetSelf()
		must(t, err)
		must(t, restarted.Restart())
		after, err := restarted.GetSelf()
		must(t, err)
		if after.Address != before.Address || after.Address != restarted.Addr.String() ||
			after.BoxPubKey != before.BoxPubKey || after.Subnet != before.Subnet {
			t.Fatalf("%s came back as %+v, was %+v", restarted.Name, after, before)
		}
		must(t, WaitPeered(restarted, other, recoverTimeout))
		// The other node still holds its old session: its pings must get
		// through once it has noticed and set up a new one.
		d, err := other.WaitPingNode(restarted, recoverTimeout)
		must(t, err)
		t.Logf("%s restarted: %s reached it %v after the link came back", restarted.Name, other.Name, d.Round(time.Millisecond))
		_, err = restarted.WaitPingNode(other, pingTimeout)
		must(t, err)
	}
	for _, n := range nodes {
		must(t, n.Stop())
	}
}

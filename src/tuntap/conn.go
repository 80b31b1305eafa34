package tuntap

// Per-destination connections (spec 03 §3.5), owned by the adapter actor.
// Each registered session is indexed by the remote's address, subnet and
// key. A newer session for an address or subnet closes and replaces the
// old one. Connections idle for two minutes are closed: each packet only
// stamps lastUse, and the one timer per connection re-arms itself for the
// remaining time, so the packet path never touches a timer.

import (
	"time"

	"github.com/yggmesh/ygg/src/clock"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/crypto"
)

// idleTimeout closes connections without traffic either way.
const idleTimeout = 2 * time.Minute

type conn struct {
	sess    core.Session
	key     crypto.BoxPubKey
	remote  endpoint
	lastUse time.Time
	timer   clock.Timer
	closed  bool
}

// _register makes s the connection for its remote, replacing older ones,
// and flushes packets waiting for a dial to that remote.
func (a *Adapter) _register(s core.Session) *conn {
	key := s.RemoteKey()
	if c := a.byKey[key]; c != nil && c.sess == s {
		return c
	}
	c := &conn{sess: s, key: key, remote: endpointFor(&key), lastUse: a.clock.Now()}
	if old := a.byAddr[c.remote.addr]; old != nil {
		a.log.Debugf("replaced connection for address %s", c.remote.addr)
		a._close(old)
	}
	if old := a.bySubnet[c.remote.subnet]; old != nil {
		a.log.Debugf("replaced connection for subnet %s", c.remote.subnet)
		a._close(old)
	}
	if old := a.byKey[key]; old != nil {
		a._close(old)
	}
	a.byAddr[c.remote.addr] = c
	a.bySubnet[c.remote.subnet] = c
	a.byKey[key] = c
	a._armIdle(c, idleTimeout)
	for _, k := range []dialKey{addrDialKey(c.remote.addr), subnetDialKey(c.remote.subnet)} {
		if pd := a.dials[k]; pd != nil {
			delete(a.dials, k)
			a._flush(c, pd)
		}
	}
	return c
}

// _close removes c from every index, stops its timer and closes its session.
func (a *Adapter) _close(c *conn) {
	if c.closed {
		return
	}
	c.closed = true
	if a.byAddr[c.remote.addr] == c {
		delete(a.byAddr, c.remote.addr)
	}
	if a.bySubnet[c.remote.subnet] == c {
		delete(a.bySubnet, c.remote.subnet)
	}
	if a.byKey[c.key] == c {
		delete(a.byKey, c.key)
	}
	c.timer.Stop()
	c.sess.Close()
}

func (a *Adapter) _armIdle(c *conn, d time.Duration) {
	c.timer = a.clock.AfterFunc(d, func() { a.Act(nil, func() { a._idle(c) }) })
}

func (a *Adapter) _idle(c *conn) {
	if c.closed {
		return
	}
	if left := idleTimeout - a.clock.Now().Sub(c.lastUse); left > 0 {
		a._armIdle(c, left)
		return
	}
	a.log.Debugf("closing idle connection to %s", c.remote.addr)
	a._close(c)
}

package core

// The router's side of sessions, searches and NodeInfo: creating and
// indexing session actors, running searches (spec 02 §4) on the DHT, and
// turning a successful search into a ready session for Dial.

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/dht"
	"github.com/yggmesh/ygg/src/wire"
)

// search is one search in flight; several callers may wait on it.
type search struct {
	s   *dht.Search
	cbs []func(*dht.Response, error)
}

// _search finds the node matching dest under mask. Callers asking for a
// dest that is already being searched for wait on the same search (v0.3.16
// fails them with "search already exists").
func (r *router) _search(dest, mask crypto.NodeID, cb func(*dht.Response, error)) {
	if sr := r.searches[dest]; sr != nil {
		sr.cbs = append(sr.cbs, cb)
		return
	}
	sr := &search{s: dht.NewSearch(r._selfInfo(), dest, mask, r.now()), cbs: []func(*dht.Response, error){cb}}
	r.searches[dest] = sr
	r._searchStep(sr, sr.s.Start())
	r._searchCheckAfter(sr, dht.SearchTimeout)
}

// _searchStep asks a chain's next candidate now and schedules the step after.
func (r *router) _searchStep(sr *search, ch *dht.Chain) {
	if r.searches[sr.s.Dest()] != sr {
		return
	}
	next, ok := ch.Next()
	if !ok {
		return
	}
	r._dhtLookup(next.Key, next.Coords, sr.s.Dest(), false, func(res *dht.Response) { r._searchResponse(sr, res) })
	r.core.clock.AfterFunc(dht.SearchStep, func() { r.Act(nil, func() { r._searchStep(sr, ch) }) })
}

func (r *router) _searchResponse(sr *search, res *dht.Response) {
	if r.searches[sr.s.Dest()] != sr {
		return
	}
	done, next := sr.s.HandleResponse(res, r.now())
	if done {
		r._searchDone(sr, res, nil)
		return
	}
	if len(next) > 0 {
		r._searchStep(sr, sr.s.NewChain(next))
	}
}

func (r *router) _searchCheckAfter(sr *search, d time.Duration) {
	r.core.clock.AfterFunc(d, func() {
		r.Act(nil, func() {
			if r.searches[sr.s.Dest()] != sr {
				return
			}
			timedOut, at := sr.s.TimedOut(r.now())
			if timedOut {
				r._searchDone(sr, nil, ErrSearchDeadEnd)
				return
			}
			r._searchCheckAfter(sr, at.Sub(r.now()))
		})
	})
}

func (r *router) _searchDone(sr *search, res *dht.Response, err error) {
	delete(r.searches, sr.s.Dest())
	for _, cb := range sr.cbs {
		cb(res, err)
	}
}

// _dial searches for target/mask, makes or reuses the session with the
// node found and answers cb once it is ready (spec 02 §4.4, §8).
func (r *router) _dial(target, mask crypto.NodeID, cb DialCallback) {
	if r.stopped {
		cb(nil, ErrStopped)
		return
	}
	r._search(target, mask, func(res *dht.Response, err error) {
		if err != nil {
			cb(nil, err)
			return
		}
		s := r._sessionFound(res)
		if s == nil {
			cb(nil, ErrSessionNotAllowed)
			return
		}
		s.Act(r, func() { s._whenReady(cb) })
	})
}

// _sessionFound gives the session with the responder of a successful
// search, creating it if the firewall allows, and points it at the
// coords the responder gave.
func (r *router) _sessionFound(res *dht.Response) *session {
	key := res.From.Key
	s := r.sessions[key]
	if s == nil {
		if !r._allowed(&key, true) {
			return nil
		}
		s = r._newSession(key, r._sharedKey(&key, true), false)
	}
	coords := res.From.Coords
	s.Act(r, func() { s._found(coords) })
	return s
}

// _research runs when a session's pings go unanswered: search for its node
// again and, if found, send it to the coords found.
func (r *router) _research(id crypto.NodeID) {
	if r.searches[id] != nil {
		return
	}
	r._search(id, fullMask, func(res *dht.Response, err error) {
		if err == nil {
			r._sessionFound(res)
		}
	})
}

var fullMask = func() (m crypto.NodeID) {
	for i := range m {
		m[i] = 0xff
	}
	return m
}()

// _newSession creates and indexes a session with key; shared is
// Shared(our key, key), which the session copies. A session that is not
// ready (no ping or pong accepted) after handshakeTimeout and that no dial
// waits for is closed, so sessions that never complete are never kept.
func (r *router) _newSession(key crypto.BoxPubKey, shared *crypto.BoxSharedKey, incoming bool) *session {
	handle := crypto.NewHandleFrom(r.core.rand)
	for r.byHandle[handle] != nil {
		handle = crypto.NewHandleFrom(r.core.rand)
	}
	s := newSession(r.core, r.handler, key, shared, handle, r.maxMTU, incoming)
	r.sessions[key] = s
	r.byHandle[handle] = s
	// Before the session sends anything, so before anyone can know the
	// handle: the switch admits traffic for this node only to handles it has.
	sw := r.core.sw
	sw.Act(r, func() { sw._addHandle(handle) })
	r.core.clock.AfterFunc(handshakeTimeout, func() {
		s.Act(nil, func() {
			if s._expireIfNotReady() {
				r.Act(s, func() { r.guard.stats.SessionsTimedOut++ })
			}
		})
	})
	return s
}

func (r *router) _removeSession(s *session) {
	if r.sessions[s.theirKey] == s {
		delete(r.sessions, s.theirKey)
		delete(r.byHandle, s.myHandle)
		sw, h := r.core.sw, s.myHandle
		sw.Act(r, func() { sw._removeHandle(h) })
	}
	s.Act(r, s._closedByRouter)
}

// _handlePing routes a ping or pong to its session. A ping from a node
// without a session opens one when a handler is installed, the firewall
// allows it, the session would accept the ping (a session is never made for
// a ping it would drop, such as one with TStamp <= 0) and the session
// limits allow it; a pong never does (spec 02 §6.4).
func (r *router) _handlePing(from crypto.BoxPubKey, m *wire.SessionPing, shared *crypto.BoxSharedKey) {
	s := r.sessions[from]
	if s == nil {
		if m.IsPong || m.TStamp <= 0 || r.handler == nil || !r._allowed(&from, false) {
			return
		}
		if !r._mayOpenSession() {
			r.guard.stats.SessionsRefused++
			r.core.logs.refused.Debugf("Refused a session from %s: too many sessions", address.ForKey(&from))
			return
		}
		s = r._newSession(from, shared, true)
	}
	s.Act(r, func() { s._handlePing(m) })
}

// _mayOpenSession applies Limits.MaxSessions and the rate of new sessions
// to a session another node opens.
func (r *router) _mayOpenSession() bool {
	max := int(orDefault(r.limits.MaxSessions, config.DefaultLimits.MaxSessions))
	return len(r.sessions) < max && r.guard.sessions.Allow(r.now())
}

func (r *router) _setHandler(h SessionHandler) { r.handler = h }

func (r *router) _setMaxMTU(mtu uint64) {
	r.maxMTU = mtu
	for _, s := range r._sessionsInOrder() {
		s.Act(r, func() { s._setMyMTU(mtu) })
	}
}

// nodeInfoWait is a caller waiting for a node's NodeInfo.
type nodeInfoWait struct {
	cb       func([]byte)
	deadline time.Time
}

// nodeInfoExpiry is how long a NodeInfo request waits before its callback
// gets nil.
const nodeInfoExpiry = time.Minute

// _setNodeInfo installs our own NodeInfo (compact JSON).
func (r *router) _setNodeInfo(info []byte) { r.nodeinfo = info }

// _requestNodeInfo asks key at coords for its NodeInfo. Answers are matched
// only by key, so a newer request to the same key replaces an older one,
// whose callback gets nil.
func (r *router) _requestNodeInfo(key crypto.BoxPubKey, coords wire.Coords, cb func([]byte)) {
	if old := r.infoWaits[key]; old != nil {
		old.cb(nil)
	}
	r.infoWaits[key] = &nodeInfoWait{cb: cb, deadline: r.now().Add(nodeInfoExpiry)}
	req := wire.NodeInfoReq{Coords: r._coords()}
	r._sendProtocol(&key, coords, req.Encode(nil), true)
}

// _handleNodeInfoReq answers a request, to the coords it carries, within
// the reply rate limits.
func (r *router) _handleNodeInfoReq(from crypto.BoxPubKey, m *wire.NodeInfoReq) {
	if !r.guard.mayReply(&from, r.now()) {
		return
	}
	res := wire.NodeInfoRes{Coords: r._coords(), NodeInfo: r.nodeinfo}
	r._sendProtocol(&from, m.Coords, res.Encode(nil), false)
}

// _handleNodeInfoRes hands an answer that is a JSON object to the caller
// waiting for that key; anything else is dropped.
func (r *router) _handleNodeInfoRes(from crypto.BoxPubKey, m *wire.NodeInfoRes) {
	w := r.infoWaits[from]
	if w == nil {
		return
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(m.NodeInfo, &obj) != nil {
		return
	}
	delete(r.infoWaits, from)
	w.cb(append([]byte(nil), m.NodeInfo...))
}

func (r *router) _expireNodeInfo(now time.Time) {
	var due []crypto.BoxPubKey
	for key, w := range r.infoWaits {
		if now.After(w.deadline) {
			due = append(due, key)
		}
	}
	// Callbacks may send; call them in key order, not the map's.
	slices.SortFunc(due, func(a, b crypto.BoxPubKey) int { return bytes.Compare(a[:], b[:]) })
	for _, key := range due {
		w := r.infoWaits[key]
		delete(r.infoWaits, key)
		w.cb(nil)
	}
}

// sessionAddr is the address of a session's remote, for inspection.
func sessionAddr(s *session) address.Address { return address.ForKey(&s.theirKey) }

package core

// The router receives what the switch delivers to port 0 and originates
// this node's protocol traffic. It owns:
//
//   - the DHT table and the searches in flight (src/dht, pure state);
//   - the session index (by our handle and by remote key); each session is
//     an actor of its own that owns its keys, nonces and MTU;
//   - NodeInfo: our own, and the callbacks waiting for remote answers;
//   - a cache of shared keys for the permanent keys it talks to.
//
// What remotes can make it do is bounded (see guard.go): an X25519 for a key
// not in the cache comes out of a budget per second; answers to the coords
// a request names (DHT, NodeInfo) are rate-limited per requester and in all,
// so the node cannot be used as a reflector; a DHT answer is read only up to
// the 16 entries an honest one holds; sessions others open are capped.
//
// Dispatch of what arrives (spec 02 §7.2):
//
//	type 0 traffic   ──▶ session by handle ──▶ session._recv
//	type 1 protocol  ──▶ open with Shared(our key, FromKey) ──▶
//	    4/5 ping/pong ──▶ session (created for a ping if the handler and firewall allow)
//	    6/7 DHT       ──▶ dht.Table, searches
//	    8/9 NodeInfo  ──▶ answer / callback
//
// Everything the router sends goes to the switch as if it arrived on port 0.

import (
	"bytes"
	"slices"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/bufpool"
	"github.com/yggmesh/ygg/src/clock"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/dht"
	"github.com/yggmesh/ygg/src/firewall"
	"github.com/yggmesh/ygg/src/tree"
	"github.com/yggmesh/ygg/src/wire"
)

// sharedCacheMax bounds the permanent shared-key cache; when it is full an
// arbitrary entry makes room (recomputing a key costs one X25519).
const sharedCacheMax = 4096

// router owns everything addressed to this node; see the file comment.
type router struct {
	actor.Inbox
	core    *Core
	table   *tree.Table
	dht     *dht.Table
	shared  map[crypto.BoxPubKey]*crypto.BoxSharedKey
	ticker  clock.Timer
	stopped bool

	searches map[crypto.NodeID]*search

	sessions  map[crypto.BoxPubKey]*session
	byHandle  map[crypto.Handle]*session
	handler   SessionHandler
	maxMTU    uint64
	firewall  *firewall.Rules
	direct    map[crypto.BoxPubKey]int // links per directly connected peer key
	nodeinfo  []byte
	infoWaits map[crypto.BoxPubKey]*nodeInfoWait
	limits    config.Limits
	guard     routerGuard
}

func newRouter(c *Core) *router {
	return &router{
		core:      c,
		dht:       dht.New(c.id.BoxPub),
		shared:    make(map[crypto.BoxPubKey]*crypto.BoxSharedKey),
		searches:  make(map[crypto.NodeID]*search),
		sessions:  make(map[crypto.BoxPubKey]*session),
		byHandle:  make(map[crypto.Handle]*session),
		maxMTU:    65535,
		direct:    make(map[crypto.BoxPubKey]int),
		nodeinfo:  []byte("{}"),
		infoWaits: make(map[crypto.BoxPubKey]*nodeInfoWait),
		guard:     newRouterGuard(c.rand),
	}
}

func (r *router) now() time.Time { return r.core.clock.Now() }

func (r *router) _start() { r._scheduleMaintenance() }

func (r *router) _stop() {
	r.stopped = true
	if r.ticker != nil {
		r.ticker.Stop()
	}
	for _, s := range r._sessionsInOrder() {
		r._removeSession(s)
	}
}

// _sessionsInOrder lists the sessions by remote key: what goes to every
// session is sent in this order, never a map's, so a run on the executor
// replays.
func (r *router) _sessionsInOrder() []*session {
	out := make([]*session, 0, len(r.sessions))
	for _, s := range r.sessions {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *session) int { return bytes.Compare(a.theirKey[:], b.theirKey[:]) })
	return out
}

func (r *router) _scheduleMaintenance() {
	r.ticker = r.core.clock.AfterFunc(dht.MaintainInterval, func() { r.Act(nil, r._maintain) })
}

// _maintain runs once a second: DHT upkeep and expiries.
func (r *router) _maintain() {
	if r.stopped {
		return
	}
	now := r.now()
	for _, info := range r.dht.Maintain(now) {
		r._sendDHTPing(info)
	}
	r._expireNodeInfo(now)
	r._scheduleMaintenance()
}

// _setTable takes a new lookup table from the switch.
func (r *router) _setTable(t *tree.Table) {
	first := r.table == nil
	r.table = t
	if first {
		r.dht.SetCoords(t.Self())
	}
}

// _reset runs when our root or coords changed: the DHT pings its important
// nodes from the new coords and empties itself, and every session re-pings
// on its next write (spec 02 §3.11, §6.12).
func (r *router) _reset() {
	for _, info := range r.dht.Reset(r._coords()) {
		r._sendDHTPing(info)
	}
	for _, s := range r._sessionsInOrder() {
		s.Act(r, s._markReset)
	}
}

// _peerSeen runs for every accepted switch message from a direct peer: the
// peer goes into the DHT and gets a DHT ping (spec 02 §3.7).
func (r *router) _peerSeen(key crypto.BoxPubKey, coords wire.Coords) {
	info := dht.Info{Key: key, Coords: coords}
	r.dht.AddPeer(info, r.now())
	r._sendDHTReq(info, r.dht.SelfID(), true) // a direct peer: links are capped
}

// _peerLinked and _peerUnlinked keep count of links per peer key, for the
// firewall's "direct" rule.
func (r *router) _peerLinked(key crypto.BoxPubKey) { r.direct[key]++ }

func (r *router) _peerUnlinked(key crypto.BoxPubKey) {
	if r.direct[key]--; r.direct[key] <= 0 {
		delete(r.direct, key)
	}
}

// _coords is our current position in the tree.
func (r *router) _coords() wire.Coords {
	if r.table == nil {
		return wire.Coords{}
	}
	return r.table.Self()
}

func (r *router) _selfInfo() dht.Info {
	return dht.Info{Key: r.core.id.BoxPub, Coords: r._coords()}
}

// _sharedKey is Shared(our permanent key, key), cached. A key not in the
// cache costs an X25519, which a remote can ask for with every new key it
// makes up: unless local is set (the node's own dials and admin requests),
// it comes out of the guard's budget, and nil means the budget is spent for
// now and the caller drops what it was doing.
func (r *router) _sharedKey(key *crypto.BoxPubKey, local bool) *crypto.BoxSharedKey {
	if k := r.shared[*key]; k != nil {
		return k
	}
	if !local && !r.guard.newKeys.Allow(r.now()) {
		r.guard.stats.KeyBudgetDrops++
		return nil
	}
	if len(r.shared) >= sharedCacheMax {
		for old := range r.shared {
			delete(r.shared, old)
			break
		}
	}
	k := r.core.sharer.Shared(key)
	r.shared[*key] = &k
	return &k
}

// _sendProtocol seals an inner message for key at coords and sends it; see
// _sharedKey for local.
func (r *router) _sendProtocol(key *crypto.BoxPubKey, coords wire.Coords, inner []byte, local bool) {
	shared := r._sharedKey(key, local)
	if shared == nil {
		return
	}
	pkt := wire.SealProtocolTraffic(nil, coords, key, &r.core.id.BoxPub, shared, inner)
	r.core.sw.sendLocal(r, pkt)
}

// deliver hands the router a batch the switch routed to port 0; done tells
// the switch it may send the next one.
func (r *router) deliver(batch [][]byte, done func()) {
	r.Act(nil, func() {
		for _, p := range batch {
			r._handlePacket(p)
		}
		done()
	})
}

// _handlePacket dispatches a packet for this node; anything that does not
// decode, is not for us or does not open is dropped silently (spec 01 §6.12).
func (r *router) _handlePacket(p []byte) {
	if r.stopped {
		return
	}
	switch t, _ := wire.PacketType(p); t {
	case wire.TypeTraffic:
		var tr wire.Traffic
		if tr.Decode(p) == nil {
			if s := r.byHandle[tr.Handle]; s != nil {
				// The session ends the packet's life (and returns p).
				s.Act(r, func() { s._recv(&tr, p) })
				return
			}
		}
	case wire.TypeProtocolTraffic:
		r._handleProtocol(p)
	}
	bufpool.Put(p)
}

func (r *router) _handleProtocol(p []byte) {
	var pt wire.ProtocolTraffic
	if pt.Decode(p) != nil || pt.ToKey != r.core.id.BoxPub {
		return
	}
	shared := r._sharedKey(&pt.FromKey, false)
	if shared == nil {
		return
	}
	inner, err := pt.Open(nil, shared)
	if err != nil {
		return
	}
	t, ok := wire.PacketType(inner)
	if !ok {
		return
	}
	from := pt.FromKey
	switch t {
	case wire.TypeSessionPing, wire.TypeSessionPong:
		var m wire.SessionPing
		if m.Decode(inner) == nil {
			r._handlePing(from, &m, shared)
		}
	case wire.TypeDHTLookupRequest:
		var m wire.DHTReq
		if m.Decode(inner) == nil {
			r._handleDHTReq(from, &m)
		}
	case wire.TypeDHTLookupResponse:
		var m wire.DHTRes
		if m.Decode(inner) == nil {
			r._handleDHTRes(from, &m)
		}
	case wire.TypeNodeInfoRequest:
		var m wire.NodeInfoReq
		if m.Decode(inner) == nil {
			r._handleNodeInfoReq(from, &m)
		}
	case wire.TypeNodeInfoResponse:
		var m wire.NodeInfoRes
		if m.Decode(inner) == nil {
			r._handleNodeInfoRes(from, &m)
		}
	}
}

// _sendDHTReq asks to about dest. Recording the request, so its answer is
// accepted, is the caller's job (the DHT table does it for the pings it asks
// for). Keys a remote named come out of the key budget (see _sharedKey).
func (r *router) _sendDHTReq(to dht.Info, dest crypto.NodeID, local bool) {
	req := wire.DHTReq{Coords: r._coords(), Dest: dest}
	r._sendProtocol(&to.Key, to.Coords, req.Encode(nil), local)
}

// _sendDHTPing sends a DHT ping (a lookup for our own NodeID) to a node the
// DHT table chose. The table has already recorded it where an answer must
// be accepted.
func (r *router) _sendDHTPing(to dht.Info) { r._sendDHTReq(to, r.dht.SelfID(), false) }

// _handleDHTReq answers a well-formed lookup, to the coords in the request
// (spec 02 §3.5), within the reply rate limits.
func (r *router) _handleDHTReq(from crypto.BoxPubKey, req *wire.DHTReq) {
	requester := dht.Info{Key: from, Coords: req.Coords}
	answer, ping := r.dht.HandleRequest(requester, req.Dest, r.now())
	if r.guard.mayReply(&from, r.now()) {
		res := wire.DHTRes{Coords: r._coords(), Dest: req.Dest, Entries: make([]wire.DHTEntry, len(answer))}
		for i, info := range answer {
			res.Entries[i] = wire.DHTEntry{Key: info.Key, Coords: info.Coords}
		}
		r._sendProtocol(&from, req.Coords, res.Encode(nil), false)
	}
	if ping {
		r._sendDHTPing(requester)
	}
}

// _handleDHTRes reads a lookup answer. Only the first dht.LookupSize
// entries count: an honest answer never holds more, and each entry may
// cost a DHT ping (finding 5 of issue 10: 1800 made-up entries made 1800
// requests).
func (r *router) _handleDHTRes(from crypto.BoxPubKey, m *wire.DHTRes) {
	entries := m.Entries
	if len(entries) > dht.LookupSize {
		entries = entries[:dht.LookupSize]
		r.guard.stats.LongDHTAnswers++
	}
	res := &dht.Response{From: dht.Info{Key: from, Coords: m.Coords}, Dest: m.Dest, Infos: make([]dht.Info, len(entries))}
	for i, e := range entries {
		res.Infos[i] = dht.Info{Key: e.Key, Coords: e.Coords}
	}
	for _, info := range r.dht.HandleResponse(res, r.now()) {
		r._sendDHTPing(info)
	}
}

// _dhtLookup sends one lookup to (key, coords) for dest and calls cb with
// the answer, or with nil after the 6 s request timeout. local is set for
// lookups the node's user asked for (admin), not for search steps to
// candidates a remote listed.
func (r *router) _dhtLookup(key crypto.BoxPubKey, coords wire.Coords, dest crypto.NodeID, local bool, cb func(*dht.Response)) {
	now := r.now()
	r.dht.AddCallback(key, dest, now, cb)
	r.dht.SentRequest(key, dest, now)
	r._sendDHTReq(dht.Info{Key: key, Coords: coords}, dest, local)
}

// _setLimits takes the Limits section; the router applies MaxSessions.
func (r *router) _setLimits(l config.Limits) { r.limits = l }

// _setFirewall installs new session firewall rules.
func (r *router) _setFirewall(rules *firewall.Rules) { r.firewall = rules }

// _allowed applies the session firewall to a new session with key.
func (r *router) _allowed(key *crypto.BoxPubKey, initiator bool) bool {
	return r.firewall.Allowed(*key, initiator, r.direct[*key] > 0)
}

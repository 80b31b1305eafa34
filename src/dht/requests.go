package dht

import (
	"cmp"
	"slices"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
)

// A dhtRes is only believed if we asked that exact key about that exact Dest
// recently (spec 02 §3.8); that is the whole of the DHT's defence against
// unsolicited or forged answers, the box having proved the sender's key.

// reqKey names an outstanding request: who was asked, and about what.
type reqKey struct {
	key  crypto.BoxPubKey
	dest crypto.NodeID
}

// callback waits for the answer to one request.
type callback struct {
	deadline time.Time
	seq      uint64 // registration order, so expiry calls are deterministic
	fn       func(*Response)
}

// SentRequest records that we sent key a dhtReq about dest, so that its
// answer will be accepted for RequestTimeout. Pings the Table itself asks
// for are recorded already.
func (t *Table) SentRequest(key crypto.BoxPubKey, dest crypto.NodeID, now time.Time) {
	t.reqs[reqKey{key, dest}] = now
}

// AddCallback registers fn for the next answer from key about dest. It is
// called once: with the response, or with nil by the first Maintain after
// RequestTimeout has passed. The callback may call back into the Table.
func (t *Table) AddCallback(key crypto.BoxPubKey, dest crypto.NodeID, now time.Time, fn func(*Response)) {
	k := reqKey{key, dest}
	t.cbSeq++
	t.callbacks[k] = append(t.callbacks[k], callback{deadline: now.Add(RequestTimeout), seq: t.cbSeq, fn: fn})
}

// HandleResponse processes a dhtRes (spec 02 §3.9). Every callback waiting
// for it fires first, whether or not the table accepts it. The table then
// accepts it only as the answer to an outstanding request, inserts the
// responder if it is important, and returns the listed nodes it does not
// know but finds important. Those pings are recorded; the caller sends them.
func (t *Table) HandleResponse(res *Response, now time.Time) (toPing []Info) {
	k := reqKey{res.From.Key, res.Dest}
	if cbs, ok := t.callbacks[k]; ok {
		// Detach first: a callback may register new ones under this key.
		delete(t.callbacks, k)
		for _, cb := range cbs {
			cb.fn(res)
		}
	}
	sent, ok := t.reqs[k]
	if !ok {
		return nil
	}
	delete(t.reqs, k)
	if now.Sub(sent) > RequestTimeout {
		return nil
	}
	fromID := t.idOf(&res.From.Key)
	if t.isImportant(&fromID, &res.From) {
		t.insert(fromID, res.From, now)
	}
	seen := make(map[crypto.NodeID]bool, len(res.Infos))
	for i := range res.Infos {
		info := &res.Infos[i]
		id := t.idOf(&info.Key)
		if id == t.selfID || seen[id] {
			continue
		}
		seen[id] = true
		if _, known := t.entries[id]; known || !t.isImportant(&id, info) {
			continue
		}
		t.SentRequest(info.Key, t.selfID, now)
		toPing = append(toPing, Info{Key: info.Key, Coords: info.Coords.Clone()})
	}
	return toPing
}

// expireRequests drops requests older than RequestTimeout and calls overdue
// callbacks with nil.
func (t *Table) expireRequests(now time.Time) {
	for k, sent := range t.reqs {
		if now.Sub(sent) > RequestTimeout {
			delete(t.reqs, k)
		}
	}
	var overdue []callback
	for k, cbs := range t.callbacks {
		kept := cbs[:0]
		for _, cb := range cbs {
			if now.After(cb.deadline) {
				overdue = append(overdue, cb)
			} else {
				kept = append(kept, cb)
			}
		}
		if len(kept) == 0 {
			delete(t.callbacks, k)
		} else {
			t.callbacks[k] = kept
		}
	}
	// Called only after the map is consistent, since they may re-enter.
	slices.SortFunc(overdue, func(a, b callback) int { return cmp.Compare(a.seq, b.seq) })
	for _, cb := range overdue {
		cb.fn(nil)
	}
}

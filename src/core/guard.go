package core

// The router's guard: the limits on what remote nodes can make the router
// spend. It is plain state owned by the router actor.
//
//   - newKeys: an X25519 for a permanent key not in the shared-key cache
//     (opening a packet from a new key, or sending to a key a remote named).
//     A remote can make up keys for free; each costs us about 50 µs.
//   - replies: DHT and NodeInfo answers go to the coords the request names,
//     which the requester chooses: a small request buys a larger answer sent
//     anywhere. Answers are limited per requesting key (a fixed table of
//     buckets, so many keys cost no memory) and in all.
//
// Honest traffic stays far below every limit: a node asks a peer a few DHT
// questions a minute, and new keys arrive at a few a second even on a
// network of thousands of nodes.

import (
	"io"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/ratelimit"
)

const (
	newKeysPerSecond   = 256
	newKeysBurst       = 512
	repliesPerKey      = 10 // a second, per requesting key
	repliesPerKeyBurst = 20
	repliesPerSecond   = 1000 // in all
	repliesBurst       = 2000
	replyTableSlots    = 1024
	// sessionsPerSecond bounds the sessions other nodes open with us.
	sessionsPerSecond = 64
	sessionsBurst     = 128
)

// GuardStats counts what the router's limits refused.
type GuardStats struct {
	KeyBudgetDrops   uint64 // packets dropped or not sent: X25519 budget spent
	RepliesDropped   uint64 // DHT and NodeInfo answers not sent
	LongDHTAnswers   uint64 // DHT answers with more than 16 entries (the rest ignored)
	SessionsRefused  uint64 // sessions others asked for over MaxSessions or the rate
	SessionsTimedOut uint64 // sessions closed because they never became ready
}

type routerGuard struct {
	newKeys      ratelimit.Bucket
	repliesByKey *ratelimit.Table
	replies      ratelimit.Bucket
	sessions     ratelimit.Bucket
	stats        GuardStats
}

func newRouterGuard(random io.Reader) routerGuard {
	return routerGuard{
		newKeys:      ratelimit.NewBucket(newKeysPerSecond, newKeysBurst),
		repliesByKey: ratelimit.NewTable(replyTableSlots, repliesPerKey, repliesPerKeyBurst, random),
		replies:      ratelimit.NewBucket(repliesPerSecond, repliesBurst),
		sessions:     ratelimit.NewBucket(sessionsPerSecond, sessionsBurst),
	}
}

// mayReply reports whether an answer to from may be sent now.
func (g *routerGuard) mayReply(from *crypto.BoxPubKey, now time.Time) bool {
	if g.repliesByKey.Allow(from[:], now) && g.replies.Allow(now) {
		return true
	}
	g.stats.RepliesDropped++
	return false
}

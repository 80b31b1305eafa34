// Package ratelimit holds token buckets: one Bucket for a single limit, and
// a Table of them for a limit per remote (a key, an address) that costs the
// same memory however many remotes there are.
//
// Buckets are plain data with one owner (an actor, or a caller holding a
// lock): nothing here locks, starts goroutines or reads the clock; every
// call takes "now", so the node's virtual clock drives them in tests.
package ratelimit

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
	"math"
	"time"
)

// Bucket allows Rate events a second on average, and up to Burst at once.
// The zero value allows nothing; make one with NewBucket.
type Bucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

// NewBucket makes a full bucket.
func NewBucket(rate float64, burst int) Bucket {
	return Bucket{rate: rate, burst: float64(burst), tokens: float64(burst)}
}

// refill adds the tokens earned since the last call. A clock that went
// backwards earns nothing, rather than a negative amount.
func (b *Bucket) refill(now time.Time) {
	if !b.last.IsZero() {
		if dt := now.Sub(b.last); dt > 0 {
			b.tokens = min(b.burst, b.tokens+dt.Seconds()*b.rate)
		}
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
}

// epsilon absorbs float rounding: a bucket refilled for exactly the time
// Wait gave must hold its token, or a virtual clock would wait again at
// the same instant for ever.
const epsilon = 1e-9

// Allow takes one token if there is one.
func (b *Bucket) Allow(now time.Time) bool {
	b.refill(now)
	if b.tokens < 1-epsilon {
		return false
	}
	b.tokens--
	return true
}

// Wait is how long after now until Allow would succeed (0 if it would now).
func (b *Bucket) Wait(now time.Time) time.Duration {
	b.refill(now)
	if b.tokens >= 1-epsilon || b.rate <= 0 {
		return 0
	}
	// Rounded up, so the wait is never a nanosecond short.
	return time.Duration(math.Ceil((1-b.tokens)/b.rate*float64(time.Second))) + 1
}

// Table is a fixed number of buckets indexed by a keyed hash of the remote's
// name. Remotes that hash to the same slot share a bucket: the table never
// grows, and a remote cannot pick a slot without knowing the secret key.
type Table struct {
	key     [32]byte
	buckets []Bucket
}

// NewTable makes a table of slots buckets, each allowing rate a second and
// burst at once, with a hash key read from random (the node's random
// source: crypto/rand, or a simulator's seeded one so that a run replays).
func NewTable(slots int, rate float64, burst int, random io.Reader) *Table {
	t := &Table{buckets: make([]Bucket, max(slots, 1))}
	if _, err := io.ReadFull(random, t.key[:]); err != nil {
		panic("ratelimit: random source failed: " + err.Error())
	}
	for i := range t.buckets {
		t.buckets[i] = NewBucket(rate, burst)
	}
	return t
}

// Allow takes a token from the bucket for key.
func (t *Table) Allow(key []byte, now time.Time) bool {
	h := sha256.New()
	h.Write(t.key[:])
	h.Write(key)
	var sum [sha256.Size]byte
	slot := binary.LittleEndian.Uint64(h.Sum(sum[:0]))
	return t.buckets[slot%uint64(len(t.buckets))].Allow(now)
}

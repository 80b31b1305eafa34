package crypto

import (
	"crypto/sha512"
	"sync"
)

// verifiedCap bounds the signatures remembered as good: 32 bytes of key
// each and a map slot, a few MiB at most.
const verifiedCap = 1 << 16

// verified remembers (key, message, signature) triples that passed Verify
// in this process, by a SHA-512/256 digest of all three. Switch messages
// repeat the same signed hops (every node below a parent relays the
// parent's chain), so a node, or a simulator holding thousands of nodes,
// checks each signature once instead of on every relay. A digest can only
// match a triple that was itself verified, so a hit is as good as a check.
var verified = struct {
	sync.Mutex
	set  map[[32]byte]struct{}
	ring [][32]byte // insertion order; the oldest is evicted when full
	next int
}{set: make(map[[32]byte]struct{}, verifiedCap)}

func verifiedDigest(pub *SigPubKey, msg []byte, sig *Sig) [32]byte {
	h := sha512.New512_256()
	h.Write(pub[:])
	h.Write(sig[:])
	h.Write(msg)
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// VerifyCached is Verify, remembering good signatures: the same key,
// message and signature are checked only once per process.
func VerifyCached(pub *SigPubKey, msg []byte, sig *Sig) bool {
	d := verifiedDigest(pub, msg, sig)
	verified.Lock()
	_, ok := verified.set[d]
	verified.Unlock()
	if ok {
		return true
	}
	if !Verify(pub, msg, sig) {
		return false
	}
	verified.Lock()
	defer verified.Unlock()
	if _, ok := verified.set[d]; ok {
		return true
	}
	if len(verified.ring) < verifiedCap {
		verified.ring = append(verified.ring, d)
	} else {
		delete(verified.set, verified.ring[verified.next])
		verified.ring[verified.next] = d
		verified.next = (verified.next + 1) % verifiedCap
	}
	verified.set[d] = struct{}{}
	return true
}

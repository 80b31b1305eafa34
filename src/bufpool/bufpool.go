// Package bufpool recycles packet buffers, so the packet path does not
// allocate (and zero) a fresh buffer for every frame.
//
// Ownership rule: a buffer from Get belongs to whoever holds the packet;
// it is handed on with the packet, and only the holder that ends the
// packet's life (a link writer after the write, a session after decrypting
// it, the router after handling it) may Put it back, and must not touch it
// afterwards. A buffer that is never put back is simply garbage collected,
// so Put is an optimisation, never a requirement.
package bufpool

import "sync"

// classes are the buffer capacities kept, smallest first: a small packet, a
// typical TUN packet with overhead, and the largest frame.
var classes = [...]int{2 << 10, 16 << 10, 68 << 10}

var pools [len(classes)]sync.Pool

// Get returns a buffer of length n. Its contents are arbitrary.
func Get(n int) []byte {
	for i, c := range classes {
		if n <= c {
			if b, ok := pools[i].Get().(*[]byte); ok {
				return (*b)[:n]
			}
			return make([]byte, n, c)
		}
	}
	return make([]byte, n)
}

// Put returns a buffer obtained from Get. Buffers of other capacities are
// left to the garbage collector.
func Put(b []byte) {
	c := cap(b)
	for i, size := range classes {
		if c == size {
			b = b[:0]
			pools[i].Put(&b)
			return
		}
	}
}

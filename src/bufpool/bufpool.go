// Package bufpool recycles packet buffers, so the packet path does not
// allocate (and zero) a fresh buffer for every frame.
//
// Ownership rule: a buffer from Get belongs to whoever holds the packet;
// it is handed on with the packet, and only the holder that ends the
// packet's life (a link writer after the write, a session after decrypting
// it, the router after handling it) may Put it back, and must not touch it
// afterwards. A buffer that is never put back is simply garbage collected,
// so Put is an optimisation, never a requirement.
//
// The pool is bounded: each size class keeps at most a fixed number of free
// buffers (about 4 MiB per class), and a buffer put back into a full class
// is left to the garbage collector. A sync.Pool has no such bound: under a
// flood, where one goroutine takes buffers and others give them back, it
// kept tens of megabytes of free buffers until the collector caught up.
package bufpool

import "sync"

// classes are the buffer capacities kept, smallest first: a small packet, a
// typical TUN packet with overhead, and the largest frame.
var classes = [...]int{2 << 10, 16 << 10, 68 << 10}

// classBytes is about what each class may keep free.
const classBytes = 4 << 20

// class is one size class's free buffers: a bounded stack.
type class struct {
	mu   sync.Mutex
	bufs [][]byte
	max  int
}

var free = func() (f [len(classes)]*class) {
	for i, c := range classes {
		f[i] = &class{max: classBytes / c}
	}
	return f
}()

// Get returns a buffer of length n. Its contents are arbitrary.
func Get(n int) []byte {
	for i, c := range classes {
		if n <= c {
			fc := free[i]
			fc.mu.Lock()
			if k := len(fc.bufs); k > 0 {
				b := fc.bufs[k-1]
				fc.bufs[k-1] = nil
				fc.bufs = fc.bufs[:k-1]
				fc.mu.Unlock()
				return b[:n]
			}
			fc.mu.Unlock()
			return make([]byte, n, c)
		}
	}
	return make([]byte, n)
}

// Put returns a buffer obtained from Get. Buffers of other capacities, and
// buffers a full class has no room for, are left to the garbage collector.
func Put(b []byte) {
	c := cap(b)
	for i, size := range classes {
		if c == size {
			fc := free[i]
			fc.mu.Lock()
			if len(fc.bufs) < fc.max {
				fc.bufs = append(fc.bufs, b[:0])
			}
			fc.mu.Unlock()
			return
		}
	}
}

// Free is how many buffers of each class wait to be reused, for tests.
func Free() [len(classes)]int {
	var n [len(classes)]int
	for i, fc := range free {
		fc.mu.Lock()
		n[i] = len(fc.bufs)
		fc.mu.Unlock()
	}
	return n
}

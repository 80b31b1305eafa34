// Package queue holds the packets waiting for the switch ports: one Queue
// per port, all of them in one Set whose byte bounds they share.
//
// Policy, in the order it is applied:
//   - Two classes. Control packets (protocol traffic: DHT, session pings,
//     NodeInfo) are always sent before bulk packets (session traffic), so a
//     flood of data never delays a search answer or a session handshake.
//   - Within a class, packets are grouped first by source, the port they
//     came in on, which no remote can forge: one peer's traffic competes
//     only with itself. Within a source they are grouped into streams by a
//     key the owner chooses (for bulk, the session: destination and handle),
//     so a session's sealed packets leave in the order they were sealed,
//     which its receiver requires (it drops a nonce older than the newest it
//     has seen). Sources are served round robin, one packet per turn, and
//     so are the streams of each source; within a stream the order is FIFO.
//     A peer that makes up thousands of sessions still gets one turn in
//     each round, as each honest peer does.
//   - Each class has one byte bound for the whole Set. What counts is what
//     the packets really hold: the capacity of each buffer plus a fixed
//     overhead per packet, stream and source (see Cost), not the packet
//     length, so a flood of tiny packets in big pooled buffers is bounded
//     too. Over the bound, Trim drops the oldest packet of the heaviest
//     stream of the heaviest source in any queue of the Set, until the
//     class fits: the heaviest sender pays for congestion. Drops are
//     counted; nothing blocks.
//
// Work per packet is O(log n): each class keeps a heap of its sources by
// weight and each source a heap of its streams; rings of sources and of
// streams are doubly linked for round robin.
//
// The Set and its queues are plain data owned by one actor (the switch): no
// locks, no goroutines, no clock.
package queue

// Class is a packet class.
type Class int

// The classes, in the order they are served.
const (
	Control Class = iota
	Bulk
	numClasses
)

// Bookkeeping costs counted against the bounds besides the buffers
// themselves: a packet's slot in its FIFO, and the struct, map entry and
// heap slot of a stream or a source (rounded up from their sizes on 64-bit
// systems).
const (
	PacketOverhead = 64
	StreamOverhead = 192
	SourceOverhead = 192
)

// Cost is what a queued packet counts against its class bound.
func Cost(p []byte) int { return cap(p) + PacketOverhead }

// Drops counts packets dropped and the bytes they counted.
type Drops struct {
	Packets uint64
	Bytes   uint64
}

func (d *Drops) add(cost int) {
	d.Packets++
	d.Bytes += uint64(cost)
}

// Set is the queues of all ports and the bounds they share.
type Set struct {
	classes [numClasses]classState
	// onDrop receives every packet the Set drops (by a bound or by Close),
	// so the owner can recycle its buffer.
	onDrop func([]byte)
	// free keeps a few retired streams with their FIFO storage: a session
	// whose queue drains after every packet would otherwise allocate a
	// stream per packet. freeSources does the same for sources.
	free        freeList[stream]
	freeSources freeList[source]
}

const (
	maxFree      = 64
	maxFreeSlots = 256
)

// classState is one class across every queue of the Set.
type classState struct {
	max      int
	bytes    int                // Cost of the packets queued plus the stream and source overheads
	heaviest weightHeap[source] // every non-empty source of the class, heaviest first
	streams  int                // non-empty streams
	dropped  Drops              // by the bound
}

// NewSet makes a set with the given bounds for control and bulk bytes.
// onDrop (may be nil) receives every dropped packet.
func NewSet(controlMax, bulkMax int, onDrop func([]byte)) *Set {
	s := &Set{onDrop: onDrop}
	s.classes[Control].max = controlMax
	s.classes[Bulk].max = bulkMax
	return s
}

// SetBound changes a class bound; the next Trim applies it.
func (s *Set) SetBound(c Class, max int) { s.classes[c].max = max }

// Bound is a class bound.
func (s *Set) Bound(c Class) int { return s.classes[c].max }

// Bytes is what a class counts against its bound now.
func (s *Set) Bytes(c Class) int { return s.classes[c].bytes }

// Streams is the number of non-empty streams of a class.
func (s *Set) Streams(c Class) int { return s.classes[c].streams }

// Dropped is what the bound of a class has dropped so far.
func (s *Set) Dropped(c Class) Drops { return s.classes[c].dropped }

// Trim drops packets until every class fits its bound: each time the
// oldest packet of the heaviest stream of the heaviest source of the
// class, wherever it is queued. The owner calls it after pushing and
// handing out what it could, so the bound applies to what is left waiting.
func (s *Set) Trim() {
	for c := range s.classes {
		cs := &s.classes[c]
		for cs.bytes > cs.max && len(cs.heaviest) > 0 {
			src := cs.heaviest[0]
			q := src.q
			p, cost := q.take(src.heaviest[0])
			cs.dropped.add(cost)
			q.dropped[c].add(cost)
			s.drop(p)
		}
	}
}

func (s *Set) drop(p []byte) {
	if s.onDrop != nil {
		s.onDrop(p)
	}
}

// Queue holds the packets waiting for one port, in its Set.
type Queue struct {
	set     *Set
	rings   [numClasses]ring[source] // non-empty sources, round robin
	sources map[sourceKey]*source
	packets int
	bytes   [numClasses]int
	dropped [numClasses]Drops // by the Set's bounds
	closed  Drops             // by Close
}

type sourceKey struct {
	class Class
	src   uint64
}

// source is the packets of one class from one port, in one queue.
type source struct {
	links[source]
	q        *Queue
	key      sourceKey
	streams  map[uint64]*stream
	rr       ring[stream]       // non-empty streams, round robin
	heaviest weightHeap[stream] // the same, heaviest first
}

// stream is the packets of one key from one source, oldest first.
type stream struct {
	links[stream]
	src     *source
	key     uint64
	packets fifo
}

// NewQueue makes an empty queue in the set.
func (s *Set) NewQueue() *Queue {
	return &Queue{set: s, sources: make(map[sourceKey]*source)}
}

// Push queues p of class c from source src in the stream named key. It
// never drops: the owner calls Set.Trim once it has handed out what it
// could.
func (q *Queue) Push(c Class, src, key uint64, p []byte) {
	cs := &q.set.classes[c]
	sk := sourceKey{c, src}
	g := q.sources[sk]
	if g == nil {
		g = q.set.newSource(q, sk)
		q.sources[sk] = g
		q.rings[c].insert(g)
		cs.heaviest.push(g)
		q.charge(c, SourceOverhead)
	}
	st := g.streams[key]
	if st == nil {
		st = q.set.newStream(g, key)
		g.streams[key] = st
		g.rr.insert(st)
		g.heaviest.push(st)
		cs.streams++
		q.charge(c, StreamOverhead)
		g.weight += StreamOverhead
	}
	cost := Cost(p)
	st.packets.push(p)
	st.weight += cost
	g.weight += cost
	g.heaviest.fix(st)
	cs.heaviest.fix(g)
	q.charge(c, cost)
	q.packets++
}

// charge adds n (negative to release) to what class c counts, in the queue
// and in the set.
func (q *Queue) charge(c Class, n int) {
	q.bytes[c] += n
	q.set.classes[c].bytes += n
}

// take removes the oldest packet of st, retiring st and its source when
// they are left empty, and returns the packet and its cost.
func (q *Queue) take(st *stream) ([]byte, int) {
	g := st.src
	c := g.key.class
	cs := &q.set.classes[c]
	p := st.packets.pop()
	cost := Cost(p)
	st.weight -= cost
	g.weight -= cost
	q.charge(c, -cost)
	q.packets--
	if st.packets.len() == 0 {
		g.rr.remove(st)
		g.heaviest.remove(st)
		delete(g.streams, st.key)
		cs.streams--
		q.charge(c, -StreamOverhead)
		g.weight -= StreamOverhead
		q.set.retire(st)
	} else {
		g.heaviest.fix(st)
	}
	if g.rr.cur == nil {
		q.rings[c].remove(g)
		cs.heaviest.remove(g)
		delete(q.sources, g.key)
		q.charge(c, -SourceOverhead)
		q.set.retireSource(g)
	} else {
		cs.heaviest.fix(g)
	}
	return p, cost
}

// Pop removes the next packet to send: control first, then bulk; within a
// class, one packet per source per turn, and within a source one packet per
// stream per turn.
func (q *Queue) Pop() ([]byte, bool) {
	for c := range q.rings {
		r := &q.rings[c]
		if r.cur == nil {
			continue
		}
		g := r.cur
		st := g.rr.cur
		// Move both rings on before take, which may retire st or g.
		g.rr.cur = st.next
		r.cur = g.next
		p, _ := q.take(st)
		return p, true
	}
	return nil, false
}

// PopBatch appends packets to dst until maxLen packet bytes or maxCost
// counted bytes are taken (at least one packet when any is waiting).
// Bounding both keeps control packets that arrive meanwhile from waiting
// behind a large write, and bounds the memory a batch in flight holds.
func (q *Queue) PopBatch(dst [][]byte, maxLen, maxCost int) [][]byte {
	size, cost := 0, 0
	for size < maxLen && cost < maxCost {
		p, ok := q.Pop()
		if !ok {
			break
		}
		dst = append(dst, p)
		size += len(p)
		cost += Cost(p)
	}
	return dst
}

// Close drops everything queued (the port is gone) and returns how many
// packets that was. The queue must not be used afterwards.
func (q *Queue) Close() int {
	n := 0
	for c := range q.rings {
		for q.rings[c].cur != nil {
			p, cost := q.take(q.rings[c].cur.rr.cur)
			q.closed.add(cost)
			q.set.drop(p)
			n++
		}
	}
	return n
}

// Empty reports whether nothing is waiting.
func (q *Queue) Empty() bool { return q.packets == 0 }

// Len is the number of packets waiting.
func (q *Queue) Len() int { return q.packets }

// Stats describes a queue, for inspection.
type Stats struct {
	Packets      int // packets waiting
	ControlBytes int // what the control class counts here (Cost)
	BulkBytes    int // what the bulk class counts here (Cost)
	Streams      int // non-empty streams
	Sources      int // non-empty sources
	DroppedBound Drops
	DroppedClose Drops
}

// Stats reports the queue's state and counters.
func (q *Queue) Stats() Stats {
	st := Stats{
		Packets:      q.packets,
		ControlBytes: q.bytes[Control],
		BulkBytes:    q.bytes[Bulk],
		Sources:      len(q.sources),
		DroppedBound: Drops{q.dropped[Control].Packets + q.dropped[Bulk].Packets, q.dropped[Control].Bytes + q.dropped[Bulk].Bytes},
		DroppedClose: q.closed,
	}
	for _, g := range q.sources {
		st.Streams += len(g.streams)
	}
	return st
}

// Bytes is what class c counts in this queue.
func (q *Queue) Bytes(c Class) int { return q.bytes[c] }

// Each calls f for every packet waiting, for tests and inspection.
func (q *Queue) Each(f func(c Class, p []byte)) {
	for c := range q.rings {
		q.rings[c].each(func(g *source) {
			g.rr.each(func(st *stream) {
				st.packets.each(func(p []byte) { f(Class(c), p) })
			})
		})
	}
}

func (s *Set) newSource(q *Queue, key sourceKey) *source {
	g := s.freeSources.pop()
	if g == nil {
		g = &source{streams: make(map[uint64]*stream)}
	}
	g.q, g.key = q, key
	return g
}

// retireSource keeps an emptied source for reuse, if there is room.
func (s *Set) retireSource(g *source) {
	g.q = nil
	g.heaviest = g.heaviest[:0]
	s.freeSources.push(g)
}

func (s *Set) newStream(g *source, key uint64) *stream {
	st := s.free.pop()
	if st == nil {
		st = new(stream)
	}
	st.src, st.key = g, key
	return st
}

// retire keeps an emptied stream for reuse, if there is room.
func (s *Set) retire(st *stream) {
	st.src = nil
	if cap(st.packets.items) > maxFreeSlots {
		st.packets = fifo{} // do not keep a flood's storage around
	}
	s.free.push(st)
}

// freeList keeps up to maxFree retired elements for reuse.
type freeList[T any] []*T

func (f *freeList[T]) pop() *T {
	n := len(*f)
	if n == 0 {
		return nil
	}
	x := (*f)[n-1]
	(*f)[n-1] = nil
	*f = (*f)[:n-1]
	return x
}

func (f *freeList[T]) push(x *T) {
	if len(*f) < maxFree {
		*f = append(*f, x)
	}
}

// fifo is a slice-backed queue that reuses its storage.
type fifo struct {
	items [][]byte
	head  int
}

func (f *fifo) len() int { return len(f.items) - f.head }

func (f *fifo) push(p []byte) {
	if f.head > 0 && f.head == len(f.items) {
		f.items, f.head = f.items[:0], 0
	}
	f.items = append(f.items, p)
}

func (f *fifo) pop() []byte {
	p := f.items[f.head]
	f.items[f.head] = nil
	f.head++
	if f.head > 32 && f.head*2 > len(f.items) {
		n := copy(f.items, f.items[f.head:])
		clear(f.items[n:])
		f.items, f.head = f.items[:n], 0
	}
	return p
}

func (f *fifo) each(fn func([]byte)) {
	for _, p := range f.items[f.head:] {
		fn(p)
	}
}

// Package queue holds the packets waiting for the switch ports: one Queue
// per port, all of them in one Set whose byte bounds they share.
//
// Policy, in the order it is applied:
//   - Two classes. Control packets (protocol traffic: DHT, session pings,
//     NodeInfo) are always sent before bulk packets (session traffic), so a
//     flood of data never delays a search answer or a session handshake.
//   - Within a class, packets are grouped into streams by a key the owner
//     chooses: for bulk, the session (destination and handle), so a session's
//     sealed packets leave in the order they were sealed, which its receiver
//     requires (it drops a nonce older than the newest it has seen); for
//     control, the port the packet came from, so one peer's flood cannot push
//     out another's control packets. Streams are served round robin, one
//     packet per turn, so one busy stream cannot starve another; within a
//     stream the order is FIFO.
//   - Each class has one byte bound for the whole Set. What counts is what
//     the packets really hold: the capacity of each buffer plus a fixed
//     overhead per packet and per stream (Cost), not the packet length, so a
//     flood of tiny packets in big pooled buffers is bounded too. Over the
//     bound, Trim drops the oldest packet of the stream holding the most
//     bytes in any queue of the Set, until the class fits: the heaviest
//     sender pays for congestion. Drops are counted; nothing blocks.
//
// Work per packet is O(log n) in the number of streams: each class keeps a
// heap of its streams by weight, and each queue a doubly linked ring of its
// streams for round robin.
//
// The Set and its queues are plain data owned by one actor (the switch): no
// locks, no goroutines, no clock.
package queue

import "container/heap"

// Class is a packet class.
type Class int

// The classes, in the order they are served.
const (
	Control Class = iota
	Bulk
	numClasses
)

// Bookkeeping costs counted against the bounds besides the buffers
// themselves: a packet's slot in its FIFO, and a stream's struct, map entry
// and heap slot (both rounded up from their sizes on 64-bit systems).
const (
	PacketOverhead = 64
	StreamOverhead = 192
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
	// stream per packet.
	free []*stream
}

// maxFree bounds the retired streams kept for reuse.
const (
	maxFree      = 64
	maxFreeSlots = 256
)

// classState is one class across every queue of the Set.
type classState struct {
	max      int
	bytes    int        // Cost of the packets queued plus StreamOverhead per stream
	heaviest streamHeap // every non-empty stream of the class, heaviest first
	dropped  Drops      // by the bound
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
func (s *Set) Streams(c Class) int { return len(s.classes[c].heaviest) }

// Dropped is what the bound of a class has dropped so far.
func (s *Set) Dropped(c Class) Drops { return s.classes[c].dropped }

// Trim drops packets until every class fits its bound: each time the
// oldest packet of the heaviest stream of the class, wherever it is queued.
// The owner calls it after pushing and handing out what it could, so the
// bound applies to what is left waiting.
func (s *Set) Trim() {
	for c := range s.classes {
		cs := &s.classes[c]
		for cs.bytes > cs.max && len(cs.heaviest) > 0 {
			q := cs.heaviest[0].q
			cost := q.take(cs.heaviest[0])
			cs.dropped.add(cost)
			q.dropped[c].add(cost)
			s.drop(q.lastTaken)
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
	rings   [numClasses]ring
	streams map[streamKey]*stream
	packets int
	bytes   [numClasses]int
	dropped [numClasses]Drops // by the Set's bounds
	closed  Drops             // by Close
	// lastTaken is the packet the last take removed (so take needs no
	// second return value on the hot path).
	lastTaken []byte
}

type streamKey struct {
	class Class
	key   uint64
}

// stream is the packets of one key in one queue, oldest first.
type stream struct {
	q          *Queue
	class      Class
	key        uint64
	packets    fifo
	bytes      int // Cost of its packets
	heapIndex  int
	prev, next *stream // ring neighbours
}

// NewQueue makes an empty queue in the set.
func (s *Set) NewQueue() *Queue {
	return &Queue{set: s, streams: make(map[streamKey]*stream)}
}

func (s *Set) newStream(q *Queue, c Class, key uint64) *stream {
	if n := len(s.free); n > 0 {
		st := s.free[n-1]
		s.free[n-1] = nil
		s.free = s.free[:n-1]
		st.q, st.class, st.key = q, c, key
		return st
	}
	return &stream{q: q, class: c, key: key}
}

// retire keeps an emptied stream for reuse, if there is room.
func (s *Set) retire(st *stream) {
	if len(s.free) < maxFree {
		st.q = nil
		if cap(st.packets.items) > maxFreeSlots {
			st.packets = fifo{} // do not keep a flood's storage around
		}
		s.free = append(s.free, st)
	}
}

// Push queues p in the stream named key of class c. It never drops: the
// owner calls Set.Trim once it has handed out what it could.
func (q *Queue) Push(c Class, key uint64, p []byte) {
	cs := &q.set.classes[c]
	st := q.streams[streamKey{c, key}]
	if st == nil {
		st = q.set.newStream(q, c, key)
		q.streams[streamKey{c, key}] = st
		q.rings[c].insert(st)
		heap.Push(&cs.heaviest, st)
		cs.bytes += StreamOverhead
		q.bytes[c] += StreamOverhead
	}
	cost := Cost(p)
	st.packets.push(p)
	st.bytes += cost
	heap.Fix(&cs.heaviest, st.heapIndex)
	cs.bytes += cost
	q.bytes[c] += cost
	q.packets++
}

// take removes the oldest packet of st into q.lastTaken and returns its
// cost, retiring st when it is left empty.
func (q *Queue) take(st *stream) int {
	cs := &q.set.classes[st.class]
	p := st.packets.pop()
	cost := Cost(p)
	st.bytes -= cost
	cs.bytes -= cost
	q.bytes[st.class] -= cost
	q.packets--
	if st.packets.len() == 0 {
		q.rings[st.class].remove(st)
		heap.Remove(&cs.heaviest, st.heapIndex)
		delete(q.streams, streamKey{st.class, st.key})
		cs.bytes -= StreamOverhead
		q.bytes[st.class] -= StreamOverhead
		q.set.retire(st)
	} else {
		heap.Fix(&cs.heaviest, st.heapIndex)
	}
	q.lastTaken = p
	return cost
}

// Pop removes the next packet to send: control first, then bulk, each
// round robin over its streams.
func (q *Queue) Pop() ([]byte, bool) {
	for c := range q.rings {
		r := &q.rings[c]
		if r.cur == nil {
			continue
		}
		st := r.cur
		r.cur = st.next // one packet per turn; take moves cur on if st empties
		q.take(st)
		p := q.lastTaken
		q.lastTaken = nil
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
			cost := q.take(q.rings[c].cur)
			q.closed.add(cost)
			q.set.drop(q.lastTaken)
			n++
		}
	}
	q.lastTaken = nil
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
	DroppedBound Drops
	DroppedClose Drops
}

// Stats reports the queue's state and counters.
func (q *Queue) Stats() Stats {
	return Stats{
		Packets:      q.packets,
		ControlBytes: q.bytes[Control],
		BulkBytes:    q.bytes[Bulk],
		Streams:      len(q.streams),
		DroppedBound: Drops{q.dropped[Control].Packets + q.dropped[Bulk].Packets, q.dropped[Control].Bytes + q.dropped[Bulk].Bytes},
		DroppedClose: q.closed,
	}
}

// Bytes is what class c counts in this queue.
func (q *Queue) Bytes(c Class) int { return q.bytes[c] }

// Each calls f for every packet waiting, for tests and inspection.
func (q *Queue) Each(f func(c Class, p []byte)) {
	for c := range q.rings {
		r := &q.rings[c]
		if r.cur == nil {
			continue
		}
		st := r.cur
		for {
			st.packets.each(func(p []byte) { f(Class(c), p) })
			if st = st.next; st == r.cur {
				break
			}
		}
	}
}

// ring is a circular doubly linked list of streams; cur is served next.
type ring struct{ cur *stream }

// insert adds st at the end of the current round (just before cur).
func (r *ring) insert(st *stream) {
	if r.cur == nil {
		st.prev, st.next = st, st
		r.cur = st
		return
	}
	last := r.cur.prev
	st.prev, st.next = last, r.cur
	last.next = st
	r.cur.prev = st
}

func (r *ring) remove(st *stream) {
	if st.next == st {
		r.cur = nil
	} else {
		st.prev.next = st.next
		st.next.prev = st.prev
		if r.cur == st {
			r.cur = st.next
		}
	}
	st.prev, st.next = nil, nil
}

// streamHeap orders streams by the bytes they hold, heaviest first.
type streamHeap []*stream

func (h streamHeap) Len() int           { return len(h) }
func (h streamHeap) Less(i, j int) bool { return h[i].bytes > h[j].bytes }
func (h streamHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = i
	h[j].heapIndex = j
}
func (h *streamHeap) Push(x any) {
	st := x.(*stream)
	st.heapIndex = len(*h)
	*h = append(*h, st)
}
func (h *streamHeap) Pop() any {
	old := *h
	st := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	st.heapIndex = -1
	return st
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

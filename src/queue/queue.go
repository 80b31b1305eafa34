// Package queue is the outbound packet queue of one switch port.
//
// Policy, in the order it is applied:
//   - Two classes. Control packets (protocol traffic: DHT, session pings,
//     NodeInfo) are always sent before bulk packets (session traffic), so a
//     flood of data never delays a search answer or a session handshake.
//   - Bulk packets are grouped into streams keyed by their destination coords
//     bytes, which include the sender's optional flow-key suffix. Streams are
//     served round robin, one packet per turn, so one bulk flow cannot starve
//     another (a ping waits behind at most one packet of each busy flow).
//   - Each class has a byte bound. When a push takes a class over its bound,
//     packets are dropped until it fits: for bulk, the oldest packet of the
//     stream holding the most bytes (the heaviest flow pays for congestion);
//     for control, the oldest control packet. Drops are counted; a push never
//     blocks.
//
// The queue is plain data owned by the switch actor: no locks, no goroutines.
package queue

// Default bounds, in bytes, for a port's queues.
const (
	DefaultBulkBytes    = 1 << 20
	DefaultControlBytes = 256 << 10
)

// Stats counts what a queue has done, for inspection.
type Stats struct {
	Queued        int    // packets waiting now
	QueuedBytes   int    // bytes waiting now
	DroppedPkts   uint64 // packets dropped by the bounds
	DroppedBytes  uint64
	ControlQueued int
}

// Queue holds the packets waiting for one port's writer.
type Queue struct {
	control      fifo
	controlBytes int
	controlMax   int

	// streams holds every stream seen recently, empty ones too, so a flow
	// that drains packet by packet does not allocate a stream per packet;
	// empty streams are pruned once they outnumber the busy ones.
	streams   map[string]*stream
	ring      []*stream // non-empty streams in round-robin order
	next      int       // index in ring of the stream served next
	bulkBytes int
	bulkMax   int

	droppedPkts, droppedBytes uint64
}

type stream struct {
	key     string
	packets fifo
	bytes   int
}

// New makes a queue with the given byte bounds (0 means the default).
func New(bulkMax, controlMax int) *Queue {
	if bulkMax <= 0 {
		bulkMax = DefaultBulkBytes
	}
	if controlMax <= 0 {
		controlMax = DefaultControlBytes
	}
	return &Queue{streams: make(map[string]*stream), bulkMax: bulkMax, controlMax: controlMax}
}

// Len is the number of packets waiting.
func (q *Queue) Len() int {
	n := q.control.len()
	for _, s := range q.ring {
		n += s.packets.len()
	}
	return n
}

// Empty reports whether nothing is waiting.
func (q *Queue) Empty() bool { return q.control.len() == 0 && len(q.ring) == 0 }

// Bytes is the number of bytes waiting.
func (q *Queue) Bytes() int { return q.controlBytes + q.bulkBytes }

// Stats reports the queue's counters.
func (q *Queue) Stats() Stats {
	return Stats{Queued: q.Len(), QueuedBytes: q.Bytes(), DroppedPkts: q.droppedPkts,
		DroppedBytes: q.droppedBytes, ControlQueued: q.control.len()}
}

// PushControl queues a control packet.
func (q *Queue) PushControl(p []byte) {
	q.control.push(p)
	q.controlBytes += len(p)
	for q.controlBytes > q.controlMax && q.control.len() > 1 {
		old := q.control.pop()
		q.controlBytes -= len(old)
		q.countDrop(old)
	}
}

// PushBulk queues a bulk packet in the stream named by key (the destination
// coords bytes). The key is copied only when it starts a new stream.
func (q *Queue) PushBulk(key []byte, p []byte) {
	s, ok := q.streams[string(key)]
	if !ok {
		q.pruneIdle()
		s = &stream{key: string(key)}
		q.streams[s.key] = s
	}
	if s.packets.len() == 0 {
		q.ring = append(q.ring, s)
	}
	s.packets.push(p)
	s.bytes += len(p)
	q.bulkBytes += len(p)
	for q.bulkBytes > q.bulkMax && q.bulkBytes > len(p) {
		q.dropFromHeaviest()
	}
}

// BulkBytes is the number of bulk bytes waiting.
func (q *Queue) BulkBytes() int { return q.bulkBytes }

// DropBulk drops the oldest packet of the stream holding the most bytes,
// for an owner enforcing a bound shared by several queues. It returns the
// bytes dropped, 0 when no bulk packet waits.
func (q *Queue) DropBulk() int {
	if len(q.ring) == 0 {
		return 0
	}
	before := q.bulkBytes
	q.dropFromHeaviest()
	return before - q.bulkBytes
}

func (q *Queue) dropFromHeaviest() {
	var heaviest *stream
	for _, s := range q.ring {
		if heaviest == nil || s.bytes > heaviest.bytes {
			heaviest = s
		}
	}
	old := heaviest.packets.pop()
	heaviest.bytes -= len(old)
	q.bulkBytes -= len(old)
	q.countDrop(old)
	if heaviest.packets.len() == 0 {
		q.removeFromRing(heaviest)
	}
}

func (q *Queue) countDrop(p []byte) {
	q.droppedPkts++
	q.droppedBytes += uint64(len(p))
}

func (q *Queue) removeFromRing(s *stream) {
	for i, r := range q.ring {
		if r == s {
			q.ring = append(q.ring[:i], q.ring[i+1:]...)
			if q.next > i {
				q.next--
			}
			break
		}
	}
	if q.next >= len(q.ring) {
		q.next = 0
	}
}

// pruneIdle forgets the empty streams once there are many more of them
// than busy ones; that bounds memory at no per-packet cost.
func (q *Queue) pruneIdle() {
	if len(q.streams) < 2*len(q.ring)+64 {
		return
	}
	for key, s := range q.streams {
		if s.packets.len() == 0 {
			delete(q.streams, key)
		}
	}
}

// Pop removes the next packet to send: control first, then bulk round robin.
func (q *Queue) Pop() ([]byte, bool) {
	if q.control.len() > 0 {
		p := q.control.pop()
		q.controlBytes -= len(p)
		return p, true
	}
	if len(q.ring) == 0 {
		return nil, false
	}
	s := q.ring[q.next]
	p := s.packets.pop()
	s.bytes -= len(p)
	q.bulkBytes -= len(p)
	if s.packets.len() == 0 {
		q.removeFromRing(s)
	} else {
		q.next = (q.next + 1) % len(q.ring)
	}
	return p, true
}

// PopBatch appends packets to dst until about maxBytes are taken (at least
// one packet when any is waiting). Bounding the batch keeps control packets
// that arrive meanwhile from waiting behind a large write.
func (q *Queue) PopBatch(dst [][]byte, maxBytes int) [][]byte {
	size := 0
	for size < maxBytes {
		p, ok := q.Pop()
		if !ok {
			break
		}
		dst = append(dst, p)
		size += len(p)
	}
	return dst
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
		for i := n; i < len(f.items); i++ {
			f.items[i] = nil
		}
		f.items, f.head = f.items[:n], 0
	}
	return p
}

package queue

import (
	"bytes"
	"fmt"
	"testing"
)

func pkt(tag string, size int) []byte {
	p := bytes.Repeat([]byte{'.'}, size)
	copy(p, tag)
	return p
}

func tagOf(p []byte) string { return string(bytes.TrimRight(p, ".")) }

func drain(q *Queue) []string {
	var out []string
	for {
		p, ok := q.Pop()
		if !ok {
			return out
		}
		out = append(out, tagOf(p))
	}
}

func TestControlBeforeBulk(t *testing.T) {
	q := New(0, 0)
	q.PushBulk([]byte("a"), pkt("b1", 10))
	q.PushBulk([]byte("a"), pkt("b2", 10))
	q.PushControl(pkt("c1", 10))
	q.PushBulk([]byte("a"), pkt("b3", 10))
	q.PushControl(pkt("c2", 10))
	got := fmt.Sprint(drain(q))
	if got != "[c1 c2 b1 b2 b3]" {
		t.Fatalf("order %s", got)
	}
	if !q.Empty() || q.Bytes() != 0 || q.Len() != 0 {
		t.Fatal("not empty after drain")
	}
}

func TestRoundRobinBetweenStreams(t *testing.T) {
	q := New(0, 0)
	for i := 0; i < 3; i++ {
		q.PushBulk([]byte("bulk"), pkt(fmt.Sprintf("x%d", i), 1000))
	}
	q.PushBulk([]byte("ping"), pkt("p", 64))
	q.PushBulk([]byte("bulk"), pkt("x3", 1000))
	got := fmt.Sprint(drain(q))
	// The ping waits behind one packet of the bulk stream, not all of them.
	if got != "[x0 p x1 x2 x3]" {
		t.Fatalf("order %s", got)
	}
}

func TestBulkDropsOldestOfHeaviestStream(t *testing.T) {
	q := New(3000, 0)
	q.PushBulk([]byte("heavy"), pkt("h0", 1000))
	q.PushBulk([]byte("light"), pkt("l0", 500))
	q.PushBulk([]byte("heavy"), pkt("h1", 1000))
	if q.Stats().DroppedPkts != 0 {
		t.Fatal("dropped under the bound")
	}
	q.PushBulk([]byte("light"), pkt("l1", 800)) // 3300 > 3000: heavy loses its oldest
	st := q.Stats()
	if st.DroppedPkts != 1 || st.DroppedBytes != 1000 || q.Bytes() != 2300 {
		t.Fatalf("stats %+v bytes %d", st, q.Bytes())
	}
	got := fmt.Sprint(drain(q))
	if got != "[l0 h1 l1]" && got != "[h1 l0 l1]" {
		t.Fatalf("after drop %s", got)
	}
}

func TestControlBound(t *testing.T) {
	q := New(0, 100)
	for i := 0; i < 5; i++ {
		q.PushControl(pkt(fmt.Sprintf("c%d", i), 40))
	}
	if got := fmt.Sprint(drain(q)); got != "[c3 c4]" {
		t.Fatalf("kept %s", got)
	}
	if q.Stats().DroppedPkts != 3 {
		t.Fatal("drop count")
	}
	// A single oversized packet is still accepted rather than lost outright.
	q.PushControl(pkt("big", 500))
	if got := fmt.Sprint(drain(q)); got != "[big]" {
		t.Fatalf("oversized %s", got)
	}
}

func TestPopBatchBounded(t *testing.T) {
	q := New(0, 0)
	for i := 0; i < 10; i++ {
		q.PushBulk([]byte{byte(i % 2)}, pkt(fmt.Sprint(i), 100))
	}
	b := q.PopBatch(nil, 250)
	if len(b) != 3 || q.Len() != 7 {
		t.Fatalf("batch %d left %d", len(b), q.Len())
	}
	if b := q.PopBatch(nil, 1); len(b) != 1 {
		t.Fatal("batch must take at least one packet")
	}
}

// Idle streams are kept for reuse but pruned: many short flows do not grow
// the table without bound.
func TestIdleStreamsBounded(t *testing.T) {
	q := New(0, 0)
	for i := 0; i < 10000; i++ {
		q.PushBulk([]byte(fmt.Sprint(i)), pkt("x", 10))
		q.Pop()
	}
	if len(q.ring) != 0 || len(q.streams) > 64 {
		t.Fatalf("%d streams kept, %d busy", len(q.streams), len(q.ring))
	}
}

// A flow that drains packet by packet reuses its stream.
func TestDrainingFlowDoesNotAllocate(t *testing.T) {
	q := New(0, 0)
	key, p := []byte{1, 2, 3}, pkt("x", 100)
	q.PushBulk(key, p)
	q.Pop()
	if allocs := testing.AllocsPerRun(1000, func() {
		q.PushBulk(key, p)
		q.Pop()
	}); allocs != 0 {
		t.Fatalf("%v allocations per packet", allocs)
	}
}

func FuzzQueue(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5})
	f.Fuzz(func(t *testing.T, ops []byte) {
		q := New(2000, 500)
		for _, op := range ops {
			switch op % 4 {
			case 0:
				q.PushControl(make([]byte, int(op)))
			case 1, 2:
				q.PushBulk([]byte{op % 7}, make([]byte, int(op)*8))
			case 3:
				q.Pop()
			}
			if q.bulkBytes < 0 || q.controlBytes < 0 {
				t.Fatal("negative byte count")
			}
			sum := 0
			for _, s := range q.ring {
				sum += s.bytes
				if s.packets.len() == 0 {
					t.Fatal("empty stream in ring")
				}
			}
			busy := 0
			for _, s := range q.streams {
				if s.packets.len() > 0 {
					busy++
				}
			}
			if sum != q.bulkBytes || len(q.ring) != busy {
				t.Fatal("stream accounting")
			}
		}
	})
}

func BenchmarkPushPop(b *testing.B) {
	q := New(0, 0)
	p := make([]byte, 1280)
	key := []byte{1, 2, 3}
	for i := 0; i < b.N; i++ {
		q.PushBulk(key, p)
		q.Pop()
	}
}

func TestDropBulk(t *testing.T) {
	q := New(0, 0)
	if q.DropBulk() != 0 {
		t.Fatal("dropped from an empty queue")
	}
	q.PushControl(pkt("c", 50))
	q.PushBulk([]byte("a"), pkt("a0", 100))
	q.PushBulk([]byte("b"), pkt("b0", 300))
	q.PushBulk([]byte("b"), pkt("b1", 300))
	if n := q.DropBulk(); n != 300 || q.BulkBytes() != 400 || q.Stats().DroppedPkts != 1 {
		t.Fatalf("dropped %d, %d bulk bytes left", n, q.BulkBytes())
	}
	if got := fmt.Sprint(drain(q)); got != "[c a0 b1]" && got != "[c b1 a0]" {
		t.Fatalf("left %s", got)
	}
}

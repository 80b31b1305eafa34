package queue

// The two structures sources and streams are kept in: a circular doubly
// linked ring for round robin, and a max-heap by weight for dropping from
// the heaviest. Both are intrusive (the links live in the element), so
// insert, remove and fix are O(1) and O(log n) without lookups.

import "container/heap"

// links is what an element of a ring and a heap carries.
type links[T any] struct {
	prev, next *T
	heapIndex  int
	weight     int // bytes counted: packets and, for a source, its streams
}

// link gives an element's links; source and stream have it by embedding.
func (l *links[T]) link() *links[T] { return l }

// ring is a circular doubly linked list; cur is served next.
type ring[T any] struct{ cur *T }

// insert adds x at the end of the current round (just before cur).
func (r *ring[T]) insert(x *T) {
	xl := lk(x)
	if r.cur == nil {
		xl.prev, xl.next = x, x
		r.cur = x
		return
	}
	cl := lk(r.cur)
	last := cl.prev
	xl.prev, xl.next = last, r.cur
	lk(last).next = x
	cl.prev = x
}

func (r *ring[T]) remove(x *T) {
	xl := lk(x)
	if xl.next == x {
		r.cur = nil
	} else {
		lk(xl.prev).next = xl.next
		lk(xl.next).prev = xl.prev
		if r.cur == x {
			r.cur = xl.next
		}
	}
	xl.prev, xl.next = nil, nil
}

func (r *ring[T]) each(f func(*T)) {
	x := r.cur
	if x == nil {
		return
	}
	for {
		f(x)
		if x = lk(x).next; x == r.cur {
			return
		}
	}
}

// lk reaches the links of any element type of this package.
func lk[T any](x *T) *links[T] { return any(x).(interface{ link() *links[T] }).link() }

// weightHeap is a max-heap of elements by weight.
type weightHeap[T any] []*T

func (h *weightHeap[T]) push(x *T) { heap.Push((*heapOf[T])(h), x) }
func (h *weightHeap[T]) fix(x *T)  { heap.Fix((*heapOf[T])(h), lk(x).heapIndex) }
func (h *weightHeap[T]) remove(x *T) {
	heap.Remove((*heapOf[T])(h), lk(x).heapIndex)
}

// heapOf is weightHeap seen by container/heap.
type heapOf[T any] []*T

func (h heapOf[T]) Len() int           { return len(h) }
func (h heapOf[T]) Less(i, j int) bool { return lk(h[i]).weight > lk(h[j]).weight }
func (h heapOf[T]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	lk(h[i]).heapIndex = i
	lk(h[j]).heapIndex = j
}
func (h *heapOf[T]) Push(x any) {
	e := x.(*T)
	lk(e).heapIndex = len(*h)
	*h = append(*h, e)
}
func (h *heapOf[T]) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	lk(e).heapIndex = -1
	return e
}

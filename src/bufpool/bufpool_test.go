package bufpool

import "testing"

func TestGetPut(t *testing.T) {
	for _, n := range []int{0, 1, 2048, 2049, 16 << 10, 60000, 68 << 10, 100000} {
		b := Get(n)
		if len(b) != n {
			t.Fatalf("Get(%d) has length %d", n, len(b))
		}
		if n <= 68<<10 {
			want := 0
			for _, c := range classes {
				if n <= c {
					want = c
					break
				}
			}
			if cap(b) != want {
				t.Fatalf("Get(%d) has capacity %d, want %d", n, cap(b), want)
			}
		}
		Put(b)
	}
	Put(make([]byte, 10)) // foreign buffers are ignored
}

func TestReuseDoesNotAllocate(t *testing.T) {
	Put(Get(1500))
	if a := testing.AllocsPerRun(1000, func() { Put(Get(1500)) }); a > 1 {
		t.Fatalf("%v allocations per Get/Put", a)
	}
}

// The pool keeps a bounded number of free buffers however many come back:
// a flood that puts back more than it takes leaves the rest to the
// collector.
func TestFreeBuffersBounded(t *testing.T) {
	for range 10000 {
		Put(make([]byte, 0, classes[0]))
		Put(make([]byte, 0, classes[2]))
	}
	n := Free()
	for i, c := range classes {
		if n[i]*c > classBytes {
			t.Fatalf("class %d keeps %d free buffers, %d bytes, over %d", c, n[i], n[i]*c, classBytes)
		}
	}
	if n[0] == 0 || n[2] == 0 {
		t.Fatalf("nothing kept: %v", n)
	}
}

func BenchmarkGetPut(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			Put(Get(1500))
		}
	})
}

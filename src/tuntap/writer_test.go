package tuntap

import (
	"reflect"
	"sync"
	"testing"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/logging"
)

// batchDevice records the batches written to it.
type batchDevice struct {
	*MemDevice
	mu      sync.Mutex
	batches []int
	offsets []int
}

func (d *batchDevice) Write(bufs [][]byte, offset int) (int, error) {
	d.mu.Lock()
	d.batches = append(d.batches, len(bufs))
	d.offsets = append(d.offsets, offset)
	d.mu.Unlock()
	return d.MemDevice.Write(bufs, offset)
}

// Packets queued while the writer is busy go out together, in order, in
// batches no larger than the device's BatchSize, behind Offset bytes of
// headroom.
func TestWriterBatches(t *testing.T) {
	dev := &batchDevice{MemDevice: NewMemDevice("mem0", 1500)}
	w := newWriter(dev, 1500, logging.Discard())
	release := make(chan struct{})
	w.Act(nil, func() { <-release })
	for i := range 20 {
		w.write(nil, []byte{byte(i), 1, 2, 3})
	}
	close(release)
	actor.Block(w, func() {})
	for i := range 20 {
		if p := <-dev.Written(); p[0] != byte(i) || len(p) != 4 {
			t.Fatalf("packet %d written as %x", i, p)
		}
	}
	if want := []int{16, 4}; !reflect.DeepEqual(dev.batches, want) {
		t.Errorf("batches %v, want %v", dev.batches, want)
	}
	if dev.offsets[0] != Offset || dev.offsets[1] != Offset {
		t.Errorf("offsets %v", dev.offsets)
	}
	// A packet over the MTU still goes out, in a buffer of its own.
	w.write(nil, make([]byte, 3000))
	actor.Block(w, func() {})
	if p := <-dev.Written(); len(p) != 3000 {
		t.Errorf("oversized packet written as %d bytes", len(p))
	}
	if len(w.free) > w.batch {
		t.Errorf("free list grew to %d", len(w.free))
	}
}

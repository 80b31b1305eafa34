package tuntap

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// MemDevice is an in-memory Device for tests and simulation: Inject plays
// the host sending a packet into the TUN, and every packet the adapter
// writes comes out of Written.
type MemDevice struct {
	name string
	mtu  int
	in   chan []byte
	out  chan []byte
	done chan struct{}
	once sync.Once
}

// memQueue is how many packets each direction holds before blocking.
const memQueue = 1024

// NewMemDevice makes an in-memory device.
func NewMemDevice(name string, mtu int) *MemDevice {
	return &MemDevice{name: name, mtu: mtu, in: make(chan []byte, memQueue),
		out: make(chan []byte, memQueue), done: make(chan struct{})}
}

// Inject queues a copy of pkt for the adapter to read. It blocks while the
// queue is full and fails once the device is closed.
func (d *MemDevice) Inject(pkt []byte) error {
	if len(pkt) > d.mtu {
		return fmt.Errorf("packet of %d bytes exceeds the MTU %d", len(pkt), d.mtu)
	}
	select {
	case <-d.done:
		return os.ErrClosed
	default:
	}
	select {
	case d.in <- append([]byte(nil), pkt...):
		return nil
	case <-d.done:
		return os.ErrClosed
	}
}

// Written delivers the packets the adapter writes, in order. Tests must
// drain it: a full queue blocks the adapter's writer.
func (d *MemDevice) Written() <-chan []byte { return d.out }

// Read implements Device.
func (d *MemDevice) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	var p []byte
	select {
	case p = <-d.in:
	case <-d.done:
		return 0, os.ErrClosed
	}
	n := 0
	for {
		if offset+len(p) > len(bufs[n]) {
			return n, errors.New("memdevice: packet overflows the read buffer")
		}
		sizes[n] = copy(bufs[n][offset:], p)
		n++
		if n == len(bufs) {
			return n, nil
		}
		select {
		case p = <-d.in:
		default:
			return n, nil
		}
	}
}

// Write implements Device.
func (d *MemDevice) Write(bufs [][]byte, offset int) (int, error) {
	for i, b := range bufs {
		if offset > len(b) {
			return i, errors.New("memdevice: offset beyond the buffer")
		}
		select {
		case d.out <- append([]byte(nil), b[offset:]...):
		case <-d.done:
			return i, os.ErrClosed
		}
	}
	return len(bufs), nil
}

// MTU implements Device.
func (d *MemDevice) MTU() (int, error) { return d.mtu, nil }

// Name implements Device.
func (d *MemDevice) Name() (string, error) { return d.name, nil }

// BatchSize implements Device.
func (d *MemDevice) BatchSize() int { return 16 }

// Close implements Device; it is safe to call more than once.
func (d *MemDevice) Close() error {
	d.once.Do(func() { close(d.done) })
	return nil
}

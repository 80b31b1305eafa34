package tuntap

// The TUN writer: an actor that owns the write side of the device. Packets
// sent to it are queued, and one flush, queued behind them, writes them in
// batches of up to BatchSize, so packets that arrive while a write blocks go
// out together. Each packet is copied into a pooled buffer with Offset bytes
// of headroom, which wireguard's device needs for its virtio header.

import (
	"errors"
	"os"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/bufpool"
	"github.com/yggmesh/ygg/src/logging"
)

type writer struct {
	actor.Inbox
	dev       Device
	log       *logging.Logger
	bufSize   int
	batch     int
	queue     [][]byte
	free      [][]byte // buffers of cap bufSize, at most batch of them
	bufs      [][]byte // scratch for Device.Write
	scheduled bool
}

func newWriter(dev Device, mtu uint64, log *logging.Logger) *writer {
	size := Offset + int(mtu)
	batch := max(1, min(dev.BatchSize(), readBudget/size))
	return &writer{dev: dev, log: log, bufSize: size, batch: batch}
}

// write queues pkt, which the writer now owns.
func (w *writer) write(from actor.Actor, pkt []byte) {
	w.Act(from, func() {
		w.queue = append(w.queue, pkt)
		if !w.scheduled {
			w.scheduled = true
			w.Act(nil, w._flush)
		}
	})
}

func (w *writer) _flush() {
	w.scheduled = false
	for q := w.queue; len(q) > 0; {
		n := min(len(q), w.batch)
		bufs := w.bufs[:0]
		for _, p := range q[:n] {
			bufs = append(bufs, w.fill(p))
			bufpool.Put(p) // the packet's life ends with the copy
		}
		if _, err := w.dev.Write(bufs, Offset); err != nil && !errors.Is(err, os.ErrClosed) {
			w.log.Debugf("TUN write failed: %v", err)
		}
		for _, b := range bufs {
			if cap(b) == w.bufSize && len(w.free) < w.batch {
				w.free = append(w.free, b[:cap(b)])
			}
		}
		clear(bufs)
		w.bufs = bufs
		q = q[n:]
	}
	clear(w.queue)
	w.queue = w.queue[:0]
}

// fill copies p behind the headroom of a pooled buffer. Packets bigger than
// the MTU (which a broken remote could send) get a buffer of their own.
func (w *writer) fill(p []byte) []byte {
	var b []byte
	switch {
	case Offset+len(p) > w.bufSize:
		b = make([]byte, Offset+len(p))
	case len(w.free) > 0:
		b = w.free[len(w.free)-1]
		w.free = w.free[:len(w.free)-1]
	default:
		b = make([]byte, w.bufSize)
	}
	b = b[:Offset+len(p)]
	copy(b[Offset:], p)
	return b
}

package tuntap

// The TUN reader: an actor whose one behaviour blocks in Device.Read, hands
// the batch it read to the adapter, and queues itself to read again. Passing
// itself as the sender lets the runtime stall it while the adapter is behind, so
// a flood from the host is slowed at the device instead of queueing here.
// Nothing else sends to the reader, so its blocking never delays anyone.

import (
	"errors"
	"os"
	"sync/atomic"

	"golang.zx2c4.com/wireguard/tun"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/bufpool"
)

// readBudget bounds the memory of the read buffers: with a large MTU the
// reader reads fewer packets per call instead of holding megabytes.
const readBudget = 1 << 20

type reader struct {
	actor.Inbox
	a       *Adapter
	dev     Device
	bufs    [][]byte
	sizes   []int
	stopped atomic.Bool // set before the device is closed on purpose
}

func newReader(a *Adapter, dev Device, mtu uint64) *reader {
	size := Offset + int(mtu)
	if devMTU, err := dev.MTU(); err == nil && devMTU > int(mtu) && devMTU <= MaxMTU {
		size = Offset + devMTU
	}
	batch := max(1, min(dev.BatchSize(), readBudget/size))
	r := &reader{a: a, dev: dev, bufs: make([][]byte, batch), sizes: make([]int, batch)}
	for i := range r.bufs {
		r.bufs[i] = make([]byte, size)
	}
	return r
}

// _read reads one batch. Packets are copied out of the read buffers, into
// pooled buffers (src/bufpool), because sessions take ownership of what
// they are given.
func (r *reader) _read() {
	n, err := r.dev.Read(r.bufs, r.sizes, Offset)
	if n > 0 {
		pkts := make([][]byte, n)
		for i := range pkts {
			pkts[i] = append(bufpool.Get(r.sizes[i])[:0], r.bufs[i][Offset:Offset+r.sizes[i]]...)
		}
		r.a.Act(r, func() { r.a._outbound(pkts) })
	}
	if err != nil && !errors.Is(err, tun.ErrTooManySegments) {
		// ErrTooManySegments only loses part of one offload batch; any
		// other error ends reading, as a closed device does.
		if !r.stopped.Load() && !errors.Is(err, os.ErrClosed) {
			r.a.log.Errorf("TUN read failed, no longer reading: %v", err)
		}
		return
	}
	r.Act(nil, r._read)
}

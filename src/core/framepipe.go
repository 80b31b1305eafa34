package core

// A frame pipe is a simulated link between two nodes on one executor: it
// carries whole frames, not bytes, so it needs no socket, no goroutine and
// no read buffer, and it delivers on the virtual clock after the pipe's
// latency (plus the time to send at its bandwidth, if it has one).
//
//	peer/switch ──sendBatch/sendControl──▶ pipeEnd (sender side)
//	     clock timer at arrival ──▶ other pipeEnd._arrive ──▶ peer._handleFrame
//
// Each end is an actor owned by its node: it owns its link and peer
// pointers, the frames that arrived before its peer started, and when its
// direction of the wire is free again. Frames of one direction arrive in
// the order they were sent (their arrival times never decrease, and the
// clock fires equal deadlines in the order they were set). A message
// buffer crosses the pipe as it is: the receiver owns it from then on.

import (
	"errors"
	"io"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/bufpool"
	"github.com/yggmesh/ygg/src/transport"
	"github.com/yggmesh/ygg/src/wire"
)

// ErrPipeCut is the error a link sees when its frame pipe is cut.
var ErrPipeCut = errors.New("frame pipe cut")

// FramePipe joins two nodes that run on the same executor.
type FramePipe struct {
	ends      [2]*pipeEnd
	latency   time.Duration
	bandwidth float64 // bits per second; 0: unlimited
}

// PipeStats counts what one direction of a pipe delivered.
type PipeStats struct {
	Frames uint64
	Bytes  uint64 // with framing, as on a socket
}

type pipeEnd struct {
	actor.Inbox
	pipe   *FramePipe
	core   *Core
	other  *pipeEnd
	link   *link
	peer   *peer
	meta   []byte   // their metadata, if it came before our handshake
	early  [][]byte // frames that came before our peer started reading
	closed bool
	mute   bool      // frames sent are lost (a test's black hole)
	txFree time.Time // when our direction of the wire is free again
	sent   PipeStats
}

// NewFramePipe links a and b, which must share one executor (their
// Options.Executor), with a pipe of the given one-way latency and
// bandwidth in bits per second (0: unlimited). infoA is the link as a sees
// it, infoB as b sees it.
func NewFramePipe(a, b *Core, latency time.Duration, bandwidth float64, infoA, infoB transport.LinkInfo) *FramePipe {
	if a.ex == nil || a.ex != b.ex {
		panic("core: a frame pipe joins two nodes on one executor")
	}
	p := &FramePipe{latency: latency, bandwidth: bandwidth}
	p.ends[0] = &pipeEnd{pipe: p, core: a}
	p.ends[1] = &pipeEnd{pipe: p, core: b}
	p.ends[0].other, p.ends[1].other = p.ends[1], p.ends[0]
	for i, c := range []*Core{a, b} {
		e, info := p.ends[i], []transport.LinkInfo{infoA, infoB}[i]
		c.bind(&e.Inbox)
		c.links.Act(nil, func() { c.links._newLinkIO(e, info, nil, "", nil) })
	}
	return p
}

// Cut breaks the pipe: both links fail at once, frames in flight are lost.
func (p *FramePipe) Cut() {
	for _, e := range p.ends {
		e.Act(nil, func() { e._fail(ErrPipeCut) })
	}
}

// Stats returns what each direction (a to b, b to a) has delivered. Call
// it from the executor's driver, not from a behaviour.
func (p *FramePipe) Stats() (ab, ba PipeStats) {
	actor.Block(p.ends[0], func() { ab = p.ends[0].sent })
	actor.Block(p.ends[1], func() { ba = p.ends[1].sent })
	return
}

func (e *pipeEnd) handshake(l *link, meta []byte) {
	e.Act(nil, func() {
		e.link = l
		if e.closed {
			l.Act(nil, func() { l._fail(ErrPipeCut) })
			return
		}
		e._transmit([][]byte{meta}, func(msgs [][]byte) { e.other._gotMeta(msgs[0]) })
		if e.meta != nil {
			e._deliverMeta(e.meta)
			e.meta = nil
		}
	})
}

func (e *pipeEnd) _gotMeta(raw []byte) {
	if e.closed {
		return
	}
	if e.link == nil {
		e.meta = raw
		return
	}
	e._deliverMeta(raw)
}

func (e *pipeEnd) _deliverMeta(raw []byte) {
	var m wire.Metadata
	err := m.Decode(raw)
	l := e.link
	if err != nil {
		l.Act(e, func() { l._fail(err) })
		return
	}
	l.Act(e, func() { l._gotMetadata(m) })
}

func (e *pipeEnd) readFrames(p *peer) {
	e.Act(nil, func() {
		e.peer = p
		for _, msg := range e.early {
			p.Act(e, func() { p._handleFrame(msg) })
		}
		e.early = nil
	})
}

func (e *pipeEnd) _arrive(msgs [][]byte) {
	if e.closed {
		for _, m := range msgs {
			bufpool.Put(m)
		}
		return
	}
	for _, msg := range msgs {
		if e.peer == nil {
			e.early = append(e.early, msg)
			continue
		}
		p := e.peer
		p.Act(e, func() { p._handleFrame(msg) })
	}
}

func (e *pipeEnd) sendBatch(p *peer, batch [][]byte, done func()) {
	msgs := append([][]byte(nil), batch...) // the switch may reuse batch
	e.Act(nil, func() { e._send(p, msgs, done, false) })
}

func (e *pipeEnd) sendControl(p *peer, msgs [][]byte) {
	own := make([][]byte, len(msgs))
	for i, m := range msgs {
		own[i] = append(bufpool.Get(len(m))[:0], m...)
	}
	e.Act(nil, func() { e._send(p, own, nil, true) })
}

// _send puts msgs on the wire and tells the peer (and the switch, through
// done) when they are out, as the socket writer does.
func (e *pipeEnd) _send(p *peer, msgs [][]byte, done func(), control bool) {
	p.Act(nil, p._writeStarted)
	n, payload := 0, 0
	kept := msgs[:0]
	for _, m := range msgs {
		if len(m) > wire.MaxFrameLen || e.closed {
			bufpool.Put(m)
			continue
		}
		n += wire.FrameHeaderLen(len(m)) + len(m)
		payload += len(m)
		kept = append(kept, m)
	}
	out := e._transmit(kept, func(msgs [][]byte) { e.other._arrive(msgs) })
	report := func() {
		p.Act(nil, func() {
			p._writeDone(n, payload)
			if control {
				p._controlDone()
			}
		})
		if done != nil {
			done()
		}
	}
	if wait := out.Sub(e.core.clock.Now()); wait > 0 {
		e.core.clock.AfterFunc(wait, report)
	} else {
		report()
	}
}

// _transmit sends msgs down our direction: they arrive together at the
// other end once the wire has carried them and the latency has passed. It
// returns when the wire is free again.
func (e *pipeEnd) _transmit(msgs [][]byte, arrive func([][]byte)) time.Time {
	now := e.core.clock.Now()
	start := now
	if e.txFree.After(now) {
		start = e.txFree
	}
	if e.closed || len(msgs) == 0 {
		return start
	}
	if e.mute {
		for _, m := range msgs {
			bufpool.Put(m)
		}
		return start
	}
	bytes := 0
	for _, m := range msgs {
		bytes += wire.FrameHeaderLen(len(m)) + len(m)
	}
	e.sent.Frames += uint64(len(msgs))
	e.sent.Bytes += uint64(bytes)
	end := start
	if bw := e.pipe.bandwidth; bw > 0 {
		end = start.Add(time.Duration(float64(bytes*8) / bw * float64(time.Second)))
	}
	e.txFree = end
	other := e.other
	e.core.clock.AfterFunc(end.Add(e.pipe.latency).Sub(now), func() {
		other.Act(nil, func() { arrive(msgs) })
	})
	return end
}

// close is the link's own close: the other end hears of it after the
// latency, as a socket's peer reads EOF.
func (e *pipeEnd) close() {
	e.Act(nil, func() {
		if e.closed {
			return
		}
		e._shut()
		other := e.other
		e.core.clock.AfterFunc(e.pipe.latency, func() {
			other.Act(nil, func() { other._fail(io.EOF) })
		})
	})
}

// _fail ends this side because the connection broke.
func (e *pipeEnd) _fail(err error) {
	if e.closed {
		return
	}
	e._shut()
	if l := e.link; l != nil {
		l.Act(e, func() { l._fail(err) })
	}
}

func (e *pipeEnd) _shut() {
	e.closed = true
	for _, m := range e.early {
		bufpool.Put(m)
	}
	e.early, e.meta = nil, nil
}

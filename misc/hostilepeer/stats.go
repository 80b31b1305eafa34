package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// stats are counted by every attack goroutine and printed by the reporter.
type stats struct {
	attack atomic.Value // string: the attack running now

	links atomic.Int64 // handshaken connections open now
	idle  atomic.Int64 // pre-handshake connections open now

	connected  atomic.Uint64 // connections ever made
	dialErrors atomic.Uint64
	lost       atomic.Uint64 // connections the node (or a write) ended, not us
	outFrames  atomic.Uint64
	outBytes   atomic.Uint64
	inFrames   atomic.Uint64
	inSwitch   atomic.Uint64
	inDHTReq   atomic.Uint64
	inPing     atomic.Uint64
	inNodeInfo atomic.Uint64
	inTraffic  atomic.Uint64
	answers    atomic.Uint64 // DHT answers we sent
}

func newStats() *stats {
	st := &stats{}
	st.attack.Store("-")
	return st
}

// counters names the counters in the order they are printed.
func (st *stats) counters() []namedCounter {
	return []namedCounter{
		{"connected", &st.connected}, {"dial_errors", &st.dialErrors}, {"lost", &st.lost},
		{"out_frames", &st.outFrames}, {"out_bytes", &st.outBytes},
		{"in_frames", &st.inFrames}, {"in_switch", &st.inSwitch}, {"in_dht_req", &st.inDHTReq},
		{"in_ping", &st.inPing}, {"in_nodeinfo", &st.inNodeInfo}, {"in_traffic", &st.inTraffic},
		{"answers", &st.answers},
	}
}

type namedCounter struct {
	name string
	c    *atomic.Uint64
}

// sent counts frames and bytes written.
func (st *stats) sent(frames, bytes int) {
	st.outFrames.Add(uint64(frames))
	st.outBytes.Add(uint64(bytes))
}

// reporter prints one line a second: the counters' growth over that
// second and the gauges; stop prints the totals.
type reporter struct {
	st    *stats
	out   io.Writer
	start time.Time
	last  []uint64
	quit  chan struct{}
	wg    sync.WaitGroup
}

func startReporter(st *stats, out io.Writer) *reporter {
	r := &reporter{st: st, out: out, start: time.Now(), quit: make(chan struct{})}
	r.last = r.snapshot()
	r.wg.Add(1)
	go r.loop()
	return r
}

func (r *reporter) loop() {
	defer r.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			now := r.snapshot()
			r.print(fmt.Sprintf("t=%ds", int(time.Since(r.start).Round(time.Second).Seconds())), now, r.last)
			r.last = now
		case <-r.quit:
			return
		}
	}
}

func (r *reporter) stop() {
	close(r.quit)
	r.wg.Wait()
	r.print("total", r.snapshot(), nil)
}

func (r *reporter) snapshot() []uint64 {
	cs := r.st.counters()
	vals := make([]uint64, len(cs))
	for i, c := range cs {
		vals[i] = c.c.Load()
	}
	return vals
}

// print writes one line: the counters minus base (totals when base is nil).
func (r *reporter) print(label string, now, base []uint64) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s attack=%s links=%d idle=%d", label, r.st.attack.Load(), r.st.links.Load(), r.st.idle.Load())
	for i, c := range r.st.counters() {
		v := now[i]
		if base != nil {
			v -= base[i]
		}
		fmt.Fprintf(&b, " %s=%d", c.name, v)
	}
	fmt.Fprintln(r.out, b.String())
}

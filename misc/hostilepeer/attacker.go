package main

// One attacker goroutine per peer address runs the current attack: for
// most attacks a loop that dials, handshakes, runs the attack on the link
// until the phase ends or the link dies, and dials again. Every blocking
// call is tied to the phase's context (a closed connection ends a blocked
// write or read), so a phase ends promptly and leaves nothing open.

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/yggmesh/ygg/src/core/hostiletest"
	"github.com/yggmesh/ygg/src/wire"
)

const (
	// retryPause is the wait before dialling again after a failure.
	retryPause = 200 * time.Millisecond
	// handshakeTimeout bounds a dial and its metadata exchange.
	handshakeTimeout = 5 * time.Second
	// nodeMsgWait bounds the wait for the node's first switch message.
	nodeMsgWait = 5 * time.Second
	// refreshEvery is how often floods re-send our switch message: a fresh
	// one clears the node's blocked flags for our port, so it keeps
	// forwarding what we send.
	refreshEvery = time.Second
)

// errRedial ends a link on purpose: dial again at once, count nothing.
var errRedial = errors.New("redial")

// attack is one mode: link runs on each handshaken link; loop, when set,
// replaces the dial loop entirely.
type attack struct {
	name    string
	link    func(ctx context.Context, a *attacker, p *hostiletest.Peer) error
	loop    func(ctx context.Context, a *attacker)
	handler func(a *attacker) hostiletest.Handler // extra frame handling, may be nil
}

func attackNames() []string {
	var names []string
	for _, at := range attacks {
		names = append(names, at.name)
	}
	return names
}

func attackByName(name string) *attack {
	for i := range attacks {
		if attacks[i].name == name {
			return &attacks[i]
		}
	}
	return nil
}

// attacker is the state of one peer address, used by one goroutine at a
// time (phases run one after another).
type attacker struct {
	cfg      settings
	st       *stats
	addr     string
	keys     *hostiletest.KeySource
	identity *hostiletest.Identity // the root attack's winning key, once found
	round    int                   // which garbage kind comes next
}

// runAttacks runs cfg's attack (or each in turn) against every peer.
func runAttacks(ctx context.Context, cfg settings, st *stats) {
	targets := make([]*attacker, len(cfg.peers))
	for i, addr := range cfg.peers {
		keys := hostiletest.RandomKeys()
		if cfg.seed != 0 {
			keys = hostiletest.SeededKeys(cfg.seed + uint64(i))
		}
		targets[i] = &attacker{cfg: cfg, st: st, addr: addr, keys: keys}
	}
	if cfg.attack != "all" {
		runPhase(ctx, attackByName(cfg.attack), targets)
		return
	}
	for i := 0; ctx.Err() == nil; i++ {
		phase, cancel := context.WithTimeout(ctx, cfg.phase)
		runPhase(phase, &attacks[i%len(attacks)], targets)
		cancel()
	}
}

func runPhase(ctx context.Context, at *attack, targets []*attacker) {
	targets[0].st.attack.Store(at.name)
	var wg sync.WaitGroup
	for _, a := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if at.loop != nil {
				at.loop(ctx, a)
			} else {
				a.linkLoop(ctx, at)
			}
		}()
	}
	wg.Wait()
}

// linkLoop dials, runs the attack on the link, and dials again, until ctx ends.
func (a *attacker) linkLoop(ctx context.Context, at *attack) {
	for ctx.Err() == nil {
		p, err := hostiletest.DialContext(ctx, a.addr, a.options(at))
		if err != nil {
			if ctx.Err() == nil {
				a.st.dialErrors.Add(1)
				sleep(ctx, retryPause)
			}
			continue
		}
		a.st.connected.Add(1)
		a.st.links.Add(1)
		stop := context.AfterFunc(ctx, func() { p.Close() })
		err = at.link(ctx, a, p)
		stop()
		p.Close()
		a.st.links.Add(-1)
		if ctx.Err() == nil && !errors.Is(err, errRedial) {
			a.st.lost.Add(1)
			sleep(ctx, retryPause)
		}
	}
}

func (a *attacker) options(at *attack) hostiletest.Options {
	opts := hostiletest.Options{
		Keys:        a.keys,
		Timeout:     handshakeTimeout,
		EventBuffer: 1, // nobody reads Events here; the handler counts
		MaxMadeUp:   a.cfg.maxKeys,
		Handler:     a.count,
	}
	if at.name == "root" {
		opts.Identity = a.identity
	}
	if at.handler != nil {
		opts.Handler = hostiletest.Handlers(a.count, at.handler(a))
	}
	return opts
}

// count tallies a frame from the node.
func (a *attacker) count(_ *hostiletest.Peer, ev hostiletest.Event) {
	st := a.st
	st.inFrames.Add(1)
	switch ev.Kind {
	case hostiletest.KindSwitch:
		st.inSwitch.Add(1)
	case hostiletest.KindTraffic:
		st.inTraffic.Add(1)
	case hostiletest.KindProtocol:
		switch pr := ev.Protocol; {
		case pr.DHTReq != nil:
			st.inDHTReq.Add(1)
		case pr.Ping != nil:
			st.inPing.Add(1)
		case pr.NodeInfoReq != nil || pr.NodeInfoRes != nil:
			st.inNodeInfo.Add(1)
		}
	}
}

// send writes a block and counts it.
func (a *attacker) send(p *hostiletest.Peer, blk *hostiletest.Block) error {
	if err := p.SendBlock(blk); err != nil {
		return err
	}
	a.st.sent(blk.Frames(), len(blk.Bytes()))
	return nil
}

// announce extends the node's switch message, so the node forwards what we
// send, and returns what was sent.
func (a *attacker) announce(p *hostiletest.Peer) (*wire.SwitchMsg, error) {
	m, err := p.Announce(1, nodeMsgWait)
	if err == nil {
		a.st.sent(1, 0)
	}
	return m, err
}

// floodCoords is where floods go: -coords, or our own coords for "self".
func (a *attacker) floodCoords(p *hostiletest.Peer) (wire.Coords, error) {
	if a.cfg.coords == "self" {
		return p.OurCoords()
	}
	return parseCoords(a.cfg.coords)
}

// refresher returns a func that re-sends m once refreshEvery has passed.
func (a *attacker) refresher(p *hostiletest.Peer, m *wire.SwitchMsg) func() error {
	frame := p.SealSwitchMsg(m)
	next := time.Now().Add(refreshEvery)
	return func() error {
		if time.Now().Before(next) {
			return nil
		}
		next = time.Now().Add(refreshEvery)
		return a.send(p, hostiletest.NewBlock(frame))
	}
}

// flood sends blk again and again, refreshing our switch message, until
// ctx ends (nil) or a write fails.
func (a *attacker) flood(ctx context.Context, p *hostiletest.Peer, blk *hostiletest.Block, refresh func() error) error {
	for ctx.Err() == nil {
		if err := refresh(); err != nil {
			return err
		}
		if err := a.send(p, blk); err != nil {
			return err
		}
	}
	return nil
}

// paced calls send every 10 ms with the number of messages due for about
// rate a second (a backlog of at most one second is kept), until ctx ends
// (nil) or send fails.
func paced(ctx context.Context, rate int, send func(n int) error) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	start, done := time.Now(), 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		due := int(time.Since(start).Seconds() * float64(rate))
		done = max(done, due-rate)
		if n := due - done; n > 0 {
			if err := send(n); err != nil {
				return err
			}
			done = due
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

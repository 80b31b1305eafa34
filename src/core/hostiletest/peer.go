package hostiletest

// Who owns what in a Peer:
//
//   - the socket's write side: any goroutine, one write at a time (wmu);
//     a batch of frames is always one write, so floods cost one syscall
//     per batch and frames of two writers never interleave;
//   - the socket's read side: the reader goroutine alone (receive.go);
//   - the keyring, the shared-key cache, the made-up pool and the node's
//     latest switch message: mu, taken briefly by the reader and by callers;
//   - the counters: atomics, read by anyone.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// DefaultTimeout bounds the dial and the metadata exchange when Options
// gives none.
const DefaultTimeout = 10 * time.Second

// Defaults for Options fields left zero.
const (
	defaultEventBuffer = 4096
	defaultMaxMadeUp   = 4096
	// sharedCacheMax bounds the shared-key cache; it is cleared when full.
	sharedCacheMax = 4096
	readBufferSize = 64 << 10
)

// Options configure Handshake and Dial. The zero value is a fresh random
// identity, a running reader and a 10 s handshake deadline.
type Options struct {
	// Identity is the peer's permanent keys; nil draws them from Keys.
	Identity *Identity
	// Keys draws the link key, made-up nodes and fresh keys; nil is
	// crypto-random. A seeded source makes made-up keys repeatable.
	Keys *KeySource
	// Timeout bounds the dial and the metadata exchange.
	Timeout time.Duration
	// EditMetadata, when set, changes our 102 metadata bytes before they
	// are sent (a wrong magic or version, say).
	EditMetadata func(b []byte) []byte
	// Paused starts the reader paused: nothing after the node's metadata
	// is read until Resume.
	Paused bool
	// Handler, when set, sees every frame the node sends, on the reader
	// goroutine, before the frame goes to Events. It may send (answers)
	// but must not call Close, and while it runs nothing more is read.
	Handler Handler
	// EventBuffer is the capacity of the Events channel (default 4096).
	// Events that find it full are dropped and counted.
	EventBuffer int
	// MaxMadeUp caps the pool of made-up nodes (default 4096).
	MaxMadeUp int
	// Keepalive, when positive, sends an empty frame at this interval, as
	// a live peer does (spec 01 §4.11); zero sends only what the test does.
	Keepalive time.Duration
}

// Peer is one scripted link to a node, after the metadata handshake.
type Peer struct {
	conn net.Conn
	br   *bufio.Reader
	// Pointers, so that printing a Peer never shows key bytes.
	id                 *Identity
	shared, linkShared *crypto.BoxSharedKey
	keys               *KeySource
	node               wire.Metadata
	handler            Handler

	wmu sync.Mutex // one write at a time

	mu        sync.Mutex
	resumed   *sync.Cond // signalled on Resume and Close
	paused    bool
	closed    bool
	nodeMsg   *wire.SwitchMsg
	gotMsg    chan struct{} // closed when the first switch message is read
	ring      map[crypto.BoxPubKey]*crypto.BoxPrivKey
	sharedFor map[[2]crypto.BoxPubKey]*crypto.BoxSharedKey
	madeUp    []BoxKeyPair
	madeUpIdx map[crypto.BoxPubKey]int
	nextUp    int
	maxMadeUp int

	events chan Event
	stop   chan struct{} // closed by Close, ends the keepalive loop
	bg     sync.WaitGroup
	done   chan struct{} // closed when the reader has stopped
	err    error         // why the reader stopped; set before done closes

	stats counters
}

// Dial connects to addr ("host:port" or "tcp://host:port") and runs
// Handshake over the connection.
func Dial(addr string, opts Options) (*Peer, error) {
	return DialContext(context.Background(), addr, opts)
}

// DialContext is Dial that gives up, closing the connection, when ctx ends
// before the handshake is done.
func DialContext(ctx context.Context, addr string, opts Options) (*Peer, error) {
	ctx, cancel := context.WithTimeout(ctx, timeoutOf(opts))
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", strings.TrimPrefix(addr, "tcp://"))
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	p, err := Handshake(conn, opts)
	if !stop() {
		if err == nil {
			p.Close()
		}
		return nil, ctx.Err()
	}
	return p, err
}

func timeoutOf(opts Options) time.Duration {
	if opts.Timeout > 0 {
		return opts.Timeout
	}
	return DefaultTimeout
}

// Handshake sends our metadata on conn, reads the node's, derives the link
// keys and starts the reader. On failure conn is closed.
func Handshake(conn net.Conn, opts Options) (*Peer, error) {
	p := newPeer(conn, opts)
	if err := p.exchangeMetadata(opts); err != nil {
		conn.Close()
		return nil, err
	}
	go p.readLoop()
	if opts.Keepalive > 0 {
		p.bg.Add(1)
		go p.keepaliveLoop(opts.Keepalive)
	}
	return p, nil
}

func (p *Peer) keepaliveLoop(every time.Duration) {
	defer p.bg.Done()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if p.SendFrame(nil) != nil {
				return
			}
		case <-p.stop:
			return
		case <-p.done:
			return
		}
	}
}

func newPeer(conn net.Conn, opts Options) *Peer {
	keys := opts.Keys
	if keys == nil {
		keys = RandomKeys()
	}
	var id Identity
	if opts.Identity != nil {
		id = *opts.Identity
	} else {
		id = keys.Identity()
	}
	p := &Peer{
		conn:      conn,
		br:        bufio.NewReaderSize(conn, readBufferSize),
		id:        &id,
		keys:      keys,
		handler:   opts.Handler,
		paused:    opts.Paused,
		gotMsg:    make(chan struct{}),
		ring:      map[crypto.BoxPubKey]*crypto.BoxPrivKey{id.BoxPub: &id.BoxPriv},
		sharedFor: make(map[[2]crypto.BoxPubKey]*crypto.BoxSharedKey),
		madeUpIdx: make(map[crypto.BoxPubKey]int),
		maxMadeUp: positiveOr(opts.MaxMadeUp, defaultMaxMadeUp),
		events:    make(chan Event, positiveOr(opts.EventBuffer, defaultEventBuffer)),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	p.resumed = sync.NewCond(&p.mu)
	return p
}

func positiveOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// exchangeMetadata writes our 102 bytes in one write while reading the
// node's (over net.Pipe a write waits for the other side to read, so the
// two must overlap), then derives both link keys.
func (p *Peer) exchangeMetadata(opts Options) error {
	_ = p.conn.SetDeadline(time.Now().Add(timeoutOf(opts)))
	defer p.conn.SetDeadline(time.Time{})
	link := p.keys.BoxKeyPair()
	meta := wire.NewMetadata(&p.id.BoxPub, &p.id.SigPub, &link.Pub)
	out := meta.Encode(nil)
	if opts.EditMetadata != nil {
		out = opts.EditMetadata(out)
	}
	wrote := make(chan error, 1)
	go func() {
		_, err := p.conn.Write(out)
		wrote <- err
	}()
	var raw [wire.MetadataLen]byte
	_, rerr := io.ReadFull(p.br, raw[:])
	if werr := <-wrote; werr != nil {
		return fmt.Errorf("sending metadata: %w", werr)
	}
	if rerr != nil {
		return fmt.Errorf("reading the node's metadata: %w", rerr)
	}
	if err := p.node.Decode(raw[:]); err != nil {
		return fmt.Errorf("the node's metadata: %w", err)
	}
	shared := crypto.Shared(&p.id.BoxPriv, &p.node.Box)
	linkShared := crypto.Shared(&link.Priv, &p.node.Link)
	p.shared, p.linkShared = &shared, &linkShared
	return nil
}

// Identity returns the peer's permanent keys.
func (p *Peer) Identity() Identity { return *p.id }

// Keys is the source the peer draws fresh keys from.
func (p *Peer) Keys() *KeySource { return p.keys }

// Node is the metadata the node sent: its box, signing and link keys.
func (p *Peer) Node() wire.Metadata { return p.node }

// Conn is the underlying connection, for tests that need socket calls
// (CloseWrite, say). Writing to it directly bypasses the write lock.
func (p *Peer) Conn() net.Conn { return p.conn }

// Close closes the connection and waits for the reader (and keepalives)
// to stop. It must not be called from a Handler.
func (p *Peer) Close() error {
	p.mu.Lock()
	if !p.closed {
		close(p.stop)
	}
	p.closed = true
	p.resumed.Broadcast()
	p.mu.Unlock()
	err := p.conn.Close()
	<-p.done
	p.bg.Wait()
	return err
}

// ErrNoSwitchMsg means the node has not yet sent a switch message, so the
// peer knows neither its own coords nor the node's.
var ErrNoSwitchMsg = errors.New("no switch message from the node yet")

// NodeMsg returns (a copy of) the latest switch message the node sent us.
func (p *Peer) NodeMsg() (*wire.SwitchMsg, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.nodeMsg == nil {
		return nil, false
	}
	return p.nodeMsg.Clone(), true
}

// WaitNodeMsg waits up to d for the node's first switch message (the node
// sends one right after the handshake) and returns the latest one.
func (p *Peer) WaitNodeMsg(d time.Duration) (*wire.SwitchMsg, error) {
	select {
	case <-p.gotMsg:
	case <-p.done:
	case <-time.After(d):
	}
	if m, ok := p.NodeMsg(); ok {
		return m, nil
	}
	return nil, ErrNoSwitchMsg
}

// OurCoords are our coords as the node's latest switch message gives them.
func (p *Peer) OurCoords() (wire.Coords, error) {
	m, ok := p.NodeMsg()
	if !ok {
		return nil, ErrNoSwitchMsg
	}
	return m.Coords(), nil
}

// NodeCoords are the node's own coords: ours without the node's port
// toward us.
func (p *Peer) NodeCoords() (wire.Coords, error) {
	c, err := p.OurCoords()
	if err != nil || len(c) == 0 {
		return nil, ErrNoSwitchMsg
	}
	return c[:len(c)-1], nil
}

// AddKeys puts key pairs in the peer's keyring, so protocol traffic the
// node sends to them is opened.
func (p *Peer) AddKeys(kps ...BoxKeyPair) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range kps {
		priv := kps[i].Priv
		p.ring[kps[i].Pub] = &priv
	}
}

// NewKeys draws n fresh box key pairs and adds them to the keyring.
func (p *Peer) NewKeys(n int) []BoxKeyPair {
	kps := p.keys.BoxKeyPairs(n)
	p.AddKeys(kps...)
	return kps
}

// sharedKey is Shared(priv of own, their), cached.
func (p *Peer) sharedKey(own *BoxKeyPair, their *crypto.BoxPubKey) *crypto.BoxSharedKey {
	k := [2]crypto.BoxPubKey{own.Pub, *their}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.sharedFor[k]; s != nil {
		return s
	}
	if len(p.sharedFor) >= sharedCacheMax {
		clear(p.sharedFor)
	}
	s := crypto.Shared(&own.Priv, their)
	p.sharedFor[k] = &s
	return &s
}

// ownKey finds the key pair for pub in the keyring.
func (p *Peer) ownKey(pub *crypto.BoxPubKey) (BoxKeyPair, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	priv := p.ring[*pub]
	if priv == nil {
		return BoxKeyPair{}, false
	}
	return BoxKeyPair{Pub: *pub, Priv: *priv}, true
}

// DialIdle opens n connections to addr and on each writes only the first
// partial bytes (0 to 101) of a valid metadata, then leaves it idle: the
// "many pre-handshake connections" attack. The caller closes the
// connections. On a dial error the ones already open are returned with it.
func DialIdle(ctx context.Context, addr string, n, partial int) ([]net.Conn, error) {
	id := NewIdentity()
	link := RandomKeys().BoxKeyPair()
	meta := wire.NewMetadata(&id.BoxPub, &id.SigPub, &link.Pub)
	prefix := meta.Encode(nil)[:min(max(partial, 0), wire.MetadataLen-1)]
	addr = strings.TrimPrefix(addr, "tcp://")
	var d net.Dialer
	var conns []net.Conn
	for range n {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return conns, err
		}
		conns = append(conns, c)
		if len(prefix) > 0 {
			if _, err := c.Write(prefix); err != nil {
				return conns, err
			}
		}
	}
	return conns, nil
}

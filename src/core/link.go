package core

// A link is one connection, from the metadata handshake to teardown.
//
//	links ──newLink──▶ link ──▶ writer: our 102-byte metadata (one write)
//	                        ──▶ reader: their 102 bytes ──▶ link._gotMetadata
//	link: version/pin checks ──▶ links._register (allowed keys, duplicates)
//	     ──▶ switch._addPeer (port) ──▶ peer._start ──▶ reader loops on frames
//
// The link owns the connection's lifecycle. Below framing it talks to a
// linkIO: for a socket, reader and writer children that own the two
// directions of blocking I/O (nothing else touches the socket); in the
// simulator, a frame pipe on the virtual clock. Any failure anywhere ends
// in link._close, which runs once. Every timeout is a timer on the Core's
// clock, never a socket deadline: the metadata timeout here, the idle and
// write timeouts in the peer.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/bufpool"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/transport"
	"github.com/yggmesh/ygg/src/wire"
)

// Link timing, spec 01 §4.7 and §4.11.
const (
	metadataTimeout = 30 * time.Second
	closeTime       = 120 * time.Second // no frame at all for this long closes the link
	keepaliveTime   = 2 * time.Second
	stallTime       = 6 * time.Second
	sendTime        = time.Second
	// writeTimeout bounds one blocked write, so a peer that stops reading
	// cannot pin a writer goroutine forever (v0.3.16 waits indefinitely).
	writeTimeout = closeTime
)

// Reasons a link is closed that are not socket errors.
var (
	errMetadataTimeout = errors.New("no metadata within 30 s")
	errIdleTimeout     = errors.New("nothing received for 120 s")
	errWriteTimeout    = errors.New("a write blocked for 120 s")
	errPinnedKey       = errors.New("remote key is not one of the pinned keys")
	errNotAllowed      = errors.New("AllowedEncryptionPublicKeys does not contain the remote key")
	errDuplicate       = errors.New("a link with the same keys and addresses already exists")
	errShutdown        = errors.New("node stopping")
	errAdminClose      = errors.New("disconnected by request")
)

// link owns one connection's lifecycle. Fields are touched only by the
// link's own behaviours, except the immutable ones set by newLink.
type link struct {
	actor.Inbox
	core     *Core
	io       linkIO             // immutable
	info     transport.LinkInfo // immutable
	uri      *transport.PeerURI // immutable; outbound calls only, for key pins
	onDone   func(l *link)      // runs in the links actor after teardown
	callName string             // set by links before _start; "" for inbound
	// admitted gives back the admission slot of an accepted connection
	// (nil otherwise); called once the metadata is in or the link ends.
	admitted func()

	linkPriv   *crypto.BoxPrivKey // a pointer, so printing a link never shows it
	remote     wire.Metadata
	registered bool
	peer       *peer
	closed     bool
}

func newLink(c *Core, io linkIO, info transport.LinkInfo, uri *transport.PeerURI, callName string, onDone func(*link), admitted func()) *link {
	l := &link{core: c, io: io, info: info, uri: uri, callName: callName, onDone: onDone, admitted: admitted}
	c.bind(&l.Inbox)
	return l
}

// linkIO is a link's connection below framing. Its methods are called from
// the link's and the peer's behaviours and must not block; they report
// back by sending behaviours (l._gotMetadata, l._fail, p._handleFrame,
// p._writeStarted, p._writeDone, p._controlDone).
type linkIO interface {
	// handshake sends our metadata and delivers theirs to l.
	handshake(l *link, meta []byte)
	// readFrames hands every frame that arrives to p, in order.
	readFrames(p *peer)
	// sendBatch writes a batch from the switch; done runs when it is out.
	sendBatch(p *peer, batch [][]byte, done func())
	// sendControl writes the peer's control frames.
	sendControl(p *peer, msgs [][]byte)
	// close ends the connection; blocked reads and writes return.
	close()
}

// _admitted gives back the admission slot, once.
func (l *link) _admitted() {
	if l.admitted != nil {
		l.admitted()
		l.admitted = nil
	}
}

// _start sends our metadata and starts reading theirs; neither waits for the other.
func (l *link) _start() {
	var linkPub crypto.BoxPubKey
	linkPub, linkPriv := crypto.NewBoxKeys()
	l.linkPriv = &linkPriv
	meta := wire.NewMetadata(&l.core.id.BoxPub, &l.core.id.SigPub, &linkPub)
	l.core.clock.AfterFunc(metadataTimeout, func() {
		l.Act(nil, func() {
			if l.remote == (wire.Metadata{}) {
				l._close(errMetadataTimeout)
			}
		})
	})
	l.io.handshake(l, meta.Encode(nil))
}

// _gotMetadata applies the checks of spec 01 §4.8 that belong to this link,
// then asks the links actor for the rest.
func (l *link) _gotMetadata(m wire.Metadata) {
	l._admitted() // past the handshake: the links actor's Limits take over
	if l.closed {
		return
	}
	l.remote = m
	if l.uri != nil && (!l.uri.AllowsBox(m.Box) || !l.uri.AllowsSig(m.Sig)) {
		l._close(errPinnedKey)
		return
	}
	l.core.links.Act(l, func() { l.core.links._register(l, m) })
}

// _registered runs after the links actor accepted or refused the link.
func (l *link) _registered(err error) {
	if err != nil {
		l._close(err)
		return
	}
	l.registered = true
	if l.closed {
		return
	}
	linkShared := crypto.Shared(l.linkPriv, &l.remote.Link)
	*l.linkPriv = crypto.BoxPrivKey{} // not needed again
	l.linkPriv = nil
	p := newPeer(l, &l.remote, &linkShared)
	l.peer = p
	l.core.sw.Act(l, func() { l.core.sw._addPeer(p) })
}

// _connected is told by the peer once it has a port; it only logs.
func (l *link) _connected(port uint64) {
	if l.closed {
		return
	}
	// The exact v0.3.16 form: people grep their logs for it.
	l.core.logs.links.Infof("Connected %s: %s@%s, source %s",
		l.protoName(), l.remoteAddr(), l.info.Remote, l.info.Local)
	l.core.log.Debugf("Link %s to %s is on switch port %d", l.info.Name, l.remoteAddr(), port)
}

// _fail ends the link because of an I/O error.
func (l *link) _fail(err error) { l._close(err) }

// _close tears the link down once: socket, registration, switch port.
func (l *link) _close(reason error) {
	if l.closed {
		return
	}
	l.closed = true
	l._admitted()
	l.io.close()
	if l.peer != nil {
		p := l.peer
		l.core.sw.Act(l, func() { l.core.sw._removePeer(p) })
		p.Act(l, p._stop)
		l.core.logs.links.Infof("Disconnected %s: %s@%s, source %s",
			l.protoName(), l.remoteAddr(), l.info.Remote, l.info.Local)
		l.core.log.Debugf("Link %s to %s ended: %v", l.info.Name, l.remoteAddr(), reason)
	} else if l.registered || l.remote != (wire.Metadata{}) {
		l._logRefusal(reason)
	} else {
		l.core.logs.refused.Debugf("Link %s failed during the handshake: %v", l.info.Name, reason)
	}
	l.core.links.Act(l, func() { l.core.links._unregister(l) })
}

func (l *link) _logRefusal(reason error) {
	switch reason {
	case errNotAllowed:
		l.core.logs.refused.Warnf("%s connection from %s forbidden: AllowedEncryptionPublicKeys does not contain key %s",
			l.protoName(), l.info.Remote, l.remote.Box)
	case errTooManyLinks, errTooManyLinksForKey, errTooManyNewLinks:
		l.core.logs.refused.Warnf("Refused %s link with %s@%s: %v", l.protoName(), l.remoteAddr(), l.info.Remote, reason)
	default:
		l.core.logs.refused.Debugf("Refused %s link with %s@%s: %v", l.protoName(), l.remoteAddr(), l.info.Remote, reason)
	}
}

func (l *link) protoName() string {
	switch l.info.Proto {
	case "tls":
		return "TLS"
	case "socks":
		return "SOCKS"
	case "tcp":
		return "TCP"
	}
	return l.info.Proto
}

func (l *link) remoteAddr() address.Address { return address.ForKey(&l.remote.Box) }

// linkKey is the duplicate-link tuple of spec 01 §4.9.
type linkKey struct {
	box           crypto.BoxPubKey
	sig           crypto.SigPubKey
	proto         string
	local, remote string
}

// socketIO is a link over a socket (TCP, TLS, SOCKS): a reader and a
// writer actor, each owning one direction of the blocking I/O.
type socketIO struct {
	core   *Core
	conn   net.Conn
	reader *linkReader
	writer *linkWriter
}

func newSocketIO(c *Core, conn net.Conn) *socketIO {
	s := &socketIO{core: c, conn: conn, reader: &linkReader{conn: conn}, writer: &linkWriter{conn: conn}}
	c.bind(&s.reader.Inbox)
	c.bind(&s.writer.Inbox)
	return s
}

// Never pass a sender to the reader or writer: their behaviours block in
// I/O, and the runtime would hold the sender until they are done.
func (s *socketIO) handshake(l *link, meta []byte) {
	s.reader.link, s.writer.link = l, l
	s.writer.Act(nil, func() { s.writer._writeMetadata(meta) })
	s.reader.Act(nil, s.reader._readMetadata)
}

func (s *socketIO) readFrames(p *peer) {
	r := s.reader
	r.Act(nil, func() { r._readFrames(p) })
}

func (s *socketIO) sendBatch(p *peer, batch [][]byte, done func()) {
	s.writer.sendBatch(p, batch, done)
}

func (s *socketIO) sendControl(p *peer, msgs [][]byte) { s.writer.sendControl(p, msgs) }

// close runs outside any actor: a TLS close may wait to send its alert.
func (s *socketIO) close() { s.core.closeInBackground(s.conn.Close) }

// linkReader owns the read side of the socket. Its behaviours block in
// reads; it hands each frame to the peer with itself as sender, so a peer
// that falls behind stops the reads (and TCP flow control takes over).
// The large read buffer is made only for a handshaken link, so a flood of
// connections that never finish the handshake costs little.
type linkReader struct {
	actor.Inbox
	link   *link // set by handshake, before the first read
	conn   net.Conn
	frames *wire.FrameReader // nil until the first frame is read
}

// _readMetadata reads exactly the 102 metadata bytes, straight from the
// socket: frames may follow them at once.
func (r *linkReader) _readMetadata() {
	var raw [wire.MetadataLen]byte
	var m wire.Metadata
	_, err := io.ReadFull(r.conn, raw[:])
	if err == nil {
		err = m.Decode(raw[:])
	}
	l := r.link
	if err != nil {
		err = fmt.Errorf("reading metadata: %w", err)
		l.Act(r, func() { l._fail(err) })
		return
	}
	l.Act(r, func() { l._gotMetadata(m) })
}

// _readFrames reads one frame, hands it to p and schedules the next read.
func (r *linkReader) _readFrames(p *peer) {
	if r.frames == nil {
		r.frames = wire.NewFrameReader(bufio.NewReaderSize(r.conn, 2*wire.MaxFrameLen))
		r.link.core.readBuffers.Add(1)
	}
	msg, err := r.frames.NextInto(bufpool.Get)
	if err != nil {
		l := r.link
		l.Act(r, func() { l._fail(err) })
		return
	}
	p.Act(r, func() { p._handleFrame(msg) })
	r.Act(nil, func() { r._readFrames(p) })
}

// linkWriter owns the write side of the socket. Its behaviours block in
// writes. The switch keeps at most two batches in flight per port, and the
// peer's control frames are rare, so its inbox stays short.
type linkWriter struct {
	actor.Inbox
	link   *link // set by handshake, before the first write
	conn   net.Conn
	hdrs   []byte
	bufs   net.Buffers
	failed bool
}

func (w *linkWriter) _writeMetadata(meta []byte) {
	if _, err := w.conn.Write(meta); err != nil {
		w._failed(fmt.Errorf("writing metadata: %w", err))
	}
}

// _writeFrames frames and writes msgs in one vectored write and returns the
// bytes written and how many of them were message (not framing) bytes.
// Messages over the frame limit are dropped: a v0.3.16 receiver would close
// the link on them.
func (w *linkWriter) _writeFrames(msgs [][]byte) (n, payload int) {
	if w.failed {
		return 0, 0
	}
	// Build every header into one buffer first, then point at it: slices
	// taken while it grows could be left pointing at an old array.
	w.hdrs = w.hdrs[:0]
	w.bufs = w.bufs[:0]
	for _, m := range msgs {
		if len(m) <= wire.MaxFrameLen {
			w.hdrs = wire.AppendFrameHeader(w.hdrs, len(m))
		}
	}
	off := 0
	for _, m := range msgs {
		if len(m) > wire.MaxFrameLen {
			continue
		}
		h := wire.FrameHeaderLen(len(m))
		w.bufs = append(w.bufs, w.hdrs[off:off+h:off+h], m)
		off += h
		payload += len(m)
	}
	bufs := w.bufs // WriteTo consumes its receiver
	written, err := bufs.WriteTo(w.conn)
	for i := range w.bufs {
		w.bufs[i] = nil
	}
	if err != nil {
		w._failed(fmt.Errorf("write: %w", err))
		return int(written), 0
	}
	return int(written), payload
}

func (w *linkWriter) _failed(err error) {
	w.failed = true
	l := w.link
	l.Act(w, func() { l._fail(err) })
}

// sendBatch writes a batch from the switch, reporting the start and end of
// the write to the peer (for its send-blocked and stall timers) and the end
// to done, which the switch uses to send the next batch.
func (w *linkWriter) sendBatch(p *peer, batch [][]byte, done func()) {
	w.Act(nil, func() {
		p.Act(nil, p._writeStarted)
		n, payload := w._writeFrames(batch)
		// The writer ends every packet's life: nothing else holds them.
		for _, m := range batch {
			bufpool.Put(m)
		}
		p.Act(w, func() { p._writeDone(n, payload) })
		done()
	})
}

// sendControl writes frames from the peer (switch messages, keepalives).
// The peer does not wait for the writer: a blocked socket must not stop the
// peer from reading and from running its timers. The peer has at most one
// control write here at a time (it waits for _controlDone), and a write
// that hangs arms its send-blocked timer as a data write does.
func (w *linkWriter) sendControl(p *peer, msgs [][]byte) {
	w.Act(nil, func() {
		p.Act(nil, p._writeStarted)
		n, payload := w._writeFrames(msgs)
		p.Act(w, func() {
			p._writeDone(n, payload)
			p._controlDone()
		})
	})
}

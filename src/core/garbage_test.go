package core

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// rawPeer speaks the link protocol by hand, so a test can send anything.
type rawPeer struct {
	t        *testing.T
	conn     net.Conn
	br       *bufio.Reader
	id       Identity
	remote   wire.Metadata
	shared   crypto.BoxSharedKey
	linkShar crypto.BoxSharedKey
	linkPriv *crypto.BoxPrivKey
}

// dialRaw connects to addr and completes the metadata exchange.
func dialRaw(t *testing.T, addr string) *rawPeer {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p := newRawPeer(t, conn, NewIdentity())
	p.readMetadata()
	return p
}

// newRawPeer sends our metadata for id on conn; readMetadata then takes
// the node's, so a test can act between the two.
func newRawPeer(t *testing.T, conn net.Conn, id Identity) *rawPeer {
	t.Helper()
	p := &rawPeer{t: t, conn: conn, br: bufio.NewReader(conn), id: id}
	linkPub, linkPriv := crypto.NewBoxKeys()
	p.linkPriv = &linkPriv
	meta := wire.NewMetadata(&p.id.BoxPub, &p.id.SigPub, &linkPub)
	go func() { _, _ = conn.Write(meta.Encode(nil)) }() // a pipe writes only while the node reads
	return p
}

func (p *rawPeer) readMetadata() {
	p.t.Helper()
	var raw [wire.MetadataLen]byte
	_ = p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(p.br, raw[:]); err != nil {
		p.t.Fatal(err)
	}
	if err := p.remote.Decode(raw[:]); err != nil {
		p.t.Fatal(err)
	}
	p.shared = crypto.Shared(&p.id.BoxPriv, &p.remote.Box)
	p.linkShar = crypto.Shared(p.linkPriv, &p.remote.Link)
}

func (p *rawPeer) send(b []byte) {
	if _, err := p.conn.Write(b); err != nil {
		p.t.Logf("write: %v", err)
	}
}

// switchMsg is a valid message declaring ourselves root, addressed to the node.
func (p *rawPeer) switchMsg() *wire.SwitchMsg {
	m := &wire.SwitchMsg{Root: p.id.SigPub, TStamp: time.Now().Unix()}
	m.AddHop(1, &p.remote.Sig, &p.id.SigPriv)
	return m
}

func (p *rawPeer) sendSwitchMsg(m *wire.SwitchMsg) {
	p.send(wire.AppendFrame(nil, wire.SealLinkMessage(&p.shared, &p.linkShar, m.Encode(nil))))
}

// closedByNode reports whether the node closed the connection within d.
// Frames the node sends meanwhile (its switch message, keepalives) are read
// and discarded.
func (p *rawPeer) closedByNode(d time.Duration) error {
	_ = p.conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, p.br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("link still open after %v", d)
	}
	return nil
}

// stillOpen reports whether the connection survives d.
func (p *rawPeer) stillOpen(d time.Duration) bool { return p.closedByNode(d) != nil }

// A node with one well-behaved peer (b) and a listener for the garbage sender.
func garbageTarget(t *testing.T) (tn *testNet, a, b *testNode, addr string) {
	tn = newTestNet(t, 0, nil)
	cfg := config.Generate()
	cfg.MulticastInterfaces = nil
	cfg.Listen = []string{"tcp://127.0.0.1:0"}
	a = tn.add("a", cfg)
	b = tn.add("b", nil)
	tn.pipe(a, b)
	root := bestRoot(tn.nodes)
	waitFor(t, 10*time.Second, "a and b peered", func() error { return treeConsistent(tn.nodes, root) })
	return tn, a, b, a.ListenerAddrs()["tcp://127.0.0.1:0"].String()
}

func TestGarbageFromPeerClosesOnlyItsLink(t *testing.T) {
	big := make([]byte, wire.MaxFrameLen+1)
	cases := []struct {
		name string
		send func(p *rawPeer)
	}{
		{"bad magic", func(p *rawPeer) { p.send([]byte{0xde, 0xad, 0xbe, 0xef, 1, 0}) }},
		{"oversized length", func(p *rawPeer) { p.send(wire.AppendFrame(nil, big)[:16]) }},
		{"overlong length field", func(p *rawPeer) { p.send([]byte{0xde, 0xad, 0xb1, 0x75, 0x80, 0x80, 0x80, 1}) }},
		{"truncated frame then others", func(p *rawPeer) {
			// The frame claims 6 bytes but carries 3, so the node reads half
			// of the next frame into it and then finds no magic.
			f := wire.AppendFrame(nil, []byte{0, 1, 2, 3, 4, 5})[:8]
			for i := 0; i < 4; i++ {
				f = wire.AppendFrame(f, nil)
			}
			p.send(f)
		}},
		{"truncated frame then end of stream", func(p *rawPeer) {
			p.send(wire.AppendFrame(nil, []byte{0, 1, 2, 3, 4, 5, 6, 7})[:8])
			p.conn.(*net.TCPConn).CloseWrite()
		}},
		{"random bytes", func(p *rawPeer) {
			r := rand.New(rand.NewPCG(7, 7))
			b := make([]byte, 4096)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			b[0] = 0x00 // never a valid magic
			p.send(b)
		}},
		{"switch message with no hops", func(p *rawPeer) {
			m := p.switchMsg()
			m.Hops = nil
			p.sendSwitchMsg(m)
		}},
		{"bad signature", func(p *rawPeer) {
			m := p.switchMsg()
			m.Hops[0].Sig[10] ^= 0x40
			p.sendSwitchMsg(m)
		}},
		{"signature of another key", func(p *rawPeer) {
			m := &wire.SwitchMsg{Root: p.id.SigPub, TStamp: time.Now().Unix()}
			_, other := crypto.NewSigKeys()
			m.AddHop(1, &p.remote.Sig, &other)
			p.sendSwitchMsg(m)
		}},
	}
	_, a, b, addr := garbageTarget(t)
	bPort := a.Peers()[0]
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := dialRaw(t, addr)
			c.send(p)
			if err := p.closedByNode(5 * time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
	// The good peer kept its link the whole time (same port, never re-made).
	// The node closes a bad link's socket before the switch forgets its
	// port, so wait for the last one to go.
	waitFor(t, 5*time.Second, "bad links forgotten", func() error {
		if n := len(a.Peers()); n != 1 {
			return fmt.Errorf("a has %d peers", n)
		}
		return nil
	})
	peers := a.Peers()
	if len(peers) != 1 || peers[0].BoxPub != b.BoxPub() || peers[0].Port != bPort.Port || peers[0].Uptime < bPort.Uptime {
		t.Fatalf("good peer disturbed: before %+v after %+v", bPort, peers)
	}
	if !peers[0].InTable {
		t.Fatal("good peer dropped out of the switch table")
	}
}

// Garbage the protocol tells us to ignore keeps the link up.
func TestIgnoredFramesKeepLink(t *testing.T) {
	_, a, _, addr := garbageTarget(t)
	p := dialRaw(t, addr)
	r := rand.New(rand.NewPCG(1, 9))
	var stream []byte
	for i := 0; i < 200; i++ {
		msg := make([]byte, 1+r.IntN(300))
		for j := range msg {
			msg[j] = byte(r.Uint32())
		}
		if msg[0] == wire.TypeLinkProtocolTraffic && i%2 == 0 {
			msg[0] = 0x7f // unknown types are ignored
		}
		stream = wire.AppendFrame(stream, msg)
	}
	stream = wire.AppendFrame(stream, nil) // a keepalive
	// A switch message that fails to decrypt is dropped silently.
	junk := wire.SealLinkMessage(&p.shared, &p.shared, p.switchMsg().Encode(nil))
	stream = wire.AppendFrame(stream, junk)
	p.send(stream)
	if !p.stillOpen(time.Second) {
		t.Fatal("node closed a link over frames it must ignore")
	}
	// And a valid switch message afterwards is accepted: the raw peer shows
	// up as a peer of a.
	p.sendSwitchMsg(p.switchMsg())
	waitFor(t, 5*time.Second, "raw peer registered", func() error {
		for _, info := range a.Peers() {
			if info.BoxPub == p.id.BoxPub {
				return nil
			}
		}
		return errors.New("raw peer not listed")
	})
}

// Metadata that fails the checks of spec 01 §4.8 ends the connection.
func TestBadMetadataCloses(t *testing.T) {
	_, a, _, addr := garbageTarget(t)
	for _, c := range []struct {
		name string
		edit func(b []byte)
	}{
		{"magic", func(b []byte) { b[0] = 'M' }},
		{"newer minor", func(b []byte) { b[5] = 3 }},
		{"older minor", func(b []byte) { b[5] = 1 }},
		{"major", func(b []byte) { b[4] = 1 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			id := NewIdentity()
			linkPub, _ := crypto.NewBoxKeys()
			meta := wire.NewMetadata(&id.BoxPub, &id.SigPub, &linkPub)
			raw := meta.Encode(nil)
			c.edit(raw)
			conn.Write(raw)
			p := &rawPeer{t: t, conn: conn, br: bufio.NewReader(conn)}
			if err := p.closedByNode(5 * time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
	if n := len(a.Peers()); n != 1 {
		t.Fatalf("a has %d peers, want 1", n)
	}
}

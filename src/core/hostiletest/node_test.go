package hostiletest_test

// The kit against a real node in this process. These tests check the kit
// (that what it sends is accepted and what the node sends is decoded), not
// the node's defences; those are src/core's tests.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/core/hostiletest"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/transport"
	"github.com/yggmesh/ygg/src/wire"
)

const wait = 10 * time.Second

// startNode runs a node with no peers and a TCP listener on loopback.
func startNode(t *testing.T) (*core.Core, string) {
	t.Helper()
	cfg := config.Generate()
	cfg.MulticastInterfaces = nil
	cfg.Listen = []string{"tcp://127.0.0.1:0"}
	opts := core.Options{}
	if os.Getenv("YGG_TEST_LOG") != "" {
		opts.Logger = logging.New(os.Stderr, logging.LevelDebug)
	}
	n := core.New(core.NewIdentity(), opts)
	if err := n.Start(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	return n, n.ListenerAddrs()["tcp://127.0.0.1:0"].String()
}

// keepalive is how often the kit's peers send an empty frame here. These
// tests check the kit, so the kit behaves like a live peer: a node whose
// peer actor waits on its link reader (until that link's next frame) must
// not stall them.
const keepalive = 250 * time.Millisecond

func dial(t *testing.T, addr string, opts hostiletest.Options) *hostiletest.Peer {
	t.Helper()
	opts.Keepalive = keepalive
	p, err := hostiletest.Dial(addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// announced dials and announces.
func announced(t *testing.T, n *core.Core, addr string, opts hostiletest.Options) (*hostiletest.Peer, wire.Coords) {
	t.Helper()
	p := dial(t, addr, opts)
	return p, announce(t, n, p)
}

// announce extends the node's switch message and waits until the node
// routes through us; it returns our coords.
func announce(t *testing.T, n *core.Core, p *hostiletest.Peer) wire.Coords {
	t.Helper()
	if _, err := p.Announce(1, wait); err != nil {
		t.Fatal(err)
	}
	c, err := p.OurCoords()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "us in the node's table", inTable(n, p, true))
	return c
}

func waitFor(t *testing.T, what string, cond func() error) {
	t.Helper()
	if err := hostiletest.Eventually(wait, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// peerOf finds the node's view of the link from key.
func peerOf(n *core.Core, key crypto.BoxPubKey) (core.PeerInfo, error) {
	for _, info := range n.Peers() {
		if info.BoxPub == key {
			return info, nil
		}
	}
	return core.PeerInfo{}, fmt.Errorf("no peer with key %s", key)
}

// inTable checks whether the node routes through p.
func inTable(n *core.Core, p *hostiletest.Peer, want bool) func() error {
	return func() error {
		info, err := peerOf(n, p.Identity().BoxPub)
		if err == nil && info.InTable != want {
			err = fmt.Errorf("in table: %v", info.InTable)
		}
		return err
	}
}

func isDHTReq(ev hostiletest.Event) bool { return ev.Protocol != nil && ev.Protocol.DHTReq != nil }

func TestNodeHandshakeAndSwitchMsg(t *testing.T) {
	n, addr := startNode(t)
	p := dial(t, addr, hostiletest.Options{})
	if got := p.Node(); got.Box != n.BoxPub() || got.Sig != n.SigPub() {
		t.Fatalf("node metadata box %s sig %s, want the node's keys", got.Box, got.Sig)
	}
	m, err := p.WaitNodeMsg(wait)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Verify(); err != nil {
		t.Fatal(err)
	}
	var info core.PeerInfo
	waitFor(t, "node lists us", func() (err error) { info, err = peerOf(n, p.Identity().BoxPub); return err })
	// A lone node is its own root; its one hop leads to us through our port.
	if m.Root != n.SigPub() || len(m.Hops) != 1 || m.Hops[0].Next != p.Identity().SigPub || m.Hops[0].Port != info.Port {
		t.Fatalf("node's message: root %s hops %+v; our port %d", m.Root, m.Hops, info.Port)
	}
}

func TestNodeDHTRequestAndAnswer(t *testing.T) {
	n, addr := startNode(t)
	p, ours := announced(t, n, addr, hostiletest.Options{Keys: hostiletest.SeededKeys(1)})
	ev, err := p.Await(wait, isDHTReq)
	if err != nil {
		t.Fatal(err)
	}
	pr := ev.Protocol
	// The node DHT-pings us: its own NodeID, from its own coords, to ours.
	if pr.ToKey != p.Identity().BoxPub || pr.FromKey != n.BoxPub() || pr.DHTReq.Dest != n.NodeID() ||
		!pr.Coords.Equal(ours) || len(pr.DHTReq.Coords) != 0 {
		t.Fatalf("DHT request to %s from %s dest %x at %v, requester at %v", pr.ToKey, pr.FromKey,
			pr.DHTReq.Dest[:4], pr.Coords, pr.DHTReq.Coords)
	}
	listed := p.MadeUpEntries(20, ours)
	if err := p.AnswerDHT(pr, listed); err != nil {
		t.Fatal(err)
	}
	// The node accepted the answer: it DHT-pings listed nodes, at the
	// coords we listed, and those come back to us.
	ev, err = p.Await(wait, func(ev hostiletest.Event) bool {
		if !isDHTReq(ev) {
			return false
		}
		_, madeUp := p.MadeUpIndex(ev.Protocol.ToKey)
		return madeUp
	})
	if err != nil {
		t.Fatal(err)
	}
	pr = ev.Protocol
	i, _ := p.MadeUpIndex(pr.ToKey)
	if !pr.Opened || pr.FromKey != n.BoxPub() || pr.DHTReq.Dest != n.NodeID() || !pr.Coords.Equal(listed[i].Coords) {
		t.Fatalf("ping to made-up node %d at %v (listed at %v), dest %x", i, pr.Coords, listed[i].Coords, pr.DHTReq.Dest[:4])
	}
}

func TestNodeAdoptsBetterRootAndUnsignedPort(t *testing.T) {
	n, addr := startNode(t)
	id := hostiletest.RandomKeys().IdentityBetterThan(n.SigPub())
	p := dial(t, addr, hostiletest.Options{Identity: &id})
	if _, err := p.WaitNodeMsg(wait); err != nil {
		t.Fatal(err)
	}
	root := p.RootAnnouncement(time.Now().Unix(), 7)
	if err := p.SendSwitchMsg(root); err != nil {
		t.Fatal(err)
	}
	coordsAre := func(want wire.Coords) func() error {
		return func() error {
			if s := n.Self(); s.Root != id.SigPub || !s.Coords.Equal(want) {
				return fmt.Errorf("root %s coords %v", s.Root, s.Coords)
			}
			return nil
		}
	}
	waitFor(t, "node under our root at [7]", coordsAre(wire.Coords{7}))
	// The same message with only the unsigned last port changed moves the node.
	if err := p.SendSwitchMsg(hostiletest.WithLastPort(root, 9)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "node moved to [9]", coordsAre(wire.Coords{9}))
}

// acceptAll is a session handler that lets the node answer session pings.
type acceptAll struct{}

func (acceptAll) NewSession(core.Session)             {}
func (acceptAll) Receive(core.Session, []byte)        {}
func (acceptAll) TooBig(core.Session, []byte, uint64) {}
func isPong(ev hostiletest.Event) bool {
	return ev.Protocol != nil && ev.Protocol.Ping != nil && ev.Protocol.Ping.IsPong
}
func keySet(kps []hostiletest.BoxKeyPair) map[crypto.BoxPubKey]bool {
	m := map[crypto.BoxPubKey]bool{}
	for _, kp := range kps {
		m[kp.Pub] = true
	}
	return m
}

func TestNodeAnswersPingsFromFreshKeys(t *testing.T) {
	n, addr := startNode(t)
	n.SetSessionHandler(acceptAll{})
	p, ours := announced(t, n, addr, hostiletest.Options{})
	fresh := p.NewKeys(3)
	var pkts [][]byte
	for _, kp := range fresh {
		pkt, err := p.ToNode(kp, p.Keys().SessionPing(time.Now().Unix(), ours).Encode(nil))
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, pkt)
	}
	if err := p.SendFrames(pkts...); err != nil {
		t.Fatal(err)
	}
	want := keySet(fresh)
	for len(want) > 0 {
		ev, err := p.Await(wait, isPong)
		if err != nil {
			t.Fatalf("%d pongs missing: %v", len(want), err)
		}
		if ev.Protocol.FromKey != n.BoxPub() || !ev.Protocol.Ping.Coords.Equal(ours[:len(ours)-1]) {
			t.Fatalf("pong from %s with coords %v", ev.Protocol.FromKey, ev.Protocol.Ping.Coords)
		}
		delete(want, ev.Protocol.ToKey)
	}
	sessions := map[crypto.BoxPubKey]bool{}
	for _, s := range n.Sessions() {
		sessions[s.BoxPub] = s.Ready
	}
	for _, kp := range fresh {
		if !sessions[kp.Pub] {
			t.Fatalf("no ready session for %s: %v", kp.Pub, sessions)
		}
	}
}

func TestNodeInfoAndReflection(t *testing.T) {
	n, addr := startNode(t)
	asker, askerCoords := announced(t, n, addr, hostiletest.Options{})
	victim, victimCoords := announced(t, n, addr, hostiletest.Options{})
	own := asker.Identity().Box()
	if err := asker.SendToNode(own, (&wire.NodeInfoReq{Coords: askerCoords}).Encode(nil)); err != nil {
		t.Fatal(err)
	}
	ev, err := asker.Await(wait, func(ev hostiletest.Event) bool { return ev.Protocol != nil && ev.Protocol.NodeInfoRes != nil })
	if err != nil {
		t.Fatal(err)
	}
	if got := ev.Protocol.NodeInfoRes.NodeInfo; !bytes.Equal(got, n.OwnNodeInfo()) {
		t.Fatalf("NodeInfo %q, node has %q", got, n.OwnNodeInfo())
	}
	// A request carrying the victim's coords: the node answers there.
	req := wire.DHTReq{Coords: victimCoords, Dest: crypto.NodeID{1}}
	if err := asker.SendToNode(own, req.Encode(nil)); err != nil {
		t.Fatal(err)
	}
	ev, err = victim.Await(wait, func(ev hostiletest.Event) bool {
		return ev.Protocol != nil && ev.Protocol.ToKey == own.Pub
	})
	if err != nil {
		t.Fatal(err)
	}
	if pr := ev.Protocol; pr.FromKey != n.BoxPub() || !pr.Coords.Equal(victimCoords) || pr.Opened {
		t.Fatalf("reflected packet from %s at %v, opened %v", pr.FromKey, pr.Coords, pr.Opened)
	}
}

func TestNodeForwardsTrafficBackToUs(t *testing.T) {
	n, addr := startNode(t)
	p, ours := announced(t, n, addr, hostiletest.Options{})
	h, nonce := p.Keys().Handle(), p.Keys().Nonce()
	pkt := hostiletest.TrafficPacket(ours, 5, h, nonce, []byte("tiny"))
	if err := p.SendBlock(hostiletest.RepeatBlock(pkt, 3)); err != nil {
		t.Fatal(err)
	}
	ev, err := p.Await(wait, func(ev hostiletest.Event) bool { return ev.Kind == hostiletest.KindTraffic })
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ev.Msg, pkt) || ev.Traffic.Handle != h {
		t.Fatalf("traffic back %x, sent %x", ev.Msg, pkt)
	}
}

// Over net.Pipe nothing buffers: a paused reader blocks the node's
// writes, which the node notices (spec 01 §4.11) and takes us out of its
// table until they complete.
func TestNodeWritesBlockWhilePaused(t *testing.T) {
	n, _ := startNode(t)
	ours, theirs := net.Pipe()
	n.Connect(theirs, transport.LinkInfo{Proto: "tcp", Local: "pipe-node", Remote: "pipe-kit", Name: "tcp://pipe-kit:1", Inbound: true})
	p, err := hostiletest.Handshake(ours, hostiletest.Options{Keepalive: keepalive})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	c := announce(t, n, p)
	p.Pause()
	// Each request makes the node write an answer to us.
	req := (&wire.NodeInfoReq{Coords: c}).Encode(nil)
	for range 5 {
		if err := p.SendToNode(p.Identity().Box(), req); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "node's writes to us blocked", inTable(n, p, false))
	p.Resume()
	waitFor(t, "node's writes to us done", inTable(n, p, true))
}

func TestNodeClosesOnGarbage(t *testing.T) {
	n, addr := startNode(t)
	p := dial(t, addr, hostiletest.Options{})
	if err := p.WriteRaw([]byte{0xde, 0xad, 0xbe, 0xef, 1, 0}); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitClosed(wait); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "link forgotten", func() error {
		if _, err := peerOf(n, p.Identity().BoxPub); err == nil {
			return fmt.Errorf("still listed")
		}
		return nil
	})
}

func TestIdleConnsGetNodeMetadata(t *testing.T) {
	n, addr := startNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	conns, err := hostiletest.DialIdle(ctx, addr, 3, 40)
	for _, c := range conns {
		defer c.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range conns {
		var raw [wire.MetadataLen]byte
		_ = c.SetReadDeadline(time.Now().Add(wait))
		if _, err := io.ReadFull(c, raw[:]); err != nil {
			t.Fatalf("conn %d: %v", i, err)
		}
		var m wire.Metadata
		if err := m.Decode(raw[:]); err != nil || m.Box != n.BoxPub() {
			t.Fatalf("conn %d: metadata %v, box %s", i, err, m.Box)
		}
	}
	if len(n.Peers()) != 0 {
		t.Fatalf("half-handshaken connections became peers: %+v", n.Peers())
	}
}

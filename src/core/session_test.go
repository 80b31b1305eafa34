package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

// recorder is a SessionHandler that records what it is given.
type recorder struct {
	got      chan []byte
	sessions chan Session
	tooBig   chan uint64
}

func newRecorder() *recorder {
	return &recorder{got: make(chan []byte, 1024), sessions: make(chan Session, 16), tooBig: make(chan uint64, 16)}
}

func (r *recorder) NewSession(s Session) { r.sessions <- s }
func (r *recorder) Receive(_ Session, msg []byte) {
	select {
	case r.got <- msg:
	default:
	}
}
func (r *recorder) TooBig(_ Session, _ []byte, mtu uint64) { r.tooBig <- mtu }

func (r *recorder) expect(t *testing.T, want []byte) {
	t.Helper()
	select {
	case got := <-r.got:
		if !bytes.Equal(got, want) {
			t.Fatalf("received %q, want %q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("nothing received, want %q", want)
	}
}

func (r *recorder) expectNothing(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case got := <-r.got:
		t.Fatalf("received %q, want nothing", got)
	case <-time.After(d):
	}
}

// dialSync dials and waits for the result.
func dialSync(t *testing.T, c *Core, target, mask crypto.NodeID) (Session, error) {
	t.Helper()
	type result struct {
		s   Session
		err error
	}
	ch := make(chan result, 1)
	c.Dial(target, mask, func(s Session, err error) { ch <- result{s, err} })
	select {
	case r := <-ch:
		return r.s, r.err
	case <-time.After(20 * time.Second):
		t.Fatal("dial did not return")
		return nil, nil
	}
}

// lineOf3 builds a - b - c with a recorder on each node.
func lineOf3(t *testing.T) (tn *testNet, recs []*recorder) {
	tn = newTestNet(t, 3, nil)
	for _, n := range tn.nodes {
		rec := newRecorder()
		n.SetSessionHandler(rec)
		recs = append(recs, rec)
	}
	connectGraph(tn, line(3))
	root := bestRoot(tn.nodes)
	waitFor(t, 10*time.Second, "tree", func() error { return treeConsistent(tn.nodes, root) })
	waitDHTFull(t, tn.nodes)
	return tn, recs
}

// waitDHTFull waits until every node's DHT lists every other node, as it
// does a few seconds after a small network forms. Searches only move to
// nodes closer to the target than the ones already asked (spec 02 §4.2),
// so before that a search can reach a dead end, depending on where the
// NodeIDs fall on the ring.
func waitDHTFull(t *testing.T, nodes []*testNode) {
	t.Helper()
	waitFor(t, 15*time.Second, "full DHT tables", func() error {
		for _, n := range nodes {
			if got := len(n.DHT()); got != len(nodes)-1 {
				return fmt.Errorf("%s knows %d nodes", n.name, got)
			}
		}
		return nil
	})
}

func TestSessionAcrossTwoHops(t *testing.T) {
	tn, recs := lineOf3(t)
	a, c := tn.nodes[0], tn.nodes[2]
	s, err := dialSync(t, a.Core, c.NodeID(), fullMask)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if s.RemoteKey() != c.BoxPub() {
		t.Fatal("dialled the wrong node")
	}
	s.Send(nil, []byte("hello from a"), 0)
	recs[2].expect(t, []byte("hello from a"))
	var back Session
	select {
	case back = <-recs[2].sessions:
	case <-time.After(5 * time.Second):
		t.Fatal("c was not told of the incoming session")
	}
	if back.RemoteKey() != a.BoxPub() {
		t.Fatal("incoming session has the wrong key")
	}
	back.Send(nil, []byte("hello from c"), 7)
	recs[0].expect(t, []byte("hello from c"))
	// Many messages keep their order (no reordering, no loss on idle links).
	for i := 0; i < 200; i++ {
		s.Send(nil, []byte(fmt.Sprintf("m%03d", i)), uint64(i%3))
	}
	for i := 0; i < 200; i++ {
		recs[2].expect(t, []byte(fmt.Sprintf("m%03d", i)))
	}
	ss := a.Sessions()
	if len(ss) != 1 || ss[0].BoxPub != c.BoxPub() || !ss[0].Ready || ss[0].BytesSent == 0 || ss[0].MTU != 65535 {
		t.Fatalf("a's sessions: %+v", ss)
	}
}

func TestDialByAddressAndSubnet(t *testing.T) {
	tn, recs := lineOf3(t)
	a, b, c := tn.nodes[0], tn.nodes[1], tn.nodes[2]
	addr := c.Address()
	id, mask := addr.NodeIDAndMask()
	s, err := dialSync(t, a.Core, id, mask)
	if err != nil || s.RemoteKey() != c.BoxPub() {
		t.Fatalf("dial by address: %v", err)
	}
	subnet := address.SubnetForKey(ptr(b.BoxPub()))
	id, mask = subnet.NodeIDAndMask()
	s2, err := dialSync(t, c.Core, id, mask)
	if err != nil || s2.RemoteKey() != b.BoxPub() {
		t.Fatalf("dial by subnet: %v", err)
	}
	s2.Send(nil, []byte("x"), 0)
	recs[1].expect(t, []byte("x"))
}

func ptr[T any](v T) *T { return &v }

func TestDialAbsentNodeFails(t *testing.T) {
	tn, _ := lineOf3(t)
	absent := NewIdentity()
	start := time.Now()
	_, err := dialSync(t, tn.nodes[0].Core, absent.BoxPub.NodeID(), fullMask)
	if !errors.Is(err, ErrSearchDeadEnd) {
		t.Fatalf("err %v, want %v", err, ErrSearchDeadEnd)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("dead end took %v", d)
	}
}

func TestSessionMTU(t *testing.T) {
	tn, recs := lineOf3(t)
	a, c := tn.nodes[0], tn.nodes[2]
	c.SetMaxSessionMTU(1300)
	s, err := dialSync(t, a.Core, c.NodeID(), fullMask)
	if err != nil {
		t.Fatal(err)
	}
	s.Send(nil, make([]byte, 1300), 0)
	recs[2].expect(t, make([]byte, 1300))
	s.Send(nil, make([]byte, 1301), 0)
	select {
	case mtu := <-recs[0].tooBig:
		if mtu != 1300 {
			t.Fatalf("too big with mtu %d, want 1300", mtu)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("oversized message not refused")
	}
	recs[2].expectNothing(t, 300*time.Millisecond)
}

// Replayed, forged and misaddressed traffic is dropped (spec 02 §6.10–6.11).
func TestTrafficReplayAndForgery(t *testing.T) {
	tn, recs := lineOf3(t)
	a, c := tn.nodes[0], tn.nodes[2]
	sess, err := dialSync(t, a.Core, c.NodeID(), fullMask)
	if err != nil {
		t.Fatal(err)
	}
	s := sess.(*session)
	s.Send(nil, []byte("first"), 0)
	recs[2].expect(t, []byte("first"))
	// Build packets exactly as a's session would, then hand them to c's router.
	var handle crypto.Handle
	var shared crypto.BoxSharedKey
	var nonce crypto.BoxNonce
	actor.Block(s, func() { handle, shared, nonce = s.theirHandle, *s.sesShared, s.myNonce })
	mk := func(n crypto.BoxNonce, h crypto.Handle, msg string) []byte {
		return wire.SealTraffic(nil, wire.Coords{}, 0, &h, &shared, &n, []byte(msg))
	}
	inject := func(p []byte) {
		r := c.router
		actor.Block(r, func() { r._handlePacket(p) })
	}
	// The nonce "first" went with; a byte-wise "-2" on the newer one would
	// wrap without a borrow once in 128 runs and make it newer, not older.
	older := nonce
	nonce.Increment()
	good := mk(nonce, handle, "second")
	inject(good)
	recs[2].expect(t, []byte("second"))
	inject(good) // replay
	inject(mk(older, handle, "older"))
	nonce.Increment()
	forged := mk(nonce, handle, "forged")
	forged[len(forged)-1] ^= 1 // ciphertext changed: tag fails
	inject(forged)
	tag := mk(nonce, handle, "forged tag")
	tag[len(tag)-len("forged tag")-1] ^= 1 // tag byte changed
	inject(tag)
	inject(mk(nonce, crypto.NewHandle(), "unknown handle"))
	recs[2].expectNothing(t, 300*time.Millisecond)
	// The forgeries did not advance the nonce: a real packet still goes through.
	inject(mk(nonce, handle, "third"))
	recs[2].expect(t, []byte("third"))
}

// A NodeInfo request gets the remote's NodeInfo; a DHT ping gets an answer.
func TestNodeInfoAndDHTPing(t *testing.T) {
	tn, _ := lineOf3(t)
	a, c := tn.nodes[0], tn.nodes[2]
	c.SetNodeInfo([]byte(`{"name":"c"}`))
	coords := c.Self().Coords
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	info, err := a.NodeInfo(ctx, c.BoxPub(), coords)
	if err != nil || string(info) != `{"name":"c"}` {
		t.Fatalf("nodeinfo %q %v", info, err)
	}
	nodes, err := a.DHTPing(ctx, c.BoxPub(), coords, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range nodes {
		if n.BoxPub == tn.nodes[1].BoxPub() {
			found = true
		}
	}
	if !found {
		t.Fatalf("c's answer does not list its peer b: %+v", nodes)
	}
	short, cancelShort := context.WithTimeout(context.Background(), time.Second)
	defer cancelShort()
	if _, err := a.NodeInfo(short, NewIdentity().BoxPub, coords); !errors.Is(err, ErrTimeout) {
		t.Fatalf("nodeinfo from nobody: %v", err)
	}
	if len(a.DHT()) == 0 {
		t.Fatal("a's DHT is empty")
	}
}

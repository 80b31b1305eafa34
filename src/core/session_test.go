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
	"github.com/yggmesh/ygg/src/dht"
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

// expect runs the net until r receives a message, which must be want.
func (r *recorder) expect(tn *testNet, want []byte) {
	tn.t.Helper()
	var got []byte
	tn.await(10*time.Second, fmt.Sprintf("message %q", want), func() error {
		select {
		case got = <-r.got:
			return nil
		default:
			return errors.New("nothing received")
		}
	})
	if !bytes.Equal(got, want) {
		tn.t.Fatalf("received %q, want %q", got, want)
	}
}

// expectNothing runs the net for d of virtual time, in which r must
// receive nothing.
func (r *recorder) expectNothing(tn *testNet, d time.Duration) {
	tn.t.Helper()
	tn.ex.Advance(d)
	select {
	case got := <-r.got:
		tn.t.Fatalf("received %q, want nothing", got)
	default:
	}
}

// dialSync dials and runs the net until the dial answers.
func dialSync(tn *testNet, c *Core, target, mask crypto.NodeID) (Session, error) {
	tn.t.Helper()
	type result struct {
		s   Session
		err error
	}
	ch := make(chan result, 1)
	c.Dial(target, mask, func(s Session, err error) { ch <- result{s, err} })
	var r result
	tn.await(20*time.Second, "the dial's answer", func() error {
		select {
		case r = <-ch:
			return nil
		default:
			return errors.New("no answer")
		}
	})
	return r.s, r.err
}

// lineOf3 builds a - b - c on the executor with a recorder on each node,
// and runs it until every node's DHT knows the others.
func lineOf3(t *testing.T) (tn *testNet, recs []*recorder) {
	tn = newExecNet(t, 3, 1)
	return tn, lineOf3On(tn)
}

// lineOf3On joins tn's three nodes in a line, with a recorder on each.
func lineOf3On(tn *testNet) (recs []*recorder) {
	for _, n := range tn.nodes {
		rec := newRecorder()
		n.SetSessionHandler(rec)
		recs = append(recs, rec)
	}
	connectGraph(tn, line(3))
	root := bestRoot(tn.nodes)
	tn.await(10*time.Second, "tree", func() error { return treeConsistent(tn.nodes, root) })
	waitDHTFull(tn)
	return recs
}

// waitDHTFull waits until every node's DHT lists every other node, as it
// does a few seconds after a small network forms. Searches only move to
// nodes closer to the target than the ones already asked (spec 02 §4.2),
// so before that a search can reach a dead end, depending on where the
// NodeIDs fall on the ring.
func waitDHTFull(tn *testNet) {
	tn.t.Helper()
	tn.await(15*time.Second, "full DHT tables", func() error {
		for _, n := range tn.nodes {
			if got := len(n.DHT()); got != len(tn.nodes)-1 {
				return fmt.Errorf("%s knows %d nodes", n.name, got)
			}
		}
		return nil
	})
}

func TestSessionAcrossTwoHops(t *testing.T) {
	tn, recs := lineOf3(t)
	a, c := tn.nodes[0], tn.nodes[2]
	s, err := dialSync(tn, a.Core, c.NodeID(), fullMask)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if s.RemoteKey() != c.BoxPub() {
		t.Fatal("dialled the wrong node")
	}
	s.Send(nil, []byte("hello from a"), 0)
	recs[2].expect(tn, []byte("hello from a"))
	// c announces the session when it becomes ready, before any traffic.
	var back Session
	select {
	case back = <-recs[2].sessions:
	default:
		t.Fatal("c was not told of the incoming session")
	}
	if back.RemoteKey() != a.BoxPub() {
		t.Fatal("incoming session has the wrong key")
	}
	back.Send(nil, []byte("hello from c"), 7)
	recs[0].expect(tn, []byte("hello from c"))
	// Many messages keep their order (no reordering, no loss on idle links).
	for i := 0; i < 200; i++ {
		s.Send(nil, []byte(fmt.Sprintf("m%03d", i)), uint64(i%3))
	}
	for i := 0; i < 200; i++ {
		recs[2].expect(tn, []byte(fmt.Sprintf("m%03d", i)))
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
	s, err := dialSync(tn, a.Core, id, mask)
	if err != nil || s.RemoteKey() != c.BoxPub() {
		t.Fatalf("dial by address: %v", err)
	}
	subnet := address.SubnetForKey(ptr(b.BoxPub()))
	id, mask = subnet.NodeIDAndMask()
	s2, err := dialSync(tn, c.Core, id, mask)
	if err != nil || s2.RemoteKey() != b.BoxPub() {
		t.Fatalf("dial by subnet: %v", err)
	}
	s2.Send(nil, []byte("x"), 0)
	recs[1].expect(tn, []byte("x"))
}

func ptr[T any](v T) *T { return &v }

func TestDialAbsentNodeFails(t *testing.T) {
	tn, _ := lineOf3(t)
	absent := identityFrom(tn.rng)
	start := tn.ex.Now()
	_, err := dialSync(tn, tn.nodes[0].Core, absent.BoxPub.NodeID(), fullMask)
	if !errors.Is(err, ErrSearchDeadEnd) {
		t.Fatalf("err %v, want %v", err, ErrSearchDeadEnd)
	}
	// The search gives up dht.SearchTimeout after its last progress: the
	// answer from c, two hops away, asked at the latest after b answered.
	if took, lo, hi := tn.ex.Now().Sub(start), dht.SearchTimeout, dht.SearchTimeout+6*tn.latency; took < lo || took > hi {
		t.Fatalf("dead end after %v, want %v to %v", took, lo, hi)
	}
}

func TestSessionMTU(t *testing.T) {
	tn, recs := lineOf3(t)
	a, c := tn.nodes[0], tn.nodes[2]
	c.SetMaxSessionMTU(1300)
	s, err := dialSync(tn, a.Core, c.NodeID(), fullMask)
	if err != nil {
		t.Fatal(err)
	}
	s.Send(nil, make([]byte, 1300), 0)
	recs[2].expect(tn, make([]byte, 1300))
	s.Send(nil, make([]byte, 1301), 0)
	tn.ex.RunUntilIdle() // refused at once, in the session
	select {
	case mtu := <-recs[0].tooBig:
		if mtu != 1300 {
			t.Fatalf("too big with mtu %d, want 1300", mtu)
		}
	default:
		t.Fatal("oversized message not refused")
	}
	recs[2].expectNothing(tn, time.Second)
}

// Replayed, forged and misaddressed traffic is dropped (spec 02 §6.10–6.11).
func TestTrafficReplayAndForgery(t *testing.T) {
	tn, recs := lineOf3(t)
	a, c := tn.nodes[0], tn.nodes[2]
	sess, err := dialSync(tn, a.Core, c.NodeID(), fullMask)
	if err != nil {
		t.Fatal(err)
	}
	s := sess.(*session)
	s.Send(nil, []byte("first"), 0)
	recs[2].expect(tn, []byte("first"))
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
	recs[2].expect(tn, []byte("second"))
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
	recs[2].expectNothing(tn, time.Second)
	// The forgeries did not advance the nonce: a real packet still goes through.
	inject(mk(nonce, handle, "third"))
	recs[2].expect(tn, []byte("third"))
}

// A NodeInfo request gets the remote's NodeInfo; a DHT ping gets an answer.
// On an executor the blocking requests run the network while they wait.
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

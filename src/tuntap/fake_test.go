package tuntap

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/crypto"
)

// fakeNet joins fake cores so that a dial from one finds another by
// partial NodeID, as the real search does.
type fakeNet struct {
	mu    sync.Mutex
	nodes []*fakeCore
	mtu   uint64 // session MTU for new sessions
}

// fakeCore stands in for *core.Core. Without a network, dials are only
// recorded, and the test completes them.
type fakeCore struct {
	net    *fakeNet
	key    crypto.BoxPubKey
	id     crypto.NodeID
	addr   address.Address
	subnet address.Subnet

	mu      sync.Mutex
	handler core.SessionHandler
	maxMTU  uint64
	dials   chan dialRecord
	dialed  atomic.Int32 // dials made, for networked cores
}

type dialRecord struct {
	target, mask crypto.NodeID
	cb           core.DialCallback
}

func newFakeCore() *fakeCore {
	pub, _ := crypto.NewBoxKeys()
	c := &fakeCore{key: pub, id: pub.NodeID(), dials: make(chan dialRecord, 100)}
	c.addr = address.ForNodeID(&c.id)
	c.subnet = address.SubnetForNodeID(&c.id)
	return c
}

func (n *fakeNet) add(c *fakeCore) *fakeCore {
	n.mu.Lock()
	defer n.mu.Unlock()
	c.net = n
	n.nodes = append(n.nodes, c)
	return c
}

func (c *fakeCore) Address() address.Address { return c.addr }
func (c *fakeCore) Subnet() address.Subnet   { return c.subnet }

func (c *fakeCore) SetSessionHandler(h core.SessionHandler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.handler = h
}

func (c *fakeCore) SetMaxSessionMTU(mtu uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maxMTU = mtu
}

func (c *fakeCore) getHandler() core.SessionHandler {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.handler
}

func (c *fakeCore) Dial(target, mask crypto.NodeID, cb core.DialCallback) {
	if c.net == nil {
		c.dials <- dialRecord{target, mask, cb}
		return
	}
	c.dialed.Add(1)
	c.net.mu.Lock()
	var found *fakeCore
	for _, n := range c.net.nodes {
		if n != c && address.Matches(&n.id, &target, &mask) {
			found = n
		}
	}
	mtu := c.net.mtu
	c.net.mu.Unlock()
	if found == nil || found.getHandler() == nil {
		cb(nil, errors.New("search reached dead end"))
		return
	}
	mine, theirs := pair(c, found, mtu)
	found.getHandler().NewSession(theirs)
	cb(mine, nil)
}

// fakeSession is one side of a session. Without a peer it records what is
// sent through it.
type fakeSession struct {
	owner  *fakeCore
	remote crypto.BoxPubKey
	peer   *fakeSession
	mtu    uint64
	closed atomic.Bool
	mu     sync.Mutex
	sent   []sentPacket
}

type sentPacket struct {
	msg  []byte
	flow uint64
	from actor.Actor
}

func pair(a, b *fakeCore, mtu uint64) (*fakeSession, *fakeSession) {
	sa := &fakeSession{owner: a, remote: b.key, mtu: mtu}
	sb := &fakeSession{owner: b, remote: a.key, mtu: mtu, peer: sa}
	sa.peer = sb
	return sa, sb
}

func (s *fakeSession) RemoteKey() crypto.BoxPubKey { return s.remote }

func (s *fakeSession) Send(from actor.Actor, msg []byte, flow uint64) {
	if s.closed.Load() {
		return
	}
	if s.mtu != 0 && uint64(len(msg)) > s.mtu {
		s.owner.getHandler().TooBig(s, msg, s.mtu)
		return
	}
	s.mu.Lock()
	s.sent = append(s.sent, sentPacket{msg, flow, from})
	s.mu.Unlock()
	if s.peer != nil && !s.peer.closed.Load() {
		s.peer.owner.getHandler().Receive(s.peer, msg)
	}
}

func (s *fakeSession) Close() { s.closed.Store(true) }

func (s *fakeSession) sentPackets() []sentPacket {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sentPacket(nil), s.sent...)
}

// sessionTo makes a recorded session on c's side towards the key remote.
func sessionTo(c *fakeCore, remote crypto.BoxPubKey, mtu uint64) *fakeSession {
	return &fakeSession{owner: c, remote: remote, mtu: mtu}
}

// waitFor polls cond inside the adapter until it holds.
func waitFor(t *testing.T, a *Adapter, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var ok bool
		actor.Block(a, func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// settle waits until the adapter has processed everything sent to it so far.
func settle(a *Adapter) { actor.Block(a, func() {}) }

// recv takes the next packet the adapter wrote to dev.
func recv(t *testing.T, dev *MemDevice) []byte {
	t.Helper()
	select {
	case p := <-dev.Written():
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("nothing written to the TUN")
		return nil
	}
}

// quiet checks that the adapter wrote nothing more to dev.
func quiet(t *testing.T, a *Adapter, dev *MemDevice) {
	t.Helper()
	settle(a)
	actor.Block(a.writer, func() {})
	select {
	case p := <-dev.Written():
		t.Fatalf("unexpected packet written to the TUN: %x", p)
	default:
	}
}

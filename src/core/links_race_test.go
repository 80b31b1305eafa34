package core

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/transport"
)

// holdActor blocks a until the returned func is called (once or more).
func holdActor(a actor.Actor) (release func()) {
	held, done := make(chan struct{}), make(chan struct{})
	go actor.Block(a, func() {
		close(held)
		<-done
	})
	<-held
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}

// Finding 6 of issue 10: when a link's teardown overtook the links actor's
// _register (here: an admin disconnect while the registration is queued),
// _unregister skipped the active entry, and every later link with the same
// keys and addresses was refused as a duplicate for ever.
func TestTeardownBeforeRegisterLeavesNoStaleEntry(t *testing.T) {
	tn := newTestNet(t, 1, nil)
	a := tn.nodes[0]
	id := NewIdentity()
	info := transport.LinkInfo{Proto: "tcp", Local: "memA", Remote: "memB", Name: "tcp://memB:1", Inbound: true}

	ca, cb := net.Pipe()
	a.Connect(ca, info)
	var l *link
	waitFor(t, 5*time.Second, "the link", func() error {
		actor.Block(a.links, func() {
			for x := range a.links.links {
				l = x
			}
		})
		if l == nil {
			return fmt.Errorf("no link yet")
		}
		return nil
	})
	release := holdActor(a.links)
	p := newRawPeer(t, cb, id)
	p.readMetadata()
	// The reader is reading our metadata; once it has handed it to the link
	// (which then queues _register behind the hold), the teardown follows
	// in the link's inbox.
	r := l.io.(*socketIO).reader
	r.Act(nil, func() { l.Act(r, func() { l._close(errAdminClose) }) })
	release()
	waitFor(t, 5*time.Second, "the teardown", func() error {
		var n int
		actor.Block(a.links, func() { n = len(a.links.links) })
		if n != 0 {
			return fmt.Errorf("%d links", n)
		}
		return nil
	})
	var active, keys int
	actor.Block(a.links, func() { active, keys = len(a.links.active), len(a.links.keys) })
	if active != 0 || keys != 0 {
		t.Fatalf("after the teardown %d active and %d key entries remain", active, keys)
	}

	// The same keys over the same addresses may link again.
	ca, cb = net.Pipe()
	t.Cleanup(func() { ca.Close(); cb.Close() })
	a.Connect(ca, info)
	p = newRawPeer(t, cb, id)
	p.readMetadata()
	waitFor(t, 5*time.Second, "the second link", func() error {
		for _, peer := range a.Peers() {
			if peer.BoxPub == id.BoxPub {
				return nil
			}
		}
		return fmt.Errorf("peers: %d", len(a.Peers()))
	})
}

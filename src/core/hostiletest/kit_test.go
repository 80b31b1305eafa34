package hostiletest

import (
	"bytes"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/wire"
)

const wait = 10 * time.Second

// pair handshakes two kit peers with each other over net.Pipe: the kit
// speaks the node's side of the handshake too, so a and b see each
// other's metadata.
func pair(t *testing.T, aOpts, bOpts Options) (a, b *Peer) {
	t.Helper()
	ca, cb := net.Pipe()
	type result struct {
		p   *Peer
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := Handshake(cb, bOpts)
		done <- result{p, err}
	}()
	a, err := Handshake(ca, aOpts)
	r := <-done
	if err != nil || r.err != nil {
		t.Fatalf("handshake: %v / %v", err, r.err)
	}
	t.Cleanup(func() { a.Close(); r.p.Close() })
	return a, r.p
}

func TestSeededKeysRepeat(t *testing.T) {
	a, b := SeededKeys(42).Identity(), SeededKeys(42).Identity()
	if a != b {
		t.Fatal("the same seed gave different identities")
	}
	if c := SeededKeys(43).Identity(); c.BoxPub == a.BoxPub || c.SigPub == a.SigPub {
		t.Fatal("different seeds gave the same keys")
	}
	if a.BoxPub != a.BoxPriv.Public() || a.SigPub != a.SigPriv.DerivedPublic() {
		t.Fatal("public keys do not match their private keys")
	}
}

func TestIdentityBetterThan(t *testing.T) {
	src := SeededKeys(7)
	others := []crypto.SigPubKey{src.Identity().SigPub, src.Identity().SigPub, src.Identity().SigPub}
	id := src.IdentityBetterThan(others...)
	for i := range others {
		if !id.SigPub.Better(&others[i]) {
			t.Fatalf("key does not beat key %d", i)
		}
	}
}

func TestHandshakeSeesOtherSide(t *testing.T) {
	ida, idb := SeededKeys(1).Identity(), SeededKeys(2).Identity()
	a, b := pair(t, Options{Identity: &ida}, Options{Identity: &idb})
	if got := a.Node(); got.Box != idb.BoxPub || got.Sig != idb.SigPub {
		t.Fatalf("a sees box %s sig %s, want b's keys", got.Box, got.Sig)
	}
	if got := b.Node(); got.Box != ida.BoxPub || got.Sig != ida.SigPub {
		t.Fatalf("b sees box %s sig %s, want a's keys", got.Box, got.Sig)
	}
}

func TestSwitchMsgOpensOnOtherSide(t *testing.T) {
	a, b := pair(t, Options{}, Options{})
	sent := a.RootAnnouncement(1600000000, 5)
	if err := a.SendSwitchMsg(sent); err != nil {
		t.Fatal(err)
	}
	got, err := b.WaitNodeMsg(wait)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Encode(nil), sent.Encode(nil)) {
		t.Fatalf("b read %x, a sent %x", got.Encode(nil), sent.Encode(nil))
	}
	if err := got.Verify(); err != nil {
		t.Fatal(err)
	}
	if c, _ := b.OurCoords(); !c.Equal(wire.Coords{5}) {
		t.Fatalf("b's coords %v, want [5]", c)
	}
	// b extends it back: a verifiable two-hop message ending at a, whose
	// last port a can change without any key.
	ext := b.Extend(got, 3)
	moved := WithLastPort(ext, 300)
	if err := moved.Verify(); err != nil {
		t.Fatalf("message with a changed last port no longer verifies: %v", err)
	}
	if !moved.Coords().Equal(wire.Coords{5, 300}) || ext.Hops[1].Port != 3 {
		t.Fatalf("coords %v (original last port %d)", moved.Coords(), ext.Hops[1].Port)
	}
	chain, ok := ParentChain(moved)
	if !ok || len(chain.Hops) != 1 || chain.Verify() != nil || chain.Hops[0].Next != b.Identity().SigPub {
		t.Fatalf("parent chain %+v ok %v", chain, ok)
	}
	if _, ok := ParentChain(sent); ok {
		t.Fatal("a one-hop message has no parent chain")
	}
}

func TestProtocolOpensForOwnAndAddedKeys(t *testing.T) {
	a, b := pair(t, Options{}, Options{})
	extra := b.NewKeys(1)[0]
	stranger := RandomKeys().BoxKeyPair()
	req := wire.NodeInfoReq{Coords: wire.Coords{1, 2}}
	idA := a.Identity()
	for _, to := range []crypto.BoxPubKey{b.Identity().BoxPub, extra.Pub, stranger.Pub} {
		if err := a.SendProtocol(idA.Box(), to, wire.Coords{9}, req.Encode(nil)); err != nil {
			t.Fatal(err)
		}
	}
	for i, wantOpened := range []bool{true, true, false} {
		ev, err := b.Await(wait, func(ev Event) bool { return ev.Kind == KindProtocol })
		if err != nil {
			t.Fatal(err)
		}
		pr := ev.Protocol
		if pr.Opened != wantOpened || pr.FromKey != idA.BoxPub || !pr.Coords.Equal(wire.Coords{9}) {
			t.Fatalf("packet %d: opened %v from %s coords %v", i, pr.Opened, pr.FromKey, pr.Coords)
		}
		if wantOpened && (pr.NodeInfoReq == nil || !pr.NodeInfoReq.Coords.Equal(req.Coords)) {
			t.Fatalf("packet %d: inner %x", i, pr.Inner)
		}
	}
	if s := b.Stats(); s.Opened != 2 || s.ByInnerType[wire.TypeNodeInfoRequest] != 2 || s.Read(KindProtocol) != 3 {
		t.Fatalf("stats %+v", s)
	}
}

func TestAnswersGoBackToAsker(t *testing.T) {
	a, b := pair(t, Options{Keys: SeededKeys(3)}, Options{Keys: SeededKeys(4), Handler: Handlers(AnswerDHTRequests(3), AnswerPings())})
	idA := a.Identity()
	dest := crypto.NodeID{0xab}
	req := wire.DHTReq{Coords: wire.Coords{4}, Dest: dest}
	if err := a.SendProtocol(idA.Box(), b.Identity().BoxPub, wire.Coords{7}, req.Encode(nil)); err != nil {
		t.Fatal(err)
	}
	ev, err := a.Await(wait, func(ev Event) bool { return ev.Protocol != nil && ev.Protocol.DHTRes != nil })
	if err != nil {
		t.Fatal(err)
	}
	res, pr := ev.Protocol.DHTRes, ev.Protocol
	// Sent to the requester's coords, claiming the coords it was asked at.
	if !pr.Coords.Equal(wire.Coords{4}) || !res.Coords.Equal(wire.Coords{7}) || res.Dest != dest || len(res.Entries) != 3 {
		t.Fatalf("answer at %v: coords %v dest %x entries %d", pr.Coords, res.Coords, res.Dest[:2], len(res.Entries))
	}
	for _, e := range res.Entries {
		i, ok := b.MadeUpIndex(e.Key)
		if !ok || !e.Coords.Equal(wire.Coords{7, uint64(i) + 1}) {
			t.Fatalf("entry %s at %v (made up: %v, index %d)", e.Key, e.Coords, ok, i)
		}
	}
	ping := a.Keys().SessionPing(-5, wire.Coords{4})
	if err := a.SendProtocol(idA.Box(), res.Entries[0].Key, wire.Coords{7, 1}, ping.Encode(nil)); err != nil {
		t.Fatal(err)
	}
	ev, err = a.Await(wait, func(ev Event) bool { return ev.Protocol != nil && ev.Protocol.Ping != nil })
	if err != nil {
		t.Fatal(err)
	}
	if pong := ev.Protocol.Ping; !pong.IsPong || ev.Protocol.FromKey != res.Entries[0].Key || !pong.Coords.Equal(wire.Coords{7, 1}) {
		t.Fatalf("pong %+v from %s", pong, ev.Protocol.FromKey)
	}
}

func TestMadeUpPoolCycles(t *testing.T) {
	a, _ := pair(t, Options{Keys: SeededKeys(5), MaxMadeUp: 4}, Options{})
	first := a.MadeUp(3)
	more := a.MadeUp(3) // one new, then back to the start
	if more[0] == first[0] || more[1] != first[0] || more[2] != first[1] {
		t.Fatal("pool did not grow to its cap and cycle")
	}
	again, _ := pair(t, Options{Keys: SeededKeys(5), MaxMadeUp: 4}, Options{})
	if again.MadeUp(1)[0].Pub != first[0].Pub {
		t.Fatal("a seeded source gave other made-up keys")
	}
}

func TestPausedReaderLeavesWritesBlocked(t *testing.T) {
	a, b := pair(t, Options{Paused: true}, Options{})
	// Nothing reads a's end of the pipe, so b's write cannot complete.
	_ = b.Conn().SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	if err := b.SendFrame([]byte{0x7f}); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write to a paused peer: %v", err)
	}
	_ = b.Conn().SetWriteDeadline(time.Time{})
	a.Resume()
	if err := b.SendFrame([]byte{0x7f, 1}); err != nil {
		t.Fatal(err)
	}
	ev, err := a.Await(wait, func(Event) bool { return true })
	if err != nil || ev.Kind != KindOther || !bytes.Equal(ev.Msg, []byte{0x7f, 1}) {
		t.Fatalf("after resume: %v %+v", err, ev)
	}
}

func TestPacketBuilders(t *testing.T) {
	src := SeededKeys(6)
	h, n := src.Handle(), src.Nonce()
	var tr wire.Traffic
	if err := tr.Decode(TrafficPacket(wire.Coords{1, 300}, 77, h, n, []byte("hi"))); err != nil {
		t.Fatal(err)
	}
	c, flow, ok := wire.SplitFlowKey(tr.Coords)
	if !ok || !c.Equal(wire.Coords{1, 300}) || flow != 77 || tr.Handle != h || tr.Nonce != n || string(tr.Payload) != "hi" {
		t.Fatalf("traffic %v flow %d handle %s payload %q", c, flow, tr.Handle, tr.Payload)
	}
	to, from := src.BoxKeyPair().Pub, src.BoxKeyPair().Pub
	var env wire.ProtocolTraffic
	if err := env.Decode(ProtocolPacket(wire.Coords{2}, to, from, n, []byte{1, 2, 3})); err != nil {
		t.Fatal(err)
	}
	if env.ToKey != to || env.FromKey != from || !bytes.Equal(env.Coords, []byte{2}) || !bytes.Equal(env.Payload, []byte{1, 2, 3}) {
		t.Fatalf("envelope %+v", env)
	}
	blk := RepeatBlock([]byte{9, 9}, 3)
	blk.Add(nil)
	msgs, rest, err := wire.SplitFrames(blk.Bytes())
	if err != nil || len(rest) != 0 || len(msgs) != 4 || blk.Frames() != 4 || len(msgs[3]) != 0 {
		t.Fatalf("block: %d frames %v, rest %d, err %v", len(msgs), msgs, len(rest), err)
	}
}

func TestKeepaliveOption(t *testing.T) {
	_, b := pair(t, Options{Keepalive: 10 * time.Millisecond}, Options{})
	for range 3 {
		ev, err := b.Await(wait, func(Event) bool { return true })
		if err != nil || ev.Kind != KindKeepalive || len(ev.Msg) != 0 {
			t.Fatalf("want keepalives, got %v %+v", err, ev)
		}
	}
}

func TestEventually(t *testing.T) {
	calls := 0
	if err := Eventually(wait, func() error {
		if calls++; calls < 3 {
			return errors.New("not yet")
		}
		return nil
	}); err != nil || calls != 3 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
	never := errors.New("never")
	if err := Eventually(0, func() error { return never }); !errors.Is(err, ErrTimeout) || !errors.Is(err, never) {
		t.Fatalf("err %v", err)
	}
}

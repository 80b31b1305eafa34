package wire

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

// seq returns n bytes counting up from start: the spec's "1011…17" style.
func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func boxPriv(seed string) crypto.BoxPrivKey { return crypto.BoxPrivKey(sha256.Sum256([]byte(seed))) }

// Spec 01 §3.7 example.
func TestTrafficSpecExample(t *testing.T) {
	want := h("00 02 0103 1011121314151617 202122232425262728292a2b2c2d2e2f3031323334353637 aabb")
	p := Traffic{Coords: h("0103"), Handle: crypto.Handle(seq(0x10, 8)), Nonce: crypto.BoxNonce(seq(0x20, 24)), Payload: h("aabb")}
	if got := p.Encode(nil); !bytes.Equal(got, want) {
		t.Fatalf("encode = %x", got)
	}
	var d Traffic
	if err := d.Decode(want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Coords, p.Coords) || d.Handle != p.Handle || d.Nonce != p.Nonce || !bytes.Equal(d.Payload, p.Payload) {
		t.Fatalf("decode = %+v", d)
	}
	if raw, ok := PacketCoords(want); !ok || !bytes.Equal(raw, h("0103")) {
		t.Fatalf("PacketCoords = %x %v", raw, ok)
	}
}

// Spec 01 §3.3 and spec 02 §6.8 flow-key suffix examples.
func TestTrafficFlowKey(t *testing.T) {
	cases := []struct {
		c     Coords
		flow  uint64
		field string
	}{
		{Coords{1, 3}, 0x61f900050, "08 01 03 00 e1 fc c0 80 50"},
		{Coords{1, 2}, 5, "04 01 02 00 05"},
		{Coords{1, 2}, 0, "02 01 02"},
		{Coords{}, 7, "02 00 07"},
	}
	key, nonce, handle := crypto.BoxSharedKey(seq(1, 32)), crypto.BoxNonce(seq(0x40, 24)), crypto.Handle(seq(0x10, 8))
	for _, c := range cases {
		pkt := SealTraffic(nil, c.c, c.flow, &handle, &key, &nonce, []byte("ping"))
		field := h(c.field)
		if !bytes.Equal(pkt[1:1+len(field)], field) {
			t.Errorf("%v flow %x: coords field %x, want %x", c.c, c.flow, pkt[1:1+len(field)], field)
		}
		if n := TrafficLen(c.c, c.flow, 4); n != len(pkt) {
			t.Errorf("%v flow %x: TrafficLen %d, packet %d", c.c, c.flow, n, len(pkt))
		}
		raw, ok := PacketCoords(pkt)
		if !ok {
			t.Fatalf("PacketCoords failed on %x", pkt)
		}
		ports, flow, ok := SplitFlowKey(raw)
		if !ok || !ports.Equal(c.c) || flow != c.flow {
			t.Errorf("SplitFlowKey(%x) = %v %x %v", raw, ports, flow, ok)
		}
		if rp := RoutingPorts(raw, nil); !rp.Equal(c.c) {
			t.Errorf("routing ports %v, want %v", rp, c.c)
		}
		var p Traffic
		if err := p.Decode(pkt); err != nil {
			t.Fatal(err)
		}
		if msg, err := p.Open(nil, &key); err != nil || string(msg) != "ping" {
			t.Errorf("open = %q, %v", msg, err)
		}
	}
}

func TestSplitFlowKeyRejects(t *testing.T) {
	for _, raw := range []string{"81", "01 00", "01 00 81", "01 00 05 06"} {
		if _, _, ok := SplitFlowKey(h(raw)); ok {
			t.Errorf("SplitFlowKey(%s) accepted", raw)
		}
	}
}

func TestTrafficSealOpen(t *testing.T) {
	a, b := boxPriv("spec-example-1"), boxPriv("spec-box-B")
	aPub, bPub := a.Public(), b.Public()
	sendKey, recvKey := crypto.Shared(&a, &bPub), crypto.Shared(&b, &aPub)
	nonce, handle := crypto.NewRandomNonce(), crypto.NewHandle()
	msg := bytes.Repeat([]byte{0x60}, 1280)
	buf := make([]byte, 0, 2048)
	pkt := SealTraffic(buf, Coords{4, 200}, 99, &handle, &sendKey, &nonce, msg)
	if &pkt[0] != &buf[:1][0] {
		t.Fatal("SealTraffic did not use the caller's buffer")
	}
	var p Traffic
	if err := p.Decode(pkt); err != nil {
		t.Fatal(err)
	}
	if p.Handle != handle || p.Nonce != nonce || len(p.Payload) != len(msg)+crypto.BoxOverhead {
		t.Fatalf("decoded %+v", p)
	}
	out, err := p.Open(nil, &recvKey)
	if err != nil || !bytes.Equal(out, msg) {
		t.Fatalf("open: %v", err)
	}
	p.Nonce.Increment()
	if _, err := p.Open(nil, &recvKey); err != ErrOpen {
		t.Fatalf("open with the wrong nonce: %v", err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		pkt = SealTraffic(buf[:0], Coords{4, 200}, 99, &handle, &sendKey, &nonce, msg)
	})
	if allocs != 0 {
		t.Errorf("SealTraffic into a big enough buffer allocates %v times", allocs)
	}
}

func TestTrafficDecodeErrors(t *testing.T) {
	good := h("00 02 0103 1011121314151617 202122232425262728292a2b2c2d2e2f3031323334353637")
	var p Traffic
	if err := p.Decode(good); err != nil || len(p.Payload) != 0 {
		t.Fatalf("empty payload: %v", err)
	}
	for n := 0; n < len(good); n++ {
		if err := p.Decode(good[:n]); err != ErrShortMessage {
			t.Errorf("%d bytes: %v", n, err)
		}
	}
	if err := p.Decode(h("01 00")); err != ErrWrongType {
		t.Errorf("type 1: %v", err)
	}
	// A truncated routing port makes coords no switch can follow.
	for _, b := range []string{"", "02 00", "00", "00 05 01", "81", "00 01 81", "00 02 01 81 aa", "01 03 01 ff ff"} {
		if _, ok := PacketCoords(h(b)); ok {
			t.Errorf("PacketCoords(%s) accepted", b)
		}
	}
	// Forwarding stops at the flow-key separator and never reads past it.
	for _, b := range []string{"00 00", "00 03 01 00 81", "01 02 01 02"} {
		if _, ok := PacketCoords(h(b)); !ok {
			t.Errorf("PacketCoords(%s) rejected", b)
		}
	}
}

// The receive path, decode then open into a reused buffer, allocates nothing.
func TestTrafficReceiveAllocs(t *testing.T) {
	key, nonce, handle := crypto.BoxSharedKey(seq(1, 32)), crypto.BoxNonce(seq(0x40, 24)), crypto.Handle(seq(0x10, 8))
	pkt := SealTraffic(nil, Coords{1, 2, 3}, 0x12345, &handle, &key, &nonce, make([]byte, 1000))
	out := make([]byte, 0, 2048)
	allocs := testing.AllocsPerRun(100, func() {
		var p Traffic
		if p.Decode(pkt) != nil {
			t.Fatal("decode failed")
		}
		if _, ok := PacketCoords(pkt); !ok {
			t.Fatal("PacketCoords failed")
		}
		if _, err := p.Open(out[:0], &key); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("decode and open allocate %v times", allocs)
	}
}

// The flows of one session share what TrafficSession reports; another
// handle or destination does not.
func TestTrafficSessionIgnoresFlowKey(t *testing.T) {
	var h1, h2 crypto.Handle
	h1[0], h2[0] = 1, 2
	var k crypto.BoxSharedKey
	var n crypto.BoxNonce
	mk := func(c Coords, flow uint64, h *crypto.Handle) []byte {
		return SealTraffic(nil, c, flow, h, &k, &n, []byte("x"))
	}
	r1, hd1, ok1 := TrafficSession(mk(Coords{1, 3, 200}, 7, &h1))
	r2, hd2, ok2 := TrafficSession(mk(Coords{1, 3, 200}, 0x61f900050, &h1))
	r3, _, _ := TrafficSession(mk(Coords{1, 3, 200}, 0, &h1))
	if !ok1 || !ok2 || !bytes.Equal(r1, r2) || !bytes.Equal(r1, r3) || !bytes.Equal(hd1, hd2) {
		t.Fatalf("flows of one session differ: %x/%x %x/%x %x", r1, hd1, r2, hd2, r3)
	}
	if !bytes.Equal(r1, AppendCoordsRaw(nil, Coords{1, 3, 200})) || !bytes.Equal(hd1, h1[:]) {
		t.Fatalf("got routing %x handle %x", r1, hd1)
	}
	if _, hd, _ := TrafficSession(mk(Coords{1, 3, 200}, 7, &h2)); bytes.Equal(hd, hd1) {
		t.Fatal("another handle reads the same")
	}
	pkt := mk(Coords{1, 3}, 7, &h1)
	hdr := len(pkt) - crypto.BoxNonceLen - crypto.BoxOverhead - 1 // up to the end of the handle
	for i := range len(pkt) {
		if _, _, ok := TrafficSession(pkt[:i]); ok != (i >= hdr) {
			t.Fatalf("a packet cut to %d bytes (header %d): ok=%v", i, hdr, ok)
		}
	}
	if _, _, ok := TrafficSession([]byte{TypeProtocolTraffic, 0}); ok {
		t.Fatal("protocol traffic read as a session")
	}
}

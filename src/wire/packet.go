package wire

import (
	"errors"

	"github.com/yggmesh/ygg/src/crypto"
)

// Errors shared by the packet and inner-message decoders. Every decode
// failure is a silent drop at the protocol level; the error only says why.
var (
	ErrBadCoords     = errors.New("malformed coords")
	ErrEmptyNodeInfo = errors.New("nodeinfo response has no payload")
	ErrOpen          = errors.New("box authentication failed")
)

// PacketType reads the leading uv(type) of a frame payload or of an opened
// protocol-traffic payload. ok is false for an empty or unterminated type.
func PacketType(b []byte) (t uint64, ok bool) {
	t, n := Uvarint(b)
	return t, n != 0
}

// PacketCoords returns the raw destination coords of a type-0 or type-1
// packet (aliasing b, flow-key suffix included) without decoding the rest.
// It is all a forwarder needs to read. ok is false when the coords field
// runs past the packet or a routing port (one before the flow-key suffix's
// 0) is truncated: v0.3.16 forwards such a packet toward the root, where
// nobody can receive it, so a forwarder should drop it.
func PacketCoords(b []byte) (raw []byte, ok bool) {
	t, n := Uvarint(b)
	if n == 0 || (t != TypeTraffic && t != TypeProtocolTraffic) {
		return nil, false
	}
	raw, m := CoordsField(b[n:])
	if m == 0 || !routable(raw) {
		return nil, false
	}
	return raw, true
}

// routable reports whether every routing port of raw coords is complete.
// What follows a 0 port is the flow key, which forwarding never reads.
func routable(raw []byte) bool {
	for len(raw) > 0 {
		p, n := Uvarint(raw)
		if n == 0 {
			return false
		}
		if p == 0 {
			return true
		}
		raw = raw[n:]
	}
	return true
}

// expectType strips the leading uv(type) and checks it is want.
func expectType(b []byte, want uint64) ([]byte, error) {
	t, n := Uvarint(b)
	if n == 0 {
		return nil, ErrShortMessage
	}
	if t != want {
		return nil, ErrWrongType
	}
	return b[n:], nil
}

// decodeCoords reads a length-prefixed coords field into freshly allocated
// ports: decoded messages are often kept (DHT table, sessions), so they must
// not share storage with the next decode.
func decodeCoords(b []byte) (c Coords, rest []byte, err error) {
	raw, n := CoordsField(b)
	if n == 0 {
		return nil, nil, ErrShortMessage
	}
	c, ok := ParseCoordsRaw(raw)
	if !ok {
		return nil, nil, ErrBadCoords
	}
	return c, b[n:], nil
}

// decodeHeader strips the uv(type), which must be want, and the sender's or
// requester's coords that open every inner protocol message.
func decodeHeader(b []byte, want uint64) (c Coords, rest []byte, err error) {
	b, err = expectType(b, want)
	if err != nil {
		return nil, nil, err
	}
	return decodeCoords(b)
}

// splitRouted strips the uv(type), which must be want, and the destination
// coords field that open a routed packet (types 0 and 1), and checks that
// at least fixed bytes follow. raw and rest alias b.
func splitRouted(b []byte, want uint64, fixed int) (raw, rest []byte, err error) {
	b, err = expectType(b, want)
	if err != nil {
		return nil, nil, err
	}
	raw, n := CoordsField(b)
	if n == 0 || len(b)-n < fixed {
		return nil, nil, ErrShortMessage
	}
	return raw, b[n:], nil
}

// chopKey copies a 32-byte key off the front of b.
func chopKey(k *crypto.BoxPubKey, b []byte) ([]byte, bool) {
	if len(b) < len(k) {
		return b, false
	}
	return b[copy(k[:], b):], true
}

// chopNonce copies a 24-byte nonce off the front of b.
func chopNonce(nonce *crypto.BoxNonce, b []byte) ([]byte, bool) {
	if len(b) < len(nonce) {
		return b, false
	}
	return b[copy(nonce[:], b):], true
}

// freshNonce draws a random nonce and steps it once, as random-nonce
// sealing does on every layer but session traffic.
func freshNonce() crypto.BoxNonce {
	n := crypto.NewRandomNonce()
	n.Increment()
	return n
}

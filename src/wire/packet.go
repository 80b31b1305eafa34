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
	c, ok := appendPorts(make(Coords, 0, len(raw)), raw)
	if !ok {
		return nil, nil, ErrBadCoords
	}
	return c, b[n:], nil
}

// appendPorts decodes raw coords bytes onto dst; ok is false when a port is
// truncated or overlong.
func appendPorts(dst Coords, raw []byte) (Coords, bool) {
	for len(raw) > 0 {
		p, n := Uvarint(raw)
		if n == 0 {
			return dst, false
		}
		dst = append(dst, p)
		raw = raw[n:]
	}
	return dst, true
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

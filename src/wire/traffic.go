package wire

import "github.com/yggmesh/ygg/src/crypto"

// Traffic is a session data packet (type 0):
//
//	00 || uv(len) coords [|| 00 || uv(flow)] || handle(8) || nonce(24) || box
//
// Switches read only the type and coords (PacketCoords); the receiving
// session picks its key by Handle and ignores the coords.
type Traffic struct {
	Coords  []byte          // raw destination coords, flow-key suffix included
	Handle  crypto.Handle   // the receiver's handle
	Nonce   crypto.BoxNonce // session nonce, parity set by the key order
	Payload []byte          // Seal(session key, Nonce, message): tag || ciphertext
}

// Encode appends the packet to dst.
func (p *Traffic) Encode(dst []byte) []byte {
	dst = appendTrafficHeader(dst, p.Coords, &p.Handle, &p.Nonce)
	return append(dst, p.Payload...)
}

// Decode parses a type-0 packet. Coords and Payload alias b.
func (p *Traffic) Decode(b []byte) error {
	raw, b, err := splitRouted(b, TypeTraffic, len(p.Handle)+len(p.Nonce))
	if err != nil {
		return err
	}
	p.Coords = raw
	b = b[copy(p.Handle[:], b):]
	b = b[copy(p.Nonce[:], b):]
	p.Payload = b
	return nil
}

// Open authenticates and decrypts the payload with the session shared key,
// appending the plaintext to dst, which must not overlap the payload. The
// caller checks the nonce order first.
func (p *Traffic) Open(dst []byte, shared *crypto.BoxSharedKey) ([]byte, error) {
	out, ok := crypto.Open(dst, shared, &p.Nonce, p.Payload)
	if !ok {
		return dst, ErrOpen
	}
	return out, nil
}

// SealTraffic appends a whole traffic packet carrying msg to dst: coords
// with the flow-key suffix when flow != 0, the receiver's handle, and msg
// sealed under the session key with nonce, which the caller has already
// stepped. Given capacity in dst it allocates nothing. The box cannot be
// sealed in place: msg must not overlap dst's spare capacity.
func SealTraffic(dst []byte, coords Coords, flow uint64, handle *crypto.Handle,
	shared *crypto.BoxSharedKey, nonce *crypto.BoxNonce, msg []byte) []byte {
	dst = AppendUvarint(dst, TypeTraffic)
	dst = AppendCoordsWithFlow(dst, coords, flow)
	dst = append(dst, handle[:]...)
	dst = append(dst, nonce[:]...)
	return crypto.Seal(dst, shared, nonce, msg)
}

// TrafficLen is the size of a traffic packet carrying msgLen plaintext bytes.
func TrafficLen(coords Coords, flow uint64, msgLen int) int {
	cl := coords.RawLen()
	if flow != 0 {
		cl += 1 + UvarintLen(flow)
	}
	return 1 + UvarintLen(uint64(cl)) + cl + crypto.HandleLen + crypto.BoxNonceLen + crypto.BoxOverhead + msgLen
}

// SplitFlowKey splits raw traffic coords into the routing ports and the
// flow key that follows a 0 port (0 when there is no suffix). ok is false
// when a port or the flow key is truncated, or bytes follow the flow key.
func SplitFlowKey(raw []byte) (c Coords, flow uint64, ok bool) {
	c = make(Coords, 0, len(raw))
	for len(raw) > 0 {
		p, n := Uvarint(raw)
		if n == 0 {
			return nil, 0, false
		}
		raw = raw[n:]
		if p == 0 {
			flow, n = Uvarint(raw)
			if n == 0 || n != len(raw) {
				return nil, 0, false
			}
			return c, flow, true
		}
		c = append(c, p)
	}
	return c, 0, true
}

func appendTrafficHeader(dst, rawCoords []byte, handle *crypto.Handle, nonce *crypto.BoxNonce) []byte {
	dst = AppendUvarint(dst, TypeTraffic)
	dst = AppendUvarint(dst, uint64(len(rawCoords)))
	dst = append(dst, rawCoords...)
	dst = append(dst, handle[:]...)
	return append(dst, nonce[:]...)
}

// TrafficSession names the session a traffic packet belongs to, as far as
// a forwarder can see it: the routing ports of the destination coords
// (without the flow-key suffix, which differs between the flows of one
// session) and the receiver's handle. Both alias b. ok is false when b is
// not a type-0 packet with a complete coords field and handle.
func TrafficSession(b []byte) (routing, handle []byte, ok bool) {
	t, n := Uvarint(b)
	if n == 0 || t != TypeTraffic {
		return nil, nil, false
	}
	raw, m := CoordsField(b[n:])
	if m == 0 || len(b) < n+m+crypto.HandleLen {
		return nil, nil, false
	}
	return raw[:routingLen(raw)], b[n+m : n+m+crypto.HandleLen], true
}

// routingLen is the length of the routing ports at the start of raw
// coords: up to the 0 port that starts a flow-key suffix.
func routingLen(raw []byte) int {
	off := 0
	for off < len(raw) {
		p, n := Uvarint(raw[off:])
		if n == 0 || p == 0 {
			break
		}
		off += n
	}
	return off
}

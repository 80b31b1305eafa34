package wire

import "github.com/yggmesh/ygg/src/crypto"

// ProtocolTraffic is the end-to-end protocol envelope (type 1) that carries
// DHT, session ping/pong and nodeinfo messages:
//
//	01 || uv(len) coords || ToKey(32) || FromKey(32) || nonce(24) || box
//
// The box is sealed with the permanent keys, Shared(sender priv, ToKey), so
// the receiver opens it with Shared(own priv, FromKey). Dropping a packet
// whose ToKey is not ours is the caller's check.
type ProtocolTraffic struct {
	Coords  []byte           // raw destination coords
	ToKey   crypto.BoxPubKey // destination's permanent box key
	FromKey crypto.BoxPubKey // sender's permanent box key
	Nonce   crypto.BoxNonce  // random; never checked by the receiver
	Payload []byte           // tag || ciphertext of the inner message
}

// ProtocolTrafficOverhead is what the envelope adds to an inner message,
// besides the coords field.
const ProtocolTrafficOverhead = 1 + 2*crypto.BoxPubKeyLen + crypto.BoxNonceLen + crypto.BoxOverhead

// Encode appends the packet to dst.
func (p *ProtocolTraffic) Encode(dst []byte) []byte {
	dst = p.appendHeader(dst)
	return append(dst, p.Payload...)
}

// Decode parses a type-1 packet. Coords and Payload alias b.
func (p *ProtocolTraffic) Decode(b []byte) error {
	raw, b, err := splitRouted(b, TypeProtocolTraffic, len(p.ToKey)+len(p.FromKey)+len(p.Nonce))
	if err != nil {
		return err
	}
	p.Coords = raw
	b, _ = chopKey(&p.ToKey, b)
	b, _ = chopKey(&p.FromKey, b)
	b, _ = chopNonce(&p.Nonce, b)
	p.Payload = b
	return nil
}

// Seal appends the envelope with p's coords, keys and nonce and msg sealed
// under shared in place of p.Payload (msg must not overlap dst's spare
// capacity). Callers normally use SealProtocolTraffic, which draws the nonce.
func (p *ProtocolTraffic) Seal(dst []byte, shared *crypto.BoxSharedKey, msg []byte) []byte {
	dst = p.appendHeader(dst)
	return crypto.Seal(dst, shared, &p.Nonce, msg)
}

// Open authenticates and decrypts the inner message, appending it to dst,
// which must not overlap the payload. shared is Shared(own permanent priv,
// FromKey).
func (p *ProtocolTraffic) Open(dst []byte, shared *crypto.BoxSharedKey) ([]byte, error) {
	out, ok := crypto.Open(dst, shared, &p.Nonce, p.Payload)
	if !ok {
		return dst, ErrOpen
	}
	return out, nil
}

// SealProtocolTraffic appends a type-1 packet carrying the inner message msg
// to the node toKey at coords, sealed under shared = Shared(own permanent
// priv, toKey) with a fresh random nonce stepped once. msg must not overlap
// dst's spare capacity.
func SealProtocolTraffic(dst []byte, coords Coords, toKey, fromKey *crypto.BoxPubKey,
	shared *crypto.BoxSharedKey, msg []byte) []byte {
	nonce := freshNonce()
	dst = AppendUvarint(dst, TypeProtocolTraffic)
	dst = AppendCoords(dst, coords)
	dst = append(dst, toKey[:]...)
	dst = append(dst, fromKey[:]...)
	dst = append(dst, nonce[:]...)
	return crypto.Seal(dst, shared, &nonce, msg)
}

func (p *ProtocolTraffic) appendHeader(dst []byte) []byte {
	dst = AppendUvarint(dst, TypeProtocolTraffic)
	dst = AppendUvarint(dst, uint64(len(p.Coords)))
	dst = append(dst, p.Coords...)
	dst = append(dst, p.ToKey[:]...)
	dst = append(dst, p.FromKey[:]...)
	return append(dst, p.Nonce[:]...)
}

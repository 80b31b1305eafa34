package wire

import "github.com/yggmesh/ygg/src/crypto"

// LinkProtocolTraffic is the link-local sealed packet (type 2):
//
//	02 || nonce(24) || box
//
// It is used twice, one inside the other, to carry switch messages between
// peers: the outer layer is sealed with the permanent keys (proving the peer
// holds the box key it announced), the inner with the per-connection link
// keys. Nonces are random and never checked for order or replay.
type LinkProtocolTraffic struct {
	Nonce   crypto.BoxNonce
	Payload []byte // tag || ciphertext
}

// linkLayerOverhead is what one layer adds: type, nonce and tag.
const linkLayerOverhead = 1 + crypto.BoxNonceLen + crypto.BoxOverhead

// LinkMessageOverhead is what the two layers add to a switch message: a
// one-hop switch message of 135 bytes becomes a 217-byte frame payload.
const LinkMessageOverhead = 2 * linkLayerOverhead

// Encode appends the packet to dst.
func (p *LinkProtocolTraffic) Encode(dst []byte) []byte {
	dst = AppendUvarint(dst, TypeLinkProtocolTraffic)
	dst = append(dst, p.Nonce[:]...)
	return append(dst, p.Payload...)
}

// Decode parses a type-2 packet. Payload aliases b.
func (p *LinkProtocolTraffic) Decode(b []byte) error {
	b, err := expectType(b, TypeLinkProtocolTraffic)
	if err != nil {
		return err
	}
	b, ok := chopNonce(&p.Nonce, b)
	if !ok {
		return ErrShortMessage
	}
	p.Payload = b
	return nil
}

// Seal appends a type-2 packet with p.Nonce and msg sealed under shared;
// msg must not overlap dst's spare capacity.
func (p *LinkProtocolTraffic) Seal(dst []byte, shared *crypto.BoxSharedKey, msg []byte) []byte {
	dst = AppendUvarint(dst, TypeLinkProtocolTraffic)
	dst = append(dst, p.Nonce[:]...)
	return crypto.Seal(dst, shared, &p.Nonce, msg)
}

// Open authenticates and decrypts the payload, appending it to dst, which
// must not overlap the payload.
func (p *LinkProtocolTraffic) Open(dst []byte, shared *crypto.BoxSharedKey) ([]byte, error) {
	out, ok := crypto.Open(dst, shared, &p.Nonce, p.Payload)
	if !ok {
		return dst, ErrOpen
	}
	return out, nil
}

// SealLinkMessage wraps a switch message for a link, returning the frame
// payload 02 || n2 || Seal(shared, n2, 02 || n1 || Seal(linkShared, n1, msg))
// with fresh random nonces stepped once. shared is Shared(own permanent
// priv, their permanent pub); linkShared the same for the link keys.
func SealLinkMessage(shared, linkShared *crypto.BoxSharedKey, msg []byte) []byte {
	outer := LinkProtocolTraffic{Nonce: freshNonce()}
	inner := LinkProtocolTraffic{Nonce: freshNonce()}
	return sealLinkMessage(shared, linkShared, &outer, &inner, msg)
}

// sealLinkMessage seals with the nonces already in outer and inner. Both
// layers share one allocation: the inner packet is built in the tail, which
// the returned slice's capacity does not reach.
func sealLinkMessage(shared, linkShared *crypto.BoxSharedKey, outer, inner *LinkProtocolTraffic, msg []byte) []byte {
	innerLen := len(msg) + linkLayerOverhead
	outerLen := innerLen + linkLayerOverhead
	buf := make([]byte, outerLen+innerLen)
	in := inner.Seal(buf[outerLen:outerLen], linkShared, msg)
	return outer.Seal(buf[:0:outerLen], shared, in)
}

// OpenLinkMessage opens both layers of a type-2 frame payload and returns the
// inner plaintext, normally a switch message (the caller checks its type).
// Any failure is a silent drop for the caller; the link stays up.
func OpenLinkMessage(shared, linkShared *crypto.BoxSharedKey, payload []byte) ([]byte, error) {
	var p LinkProtocolTraffic
	if err := p.Decode(payload); err != nil {
		return nil, err
	}
	if len(p.Payload) < crypto.BoxOverhead {
		return nil, ErrOpen
	}
	// One allocation holds both plaintexts: the middle layer at the front,
	// the switch message behind it (a box may not be opened over itself).
	midLen := len(p.Payload) - crypto.BoxOverhead
	buf := make([]byte, midLen+max(midLen-linkLayerOverhead, 0))
	mid, err := p.Open(buf[:0:midLen], shared)
	if err != nil {
		return nil, err
	}
	if err := p.Decode(mid); err != nil {
		return nil, err
	}
	return p.Open(buf[midLen:midLen], linkShared)
}

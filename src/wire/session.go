package wire

import "github.com/yggmesh/ygg/src/crypto"

// DefaultSessionMTU is the MTU assumed for a peer that has not told us its
// own, and what a ping without an MTU field decodes to.
const DefaultSessionMTU = 1280

// SessionPing is a session ping (inner type 4) or pong (type 5):
//
//	04|05 || Handle(8) || SesKey(32) || uv(zz(TStamp)) || uv(len) coords || uv(MTU)
//
// The sender's permanent key is the envelope's FromKey. It is sealed with
// the permanent keys, never the session key it announces.
type SessionPing struct {
	IsPong bool
	Handle crypto.Handle    // the sender's handle: put it in traffic sent to the sender
	SesKey crypto.BoxPubKey // the sender's ephemeral session key
	TStamp int64            // the sender's wall clock, Unix seconds
	Coords Coords           // the sender's own coords
	MTU    uint16           // the sender's largest session MTU
}

// Encode appends the message to dst. The MTU is always sent.
func (m *SessionPing) Encode(dst []byte) []byte {
	t := uint64(TypeSessionPing)
	if m.IsPong {
		t = TypeSessionPong
	}
	dst = AppendUvarint(dst, t)
	dst = append(dst, m.Handle[:]...)
	dst = append(dst, m.SesKey[:]...)
	dst = AppendVarint(dst, m.TStamp)
	dst = AppendCoords(dst, m.Coords)
	return AppendUvarint(dst, uint64(m.MTU))
}

// Decode parses a ping or pong. A missing MTU means DefaultSessionMTU; a
// present one is truncated to 16 bits as the reference does (66836 reads as
// 1300), and bytes after it are ignored. An MTU that is present but
// unterminated or longer than 10 bytes fails the message; the reference
// would read a partial value, but no reference sender can produce one.
func (m *SessionPing) Decode(b []byte) error {
	t, n := Uvarint(b)
	if n == 0 {
		return ErrShortMessage
	}
	if t != TypeSessionPing && t != TypeSessionPong {
		return ErrWrongType
	}
	b = b[n:]
	var d SessionPing
	d.IsPong = t == TypeSessionPong
	if len(b) < len(d.Handle) {
		return ErrShortMessage
	}
	b = b[copy(d.Handle[:], b):]
	b, ok := chopKey(&d.SesKey, b)
	if !ok {
		return ErrShortMessage
	}
	if d.TStamp, n = Varint(b); n == 0 {
		return ErrShortMessage
	}
	c, b, err := decodeCoords(b[n:])
	if err != nil {
		return err
	}
	d.Coords = c
	d.MTU = DefaultSessionMTU
	if len(b) > 0 {
		mtu, n := Uvarint(b)
		if n == 0 {
			return ErrShortMessage
		}
		d.MTU = uint16(mtu)
	}
	*m = d
	return nil
}

package wire

import (
	"errors"

	"github.com/yggmesh/ygg/src/crypto"
)

// Message type numbers: the first uv() of every frame payload and of every
// opened protocol-traffic payload.
const (
	TypeTraffic             = 0
	TypeProtocolTraffic     = 1
	TypeLinkProtocolTraffic = 2
	TypeSwitchMsg           = 3
	TypeSessionPing         = 4
	TypeSessionPong         = 5
	TypeDHTLookupRequest    = 6
	TypeDHTLookupResponse   = 7
	TypeNodeInfoRequest     = 8
	TypeNodeInfoResponse    = 9
)

// SwitchHop is one link of the signed path from the root to the receiver.
type SwitchHop struct {
	Port uint64           // the sender's port toward Next
	Next crypto.SigPubKey // the node this hop leads to
	Sig  crypto.Sig       // made by the previous key in the chain
}

// SwitchMsg is a spanning-tree announcement (type 3): the root, its
// timestamp and the signed hops down to the receiver.
type SwitchMsg struct {
	Root   crypto.SigPubKey
	TStamp int64
	Hops   []SwitchHop
}

// Errors returned by switch message decoding and verification.
var (
	ErrShortMessage = errors.New("message truncated")
	ErrWrongType    = errors.New("wrong message type")
	ErrBadSignature = errors.New("bad signature in switch message")
	ErrNoHops       = errors.New("switch message has no hops")
)

// Encode appends the message bytes (including the type) to dst.
func (m *SwitchMsg) Encode(dst []byte) []byte {
	dst = AppendUvarint(dst, TypeSwitchMsg)
	dst = append(dst, m.Root[:]...)
	dst = AppendVarint(dst, m.TStamp)
	for i := range m.Hops {
		hop := &m.Hops[i]
		dst = AppendUvarint(dst, hop.Port)
		dst = append(dst, hop.Next[:]...)
		dst = append(dst, hop.Sig[:]...)
	}
	return dst
}

// Decode parses a whole type-3 message; hops run to the end of b and a
// truncated hop fails the whole message.
func (m *SwitchMsg) Decode(b []byte) error {
	t, n := Uvarint(b)
	if n == 0 {
		return ErrShortMessage
	}
	if t != TypeSwitchMsg {
		return ErrWrongType
	}
	b = b[n:]
	if len(b) < len(m.Root) {
		return ErrShortMessage
	}
	copy(m.Root[:], b)
	b = b[len(m.Root):]
	ts, n := Varint(b)
	if n == 0 {
		return ErrShortMessage
	}
	m.TStamp = ts
	b = b[n:]
	m.Hops = m.Hops[:0]
	for len(b) > 0 {
		var hop SwitchHop
		port, n := Uvarint(b)
		if n == 0 || len(b)-n < len(hop.Next)+len(hop.Sig) {
			return ErrShortMessage
		}
		hop.Port = port
		b = b[n:]
		copy(hop.Next[:], b)
		b = b[len(hop.Next):]
		copy(hop.Sig[:], b)
		b = b[len(hop.Sig):]
		m.Hops = append(m.Hops, hop)
	}
	return nil
}

// Signer returns the key that signs hop i: the root for hop 0, else the
// previous hop's Next.
func (m *SwitchMsg) Signer(i int) *crypto.SigPubKey {
	if i == 0 {
		return &m.Root
	}
	return &m.Hops[i-1].Next
}

// AppendSigBytes appends what hop i signs: Next || Root || uv(zz(TStamp)) ||
// uv(len C) || C, where C is the uv() of the ports of the hops before i.
// A hop's own port is covered only by the next hop's signature.
func (m *SwitchMsg) AppendSigBytes(dst []byte, i int) []byte {
	dst = append(dst, m.Hops[i].Next[:]...)
	dst = append(dst, m.Root[:]...)
	dst = AppendVarint(dst, m.TStamp)
	clen := 0
	for j := 0; j < i; j++ {
		clen += UvarintLen(m.Hops[j].Port)
	}
	dst = AppendUvarint(dst, uint64(clen))
	for j := 0; j < i; j++ {
		dst = AppendUvarint(dst, m.Hops[j].Port)
	}
	return dst
}

// Verify checks that the message has hops and that every signature in the
// chain is valid. Either failure disconnects the sending peer.
func (m *SwitchMsg) Verify() error {
	if len(m.Hops) == 0 {
		return ErrNoHops
	}
	var buf []byte
	for i := range m.Hops {
		buf = m.AppendSigBytes(buf[:0], i)
		// Cached: the hops above the sender repeat in every message relayed
		// below them, and each was checked when first seen.
		if !crypto.VerifyCached(m.Signer(i), buf, &m.Hops[i].Sig) {
			return ErrBadSignature
		}
	}
	return nil
}

// AddHop appends a hop toward next through our port, signed with our key.
// The message must currently end at us (or be our root base message).
func (m *SwitchMsg) AddHop(port uint64, next *crypto.SigPubKey, priv *crypto.SigPrivKey) {
	m.Hops = append(m.Hops, SwitchHop{Port: port, Next: *next})
	i := len(m.Hops) - 1
	m.Hops[i].Sig = crypto.Sign(priv, m.AppendSigBytes(nil, i))
}

// Coords returns the ports of all hops: the receiver's coords.
func (m *SwitchMsg) Coords() Coords {
	c := make(Coords, len(m.Hops))
	for i := range m.Hops {
		c[i] = m.Hops[i].Port
	}
	return c
}

// Sender returns the key of the node that sent the message: the signer of
// the last hop (the root for a one-hop message, and for a root's own base
// message with no hops).
func (m *SwitchMsg) Sender() *crypto.SigPubKey {
	if len(m.Hops) == 0 {
		return &m.Root
	}
	return m.Signer(len(m.Hops) - 1)
}

// Clone returns a deep copy.
func (m *SwitchMsg) Clone() *SwitchMsg {
	c := *m
	c.Hops = append([]SwitchHop(nil), m.Hops...)
	return &c
}

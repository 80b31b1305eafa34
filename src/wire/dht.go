package wire

import "github.com/yggmesh/ygg/src/crypto"

// DHTReq is a DHT lookup request (inner type 6):
//
//	06 || uv(len) coords || Dest(64)
//
// The requester's key is the envelope's FromKey; Coords is where to reply.
// A "DHT ping" is a request whose Dest is the sender's own NodeID.
type DHTReq struct {
	Coords Coords        // the requester's own coords
	Dest   crypto.NodeID // NodeID sought; unknown bits of a partial ID are zero
}

// Encode appends the message to dst.
func (m *DHTReq) Encode(dst []byte) []byte {
	dst = AppendUvarint(dst, TypeDHTLookupRequest)
	dst = AppendCoords(dst, m.Coords)
	return append(dst, m.Dest[:]...)
}

// Decode parses a type-6 message; bytes after Dest are ignored, as the
// reference ignores them.
func (m *DHTReq) Decode(b []byte) error {
	c, b, err := decodeHeader(b, TypeDHTLookupRequest)
	if err != nil {
		return err
	}
	if len(b) < len(m.Dest) {
		return ErrShortMessage
	}
	m.Coords = c
	copy(m.Dest[:], b)
	return nil
}

// DHTEntry is a node listed in a DHT lookup response.
type DHTEntry struct {
	Key    crypto.BoxPubKey
	Coords Coords
}

// DHTRes is a DHT lookup response (inner type 7):
//
//	07 || uv(len) coords || Dest(64) || { Key(32) || uv(len) coords }*
//
// The responder's key is the envelope's FromKey and it never lists itself.
type DHTRes struct {
	Coords  Coords        // the responder's own coords
	Dest    crypto.NodeID // copied from the request
	Entries []DHTEntry    // may be empty
}

// Encode appends the message to dst.
func (m *DHTRes) Encode(dst []byte) []byte {
	dst = AppendUvarint(dst, TypeDHTLookupResponse)
	dst = AppendCoords(dst, m.Coords)
	dst = append(dst, m.Dest[:]...)
	for i := range m.Entries {
		e := &m.Entries[i]
		dst = append(dst, e.Key[:]...)
		dst = AppendCoords(dst, e.Coords)
	}
	return dst
}

// Decode parses a type-7 message. Entries run to the end of b, and one
// truncated entry invalidates the whole message. All decoded coords share
// one fresh allocation, so they may be kept after b is reused.
func (m *DHTRes) Decode(b []byte) error {
	c, b, err := decodeHeader(b, TypeDHTLookupResponse)
	if err != nil {
		return err
	}
	if len(b) < len(m.Dest) {
		return ErrShortMessage
	}
	var dest crypto.NodeID
	b = b[copy(dest[:], b):]

	// First pass: check every entry and size the allocations.
	count, rawTotal := 0, 0
	for rest := b; len(rest) > 0; count++ {
		if len(rest) < crypto.BoxPubKeyLen {
			return ErrShortMessage
		}
		raw, n := CoordsField(rest[crypto.BoxPubKeyLen:])
		if n == 0 {
			return ErrShortMessage
		}
		rawTotal += len(raw)
		rest = rest[crypto.BoxPubKeyLen+n:]
	}
	entries := make([]DHTEntry, count)
	ports := make(Coords, 0, rawTotal)
	for i := range entries {
		e := &entries[i]
		b, _ = chopKey(&e.Key, b)
		raw, n := CoordsField(b)
		b = b[n:]
		start := len(ports)
		var ok bool
		if ports, ok = appendPorts(ports, raw); !ok {
			return ErrBadCoords
		}
		e.Coords = ports[start:len(ports):len(ports)]
	}
	m.Coords, m.Dest, m.Entries = c, dest, entries
	return nil
}

package wire

// NodeInfoReq asks a node for its nodeinfo (inner type 8):
//
//	08 || uv(len) coords
//
// Every request is answered, to the envelope's FromKey at Coords.
type NodeInfoReq struct {
	Coords Coords // the requester's coords: where to send the answer
}

// Encode appends the message to dst.
func (m *NodeInfoReq) Encode(dst []byte) []byte {
	dst = AppendUvarint(dst, TypeNodeInfoRequest)
	return AppendCoords(dst, m.Coords)
}

// Decode parses a type-8 message; trailing bytes are ignored.
func (m *NodeInfoReq) Decode(b []byte) error {
	c, _, err := decodeHeader(b, TypeNodeInfoRequest)
	if err != nil {
		return err
	}
	m.Coords = c
	return nil
}

// NodeInfoRes carries a node's nodeinfo (inner type 9):
//
//	09 || uv(len) coords || NodeInfo (the rest, at least one byte)
//
// Responses are matched to requests only by the envelope's FromKey.
type NodeInfoRes struct {
	Coords   Coords // the responder's coords
	NodeInfo []byte // raw JSON object; aliases the decoded input
}

// Encode appends the message to dst. An empty NodeInfo would not decode at
// the receiver, so senders must send at least "{}".
func (m *NodeInfoRes) Encode(dst []byte) []byte {
	dst = AppendUvarint(dst, TypeNodeInfoResponse)
	dst = AppendCoords(dst, m.Coords)
	return append(dst, m.NodeInfo...)
}

// Decode parses a type-9 message; an empty NodeInfo is an error, as the
// reference drops such a response.
func (m *NodeInfoRes) Decode(b []byte) error {
	c, b, err := decodeHeader(b, TypeNodeInfoResponse)
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return ErrEmptyNodeInfo
	}
	m.Coords, m.NodeInfo = c, b
	return nil
}

package wire

import (
	"errors"

	"github.com/yggmesh/ygg/src/crypto"
)

// MetadataLen is the size of the unframed handshake each side sends first.
const MetadataLen = 102

// Protocol version carried in the metadata; peers must match exactly.
const (
	VersionMajor = 0
	VersionMinor = 2
)

var metaMagic = [4]byte{'m', 'e', 't', 'a'}

// Metadata is the link handshake: magic, version and the sender's
// permanent box and signing keys plus a fresh link key for this connection.
type Metadata struct {
	Major, Minor uint64
	Box          crypto.BoxPubKey
	Sig          crypto.SigPubKey
	Link         crypto.BoxPubKey
}

// Errors from metadata decoding.
var (
	ErrBadMetaMagic   = errors.New("bad metadata magic")
	ErrBadMetaVersion = errors.New("unsupported protocol version")
)

// NewMetadata fills in the current version.
func NewMetadata(box *crypto.BoxPubKey, sig *crypto.SigPubKey, link *crypto.BoxPubKey) Metadata {
	return Metadata{Major: VersionMajor, Minor: VersionMinor, Box: *box, Sig: *sig, Link: *link}
}

// Encode appends the 102-byte metadata (for the current version, whose
// version numbers each take one byte).
func (m *Metadata) Encode(dst []byte) []byte {
	dst = append(dst, metaMagic[:]...)
	dst = AppendUvarint(dst, m.Major)
	dst = AppendUvarint(dst, m.Minor)
	dst = append(dst, m.Box[:]...)
	dst = append(dst, m.Sig[:]...)
	return append(dst, m.Link[:]...)
}

// Decode parses metadata and requires the magic and exactly version 0.2.
func (m *Metadata) Decode(b []byte) error {
	if len(b) < len(metaMagic) || [4]byte(b[:4]) != metaMagic {
		return ErrBadMetaMagic
	}
	b = b[4:]
	var n int
	if m.Major, n = Uvarint(b); n == 0 {
		return ErrShortMessage
	}
	b = b[n:]
	if m.Minor, n = Uvarint(b); n == 0 {
		return ErrShortMessage
	}
	b = b[n:]
	if len(b) < len(m.Box)+len(m.Sig)+len(m.Link) {
		return ErrShortMessage
	}
	b = b[copy(m.Box[:], b):]
	b = b[copy(m.Sig[:], b):]
	copy(m.Link[:], b)
	if m.Major != VersionMajor || m.Minor != VersionMinor {
		return ErrBadMetaVersion
	}
	return nil
}

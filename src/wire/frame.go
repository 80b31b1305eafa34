package wire

import (
	"bufio"
	"errors"
	"io"
)

// MaxFrameLen is the largest message a frame may carry (65535 + 2048).
// Longer frames kill the link at a v0.3.16 receiver, so writers enforce it.
const MaxFrameLen = 65535 + 2048

// frameMagic starts every frame.
var frameMagic = [4]byte{0xde, 0xad, 0xb1, 0x75}

// maxFrameLenBytes bounds the length field: MaxFrameLen needs 3 bytes.
const maxFrameLenBytes = 3

// Errors that end a link while reading frames.
var (
	ErrBadFrameMagic = errors.New("bad message")
	ErrOversized     = errors.New("oversized message")
)

// FrameOverhead is the most bytes AppendFrame adds around a message.
const FrameOverhead = len(frameMagic) + maxFrameLenBytes

// AppendFrame appends magic || uv(len) || msg. An empty msg is a keepalive.
func AppendFrame(dst, msg []byte) []byte {
	return append(AppendFrameHeader(dst, len(msg)), msg...)
}

// AppendFrameHeader appends the magic and length that precede a message of
// n bytes, for writers that send the message from its own buffer.
func AppendFrameHeader(dst []byte, n int) []byte {
	dst = append(dst, frameMagic[:]...)
	return AppendUvarint(dst, uint64(n))
}

// FrameHeaderLen is the size of the header AppendFrameHeader writes for n.
func FrameHeaderLen(n int) int { return len(frameMagic) + UvarintLen(uint64(n)) }

// Keepalive is the empty frame sent to show the link is alive.
var Keepalive = AppendFrame(nil, nil)

// FrameReader splits a byte stream into frame messages.
type FrameReader struct {
	r *bufio.Reader
}

// NewFrameReader reads frames from r. The metadata must have been read
// through the same bufio.Reader, since a peer may send its first frame right
// behind its metadata.
func NewFrameReader(r *bufio.Reader) *FrameReader { return &FrameReader{r: r} }

// Next reads one frame and returns its message, appended to buf[:0] so the
// caller can reuse buffers. An empty message is a keepalive.
func (f *FrameReader) Next(buf []byte) ([]byte, error) {
	return f.NextInto(func(n int) []byte {
		if cap(buf) < n {
			return make([]byte, n)
		}
		return buf[:n]
	})
}

// NextInto reads one frame into a buffer of the message's length that
// alloc provides (a pool, typically), and returns it.
func (f *FrameReader) NextInto(alloc func(n int) []byte) ([]byte, error) {
	var magic [4]byte
	if _, err := io.ReadFull(f.r, magic[:]); err != nil {
		return nil, err
	}
	if magic != frameMagic {
		return nil, ErrBadFrameMagic
	}
	var length uint64
	for i := 0; ; i++ {
		c, err := f.r.ReadByte()
		if err != nil {
			return nil, unexpectedEOF(err)
		}
		length = length<<7 | uint64(c&0x7f)
		if length > MaxFrameLen || (i+1 == maxFrameLenBytes && c&0x80 != 0) {
			return nil, ErrOversized
		}
		if c&0x80 == 0 {
			break
		}
	}
	buf := alloc(int(length))
	if _, err := io.ReadFull(f.r, buf); err != nil {
		return nil, unexpectedEOF(err)
	}
	return buf, nil
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// SplitFrames splits a complete captured byte stream into frame messages,
// for tests and tools. It stops at the first error; rest is what remains.
func SplitFrames(b []byte) (msgs [][]byte, rest []byte, err error) {
	for len(b) > 0 {
		if len(b) < len(frameMagic) || [4]byte(b[:4]) != frameMagic {
			return msgs, b, ErrBadFrameMagic
		}
		l, n := Uvarint(b[4:])
		if n > maxFrameLenBytes || l > MaxFrameLen {
			return msgs, b, ErrOversized
		}
		if n == 0 {
			return msgs, b, ErrShortMessage
		}
		start := 4 + n
		if uint64(len(b)-start) < l {
			return msgs, b, ErrShortMessage
		}
		end := start + int(l)
		msgs = append(msgs, b[start:end:end])
		b = b[end:]
	}
	return msgs, nil, nil
}

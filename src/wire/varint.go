// Package wire holds every byte layout of the Yggdrasil v0.3 protocol:
// big-endian base-128 integers, coords, the link metadata and stream
// framing, switch messages, the traffic and protocol envelopes and the
// messages inside them. Decoders never panic and never trust a length.
package wire

// MaxUvarintLen is the longest encoding of a uint64.
const MaxUvarintLen = 10

// AppendUvarint appends v as a big-endian base-128 integer: most significant
// 7-bit group first, every byte but the last with 0x80 set. This is not
// protobuf/LEB128 order.
func AppendUvarint(dst []byte, v uint64) []byte {
	var tmp [MaxUvarintLen]byte
	i := len(tmp) - 1
	tmp[i] = byte(v & 0x7f)
	for v >>= 7; v != 0; v >>= 7 {
		i--
		tmp[i] = 0x80 | byte(v&0x7f)
	}
	return append(dst, tmp[i:]...)
}

// UvarintLen is the number of bytes AppendUvarint writes for v.
func UvarintLen(v uint64) int {
	n := 1
	for v >>= 7; v != 0; v >>= 7 {
		n++
	}
	return n
}

// Uvarint decodes a big-endian base-128 integer from the start of b. It
// returns the value and the bytes used, or n == 0 when b is empty, ends
// before a byte with 0x80 clear, or needs more than MaxUvarintLen bytes.
// Non-minimal forms (leading 0x80 bytes) are accepted, as the reference
// accepts them. The reference returns a partial value for an unterminated
// encoding; reference senders never emit one, so we reject it.
func Uvarint(b []byte) (v uint64, n int) {
	for i, c := range b {
		if i == MaxUvarintLen {
			return 0, 0
		}
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

// Zigzag maps a signed integer onto an unsigned one so small magnitudes stay short.
func Zigzag(i int64) uint64 { return uint64(i<<1) ^ uint64(i>>63) }

// Unzigzag inverts Zigzag.
func Unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// AppendVarint appends a signed integer as uv(zz(i)).
func AppendVarint(dst []byte, i int64) []byte { return AppendUvarint(dst, Zigzag(i)) }

// Varint decodes uv(zz(i)); n == 0 on failure.
func Varint(b []byte) (int64, int) {
	u, n := Uvarint(b)
	return Unzigzag(u), n
}

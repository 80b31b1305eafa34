package tuntap

// The two ICMPv6 errors the adapter writes back to the TUN (spec 03 §3.8).
// Both go from the offending packet's destination to its source, with hop
// limit 255, so the host's stack takes them as coming from the far end.

import "encoding/binary"

const (
	protoICMPv6      = 58
	icmpQuoteMax     = 900 // bytes of the offending packet quoted
	icmpDestUnreach  = 1
	icmpPacketTooBig = 2
	icmpHeaderLen    = 8
)

// destUnreachable answers an IPv6 packet whose destination has no route
// (type 1, code 0).
func destUnreachable(orig []byte) []byte { return icmpv6Error(orig, icmpDestUnreach, 0) }

// packetTooBig answers an IPv6 packet larger than the session MTU.
func packetTooBig(orig []byte, mtu uint64) []byte {
	return icmpv6Error(orig, icmpPacketTooBig, uint32(min(mtu, 0xffffffff)))
}

// icmpv6Error builds the whole IPv6 packet. orig must be IPv6 with at least
// its 40-byte header.
func icmpv6Error(orig []byte, typ byte, info uint32) []byte {
	quote := orig[:min(len(orig), icmpQuoteMax)]
	msgLen := icmpHeaderLen + len(quote)
	p := make([]byte, ipv6HeaderLen+msgLen)
	p[0] = 0x60
	binary.BigEndian.PutUint16(p[4:6], uint16(msgLen))
	p[6] = protoICMPv6
	p[7] = 255
	copy(p[8:24], orig[24:40])
	copy(p[24:40], orig[8:24])
	m := p[ipv6HeaderLen:]
	m[0] = typ
	binary.BigEndian.PutUint32(m[4:8], info)
	copy(m[icmpHeaderLen:], quote)
	binary.BigEndian.PutUint16(m[2:4], icmpv6Checksum(p[8:24], p[24:40], m))
	return p
}

// icmpv6Checksum is the Internet checksum of msg (its checksum field zero)
// under the IPv6 pseudo-header (RFC 8200 §8.1).
func icmpv6Checksum(src, dst, msg []byte) uint16 {
	sum := sum16(0, src)
	sum = sum16(sum, dst)
	sum += uint64(len(msg)>>16) + uint64(len(msg)&0xffff) + protoICMPv6
	sum = sum16(sum, msg)
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// sum16 adds b as big-endian 16-bit words, an odd last byte padded with zero.
func sum16(sum uint64, b []byte) uint64 {
	for len(b) >= 2 {
		sum += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint64(b[0]) << 8
	}
	return sum
}

package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// What a session traffic packet in the capture carries, once opened.
type ipKind int

const (
	ipEchoRequest ipKind = iota
	ipEchoReply
	ipUDPHello
	ipPortUnreachable
)

func (k ipKind) String() string {
	return [...]string{"echo request", "echo reply", "UDP hello-overlay", "port unreachable"}[k]
}

const (
	protoUDP    = 17
	protoICMPv6 = 58
	udpPort     = 5555
	echoData    = 56 // ping's default payload in the capture's events
)

var udpHello = []byte("hello-overlay")

// ipPacket is the part of a decoded IPv6 packet the capture test compares.
type ipPacket struct {
	kind ipKind
	echo []byte // ICMPv6 echo identifier, sequence and data, to pair replies
}

// parseIPv6 checks an IPv6 packet from src to dst (16-byte addresses):
// version, payload length, addresses and the upper-layer checksum, and
// classifies it.
func parseIPv6(pkt []byte, src, dst *[16]byte) (ipPacket, error) {
	if len(pkt) < 40 {
		return ipPacket{}, fmt.Errorf("IPv6 packet of %d bytes", len(pkt))
	}
	if pkt[0]>>4 != 6 {
		return ipPacket{}, fmt.Errorf("IP version %d", pkt[0]>>4)
	}
	body := pkt[40:]
	if pl := binary.BigEndian.Uint16(pkt[4:6]); int(pl) != len(body) {
		return ipPacket{}, fmt.Errorf("payload length %d, have %d bytes", pl, len(body))
	}
	if !bytes.Equal(pkt[8:24], src[:]) || !bytes.Equal(pkt[24:40], dst[:]) {
		return ipPacket{}, fmt.Errorf("addresses %x -> %x, want %x -> %x", pkt[8:24], pkt[24:40], src[:], dst[:])
	}
	next := pkt[6]
	if next != protoICMPv6 && next != protoUDP {
		return ipPacket{}, fmt.Errorf("next header %d", next)
	}
	if sum := upperChecksum(src, dst, next, body); sum != 0xffff {
		return ipPacket{}, fmt.Errorf("protocol %d checksum does not verify (sum %04x)", next, sum)
	}
	if next == protoUDP {
		return parseUDP(body)
	}
	return parseICMPv6(body, src, dst)
}

func parseUDP(b []byte) (ipPacket, error) {
	if len(b) < 8 || int(binary.BigEndian.Uint16(b[4:6])) != len(b) {
		return ipPacket{}, errors.New("UDP length does not match")
	}
	if port := binary.BigEndian.Uint16(b[2:4]); port != udpPort {
		return ipPacket{}, fmt.Errorf("UDP to port %d", port)
	}
	if !bytes.Equal(b[8:], udpHello) {
		return ipPacket{}, fmt.Errorf("UDP payload %q", b[8:])
	}
	return ipPacket{kind: ipUDPHello}, nil
}

func parseICMPv6(b []byte, src, dst *[16]byte) (ipPacket, error) {
	if len(b) < 8 {
		return ipPacket{}, errors.New("short ICMPv6 header")
	}
	switch typ, code := b[0], b[1]; {
	case (typ == 128 || typ == 129) && code == 0:
		if len(b) != 8+echoData {
			return ipPacket{}, fmt.Errorf("echo with %d data bytes", len(b)-8)
		}
		k := ipEchoRequest
		if typ == 129 {
			k = ipEchoReply
		}
		return ipPacket{kind: k, echo: b[4:]}, nil
	case typ == 1 && code == 4:
		// The quoted packet must be the UDP datagram that went the other way.
		quoted := b[8:]
		if len(quoted) < 48 || quoted[6] != protoUDP ||
			!bytes.Equal(quoted[8:24], dst[:]) || !bytes.Equal(quoted[24:40], src[:]) ||
			binary.BigEndian.Uint16(quoted[42:44]) != udpPort {
			return ipPacket{}, errors.New("port unreachable does not quote the UDP datagram")
		}
		return ipPacket{kind: ipPortUnreachable}, nil
	default:
		return ipPacket{}, fmt.Errorf("ICMPv6 type %d code %d", typ, code)
	}
}

// upperChecksum is the one's complement sum over the IPv6 pseudo-header and
// the upper-layer packet, checksum field included: 0xffff when it verifies.
func upperChecksum(src, dst *[16]byte, next byte, body []byte) uint16 {
	var pseudo [40]byte
	copy(pseudo[0:], src[:])
	copy(pseudo[16:], dst[:])
	binary.BigEndian.PutUint32(pseudo[32:], uint32(len(body)))
	pseudo[39] = next
	var sum uint32
	add := func(b []byte) {
		for len(b) >= 2 {
			sum += uint32(binary.BigEndian.Uint16(b))
			b = b[2:]
		}
		if len(b) == 1 {
			sum += uint32(b[0]) << 8
		}
	}
	add(pseudo[:])
	add(body)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

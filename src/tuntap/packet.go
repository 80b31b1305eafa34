package tuntap

// Packet inspection for the adapter: the validity test of packets read from
// the TUN (spec 03 §3.4 steps 1-3), the address checks applied when a
// packet leaves through a connection (§3.6) or arrives from one (§3.7), and
// the flow key (§3.5). All of it reads fixed header offsets and never trusts
// a length field it has not compared with the real length.

import (
	"encoding/binary"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/ckr"
	"github.com/yggmesh/ygg/src/crypto"
)

const (
	ipv6HeaderLen = 40
	ipv4HeaderLen = 20
)

// outboundDest applies the length and version checks of §3.4 to a packet
// read from the TUN and returns its destination address: 16 bytes for
// IPv6, 4 for IPv4. ok is false for packets the adapter drops.
func outboundDest(pkt []byte) (dst []byte, ok bool) {
	if len(pkt) < 7 {
		return nil, false
	}
	switch pkt[0] >> 4 {
	case 6:
		// Jumbograms (payload length 0) and truncated reads fail here.
		if len(pkt) < ipv6HeaderLen || len(pkt)-ipv6HeaderLen != int(binary.BigEndian.Uint16(pkt[4:6])) {
			return nil, false
		}
		return pkt[24:40], true
	case 4:
		if len(pkt) < ipv4HeaderLen || len(pkt) != int(binary.BigEndian.Uint16(pkt[2:4])) {
			return nil, false
		}
		return pkt[16:20], true
	}
	return nil, false
}

// isYggdrasil reports whether dst is a node address (0x02) or node subnet
// (0x03) in 200::/7, reachable without CKR.
func isYggdrasil(dst []byte) bool {
	return len(dst) == 16 && (dst[0] == address.AddrPrefix || dst[0] == address.SubnetPrefix)
}

// endpoint is one node's address and subnet, as the checks compare them.
type endpoint struct {
	addr   address.Address
	subnet address.Subnet
}

func endpointFor(k *crypto.BoxPubKey) endpoint {
	id := k.NodeID()
	return endpoint{addr: address.ForNodeID(&id), subnet: address.SubnetForNodeID(&id)}
}

// owns reports whether the 16-byte ip is the node's address, or lies in its
// subnet.
func (e *endpoint) owns(ip []byte) bool {
	switch ip[0] {
	case address.AddrPrefix:
		return address.Address(ip) == e.addr
	case address.SubnetPrefix:
		return address.Subnet(ip[:8]) == e.subnet
	}
	return false
}

// isNative reports whether pkt is an IPv6 packet (longer than its header)
// from the node src to the node dst, which needs no CKR.
func isNative(pkt []byte, src, dst *endpoint) bool {
	return len(pkt) > ipv6HeaderLen && pkt[0]>>4 == 6 && src.owns(pkt[8:24]) && dst.owns(pkt[24:40])
}

// ckrAddrs returns the source and destination of a packet CKR may carry:
// IPv4 longer than 20 bytes or IPv6 longer than 40.
func ckrAddrs(pkt []byte) (src, dst []byte, ok bool) {
	if len(pkt) == 0 {
		return nil, nil, false
	}
	switch pkt[0] >> 4 {
	case 4:
		if len(pkt) > ipv4HeaderLen {
			return pkt[12:16], pkt[16:20], true
		}
	case 6:
		if len(pkt) > ipv6HeaderLen {
			return pkt[8:24], pkt[24:40], true
		}
	}
	return nil, nil, false
}

// sendAllowed is the check of §3.6 for pkt leaving this node (self) through
// a session with remote, whose key is remoteKey.
func sendAllowed(pkt []byte, self, remote *endpoint, remoteKey *crypto.BoxPubKey, routes *ckr.State) bool {
	if isNative(pkt, self, remote) {
		return true
	}
	if !routes.Enabled() {
		return false
	}
	src, dst, ok := ckrAddrs(pkt)
	if !ok || !routes.IsLocal(src) {
		return false
	}
	r, ok := routes.Route(dst)
	return ok && r.Key == *remoteKey
}

// recvAllowed is the check of §3.7, the mirror image of sendAllowed, for
// pkt that arrived from remote.
func recvAllowed(pkt []byte, self, remote *endpoint, remoteKey *crypto.BoxPubKey, routes *ckr.State) bool {
	if isNative(pkt, remote, self) {
		return true
	}
	if !routes.Enabled() {
		return false
	}
	src, dst, ok := ckrAddrs(pkt)
	if !ok || !routes.IsLocal(dst) {
		return false
	}
	r, ok := routes.Route(src)
	return ok && r.Key == *remoteKey
}

// flowKey separates the switch queue streams of different flows (§3.5). It
// is local to this node, so for IPv6 it reads the protocol from the Next
// Header byte (6) rather than copying the reference, which tests byte 9, a
// source-address byte; extension headers are not walked, as in the
// reference.
func flowKey(pkt []byte) uint64 {
	if len(pkt) == 0 {
		return 0
	}
	switch pkt[0] >> 4 {
	case 4:
		ihl := int(pkt[0]&0x0f) * 4
		if ihl < ipv4HeaderLen || len(pkt) < ihl+8 || !hasPorts(pkt[9]) {
			return 0
		}
		return uint64(pkt[9])<<32 | uint64(binary.BigEndian.Uint32(pkt[ihl:ihl+4]))
	case 6:
		if len(pkt) < 4 {
			return 0
		}
		if label := uint64(binary.BigEndian.Uint32(pkt[0:4]) & 0xfffff); label != 0 {
			return label
		}
		if len(pkt) < ipv6HeaderLen+8 || !hasPorts(pkt[6]) {
			return 0
		}
		return uint64(pkt[6])<<32 | uint64(binary.BigEndian.Uint32(pkt[40:44]))
	}
	return 0
}

// hasPorts reports whether an IP protocol starts with 16-bit source and
// destination ports: TCP, UDP, SCTP.
func hasPorts(proto byte) bool { return proto == 6 || proto == 17 || proto == 132 }

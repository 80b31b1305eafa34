// Package address maps NodeIDs to Yggdrasil IPv6 addresses (200::/8) and
// routed /64 subnets (300::/8), and back to the partial NodeID and mask an
// address or subnet reveals (spec 01 §2).
package address

import (
	"fmt"
	"net"

	"github.com/yggmesh/ygg/src/crypto"
)

// Prefix bytes of node addresses and subnets; 0x02 and 0x03 together make 200::/7.
const (
	AddrPrefix   = 0x02
	SubnetPrefix = 0x03
)

// Address is a node's 16-byte IPv6 address.
type Address [16]byte

// Subnet is the first 8 bytes of a node's routed /64 prefix.
type Subnet [8]byte

// leadingOnes counts the 1 bits at the start of id.
func leadingOnes(id *crypto.NodeID) int {
	ones := 0
	for _, b := range id {
		for bit := 7; bit >= 0; bit-- {
			if b&(1<<bit) == 0 {
				return ones
			}
			ones++
		}
	}
	return ones
}

// packAfterOnes writes prefix, ones, then the NodeID bits that follow the
// leading ones and the first zero bit, MSB first, until dst is full.
func packAfterOnes(dst []byte, prefix byte, id *crypto.NodeID) {
	ones := leadingOnes(id)
	dst[0] = prefix
	dst[1] = byte(ones)
	start := ones + 1
	for i := 0; i < (len(dst)-2)*8; i++ {
		src := start + i
		if src >= len(id)*8 {
			break
		}
		if id[src/8]&(0x80>>(src%8)) != 0 {
			dst[2+i/8] |= 0x80 >> (i % 8)
		}
	}
}

// ForNodeID derives the node address.
func ForNodeID(id *crypto.NodeID) Address {
	var a Address
	packAfterOnes(a[:], AddrPrefix, id)
	return a
}

// SubnetForNodeID derives the node's /64 subnet.
func SubnetForNodeID(id *crypto.NodeID) Subnet {
	var s Subnet
	packAfterOnes(s[:], SubnetPrefix, id)
	return s
}

// ForKey derives the address of a box public key.
func ForKey(k *crypto.BoxPubKey) Address {
	id := k.NodeID()
	return ForNodeID(&id)
}

// SubnetForKey derives the subnet of a box public key.
func SubnetForKey(k *crypto.BoxPubKey) Subnet {
	id := k.NodeID()
	return SubnetForNodeID(&id)
}

// IsValid reports whether a lies in 200::/8.
func (a *Address) IsValid() bool { return a[0] == AddrPrefix }

// IsValid reports whether s lies in 300::/8.
func (s *Subnet) IsValid() bool { return s[0] == SubnetPrefix }

// unpack rebuilds the partial NodeID and mask from an address or subnet.
func unpack(b []byte) (id, mask crypto.NodeID) {
	ones := int(b[1])
	known := ones + 1 + (len(b)-2)*8
	if known > len(id)*8 {
		known = len(id) * 8
	}
	for i := 0; i < ones && i < len(id)*8; i++ {
		id[i/8] |= 0x80 >> (i % 8)
	}
	for i := ones + 1; i < known; i++ {
		src := i - ones - 1
		if b[2+src/8]&(0x80>>(src%8)) != 0 {
			id[i/8] |= 0x80 >> (i % 8)
		}
	}
	for i := 0; i < known; i++ {
		mask[i/8] |= 0x80 >> (i % 8)
	}
	return id, mask
}

// NodeIDAndMask returns the NodeID bits the address reveals and the mask of
// which bits those are (ones + 1 + 112 bits).
func (a *Address) NodeIDAndMask() (id, mask crypto.NodeID) { return unpack(a[:]) }

// NodeIDAndMask returns the NodeID bits the subnet reveals and their mask
// (ones + 1 + 48 bits).
func (s *Subnet) NodeIDAndMask() (id, mask crypto.NodeID) { return unpack(s[:]) }

// KnownBits is the number of leading NodeID bits the address reveals.
func (a *Address) KnownBits() int { return min(int(a[1])+1+112, 512) }

// KnownBits is the number of leading NodeID bits the subnet reveals.
func (s *Subnet) KnownBits() int { return min(int(s[1])+1+48, 512) }

// String gives the RFC 5952 text form, as Go's net.IP prints it.
func (a Address) String() string { return net.IP(a[:]).String() }

// String gives the CIDR form, e.g. 302:3187:d709:7a32::/64.
func (s Subnet) String() string {
	var ip [16]byte
	copy(ip[:], s[:])
	return fmt.Sprintf("%s/64", net.IP(ip[:]))
}

// Matches reports whether id agrees with target on every bit set in mask.
func Matches(id, target, mask *crypto.NodeID) bool {
	for i := range id {
		if id[i]&mask[i] != target[i]&mask[i] {
			return false
		}
	}
	return true
}

// FromIP copies a 16-byte IP into an Address; ok is false for other lengths.
func FromIP(ip net.IP) (a Address, ok bool) {
	ip16 := ip.To16()
	if ip16 == nil || ip.To4() != nil {
		return a, false
	}
	copy(a[:], ip16)
	return a, true
}

package multicast

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
)

// The discovery channel of v0.3.16 (spec 03 §4): every node sends beacons
// to this group and port on each interface it announces on.
const (
	// Group is the link-local multicast group beacons are sent to.
	Group = "ff02::114"
	// Port is the UDP port beacons are sent to and received on.
	Port = 9001
	// MaxDatagram is the largest datagram read; anything longer is ignored.
	MaxDatagram = 2048
)

var groupAddr = netip.MustParseAddr(Group)

// Beacon is the content of a discovery datagram: the address of the
// sender's link-local TCP listener.
type Beacon struct {
	Addr netip.Addr // IPv6, without zone: the zone is the receiving interface
	Port uint16
}

// Append adds the wire form to dst: exactly "[<compressed IPv6>]:<port>",
// no zone and no terminator, which is what a v0.3.16 node sends and parses.
func (b Beacon) Append(dst []byte) []byte {
	dst = append(dst, '[')
	dst = b.Addr.WithZone("").AppendTo(dst)
	dst = append(dst, ']', ':')
	return fmt.Appendf(dst, "%d", b.Port)
}

// String is the wire form as text.
func (b Beacon) String() string { return string(b.Append(nil)) }

// ParseBeacon reads a beacon payload. It accepts exactly the form Append
// writes, except that the address need not be in its shortest form and the
// port may have leading zeros (the reference parses both). A zone, an IPv4
// address or port 0 is an error: no compatible node sends them, and none of
// them can be dialled.
func ParseBeacon(p []byte) (Beacon, error) {
	rest, ok := bytes.CutPrefix(p, []byte{'['})
	if !ok {
		return Beacon{}, errors.New("beacon does not start with '['")
	}
	host, port, ok := bytes.Cut(rest, []byte("]:"))
	if !ok {
		return Beacon{}, errors.New("beacon has no \"]:\" after the address")
	}
	addr, err := netip.ParseAddr(string(host))
	if err != nil {
		return Beacon{}, fmt.Errorf("beacon address: %w", err)
	}
	switch {
	case !addr.Is6() || addr.Is4In6():
		return Beacon{}, errors.New("beacon address is not IPv6")
	case addr.Zone() != "":
		return Beacon{}, errors.New("beacon address has a zone")
	}
	n, err := parsePort(port)
	if err != nil {
		return Beacon{}, err
	}
	return Beacon{Addr: addr, Port: n}, nil
}

// parsePort reads 1 to 5 decimal digits with a value of 1..65535.
func parsePort(p []byte) (uint16, error) {
	if len(p) == 0 || len(p) > 5 {
		return 0, errors.New("beacon port is not 1 to 5 digits")
	}
	var n uint32
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, errors.New("beacon port is not decimal")
		}
		n = n*10 + uint32(c-'0')
	}
	if n == 0 || n > 65535 {
		return 0, fmt.Errorf("beacon port %d is out of range", n)
	}
	return uint16(n), nil
}

package tuntap

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/ckr"
	"github.com/yggmesh/ygg/src/crypto"
)

// ipv4Packet assembles an IPv4 packet with a 20-byte header (or longer with
// opts) and a correct total length.
func ipv4Packet(proto byte, src, dst string, opts, payload []byte) []byte {
	hl := 20 + len(opts)
	p := make([]byte, hl, hl+len(payload))
	p[0] = 0x40 | byte(hl/4)
	binary.BigEndian.PutUint16(p[2:4], uint16(hl+len(payload)))
	p[8], p[9] = 64, proto
	copy(p[12:16], ip16(src)[12:])
	copy(p[16:20], ip16(dst)[12:])
	copy(p[20:], opts)
	return append(p, payload...)
}

func TestOutboundDest(t *testing.T) {
	v6 := ipv6Packet(0, 58, 64, "200::1", "fd00::9", make([]byte, 8))
	v4 := ipv4Packet(1, "10.0.0.1", "10.0.0.2", nil, make([]byte, 8))
	jumbo := ipv6Packet(0, 0, 64, "200::1", "fd00::9", make([]byte, 8))
	jumbo[4], jumbo[5] = 0, 0
	badLen := bytes.Clone(v6)
	badLen[5]++
	badLen4 := bytes.Clone(v4)
	badLen4[3]--
	v5 := bytes.Clone(v6)
	v5[0] = 0x50
	for _, tc := range []struct {
		name string
		pkt  []byte
		dst  []byte
	}{
		{"ipv6", v6, ip16("fd00::9")},
		{"ipv6 header only", ipv6Packet(0, 59, 64, "200::1", "300::2", nil), ip16("300::2")},
		{"ipv6 truncated", v6[:len(v6)-1], nil},
		{"ipv6 shorter than header", v6[:39], nil},
		{"ipv6 payload length wrong", badLen, nil},
		{"jumbogram", jumbo, nil},
		{"ipv4", v4, []byte{10, 0, 0, 2}},
		{"ipv4 header only", ipv4Packet(1, "10.0.0.1", "10.0.0.3", nil, nil), []byte{10, 0, 0, 3}},
		{"ipv4 total length wrong", badLen4, nil},
		{"ipv4 shorter than header", v4[:19], nil},
		{"version 5", v5, nil},
		{"six bytes", []byte{0x60, 0, 0, 0, 0, 0}, nil},
		{"empty", nil, nil},
	} {
		dst, ok := outboundDest(tc.pkt)
		if ok != (tc.dst != nil) || !bytes.Equal(dst, tc.dst) {
			t.Errorf("%s: got %x %v, want %x", tc.name, dst, ok, tc.dst)
		}
	}
	for _, tc := range []struct {
		addr string
		want bool
	}{{"200::1", true}, {"2ff::1", true}, {"300::1", true}, {"3ff::", true}, {"400::1", false}, {"100::1", false}, {"fd00::1", false}} {
		if got := isYggdrasil(ip16(tc.addr)); got != tc.want {
			t.Errorf("isYggdrasil(%s) = %v", tc.addr, got)
		}
	}
	if isYggdrasil([]byte{2, 0, 0, 1}) {
		t.Error("an IPv4 address counted as Yggdrasil")
	}
}

// Two fixed endpoints: self ("s") and the remote ("r").
var (
	selfEP = endpoint{addr: address.Address(ip16("201:1111::1")), subnet: address.Subnet(ip16("301:1111::")[:8])}
	remEP  = endpoint{addr: address.Address(ip16("202:2222::2")), subnet: address.Subnet(ip16("302:2222::")[:8])}
	remKey = crypto.BoxPubKey{1, 2, 3}
)

func checkRoutes(t *testing.T, enabled bool) *ckr.State {
	t.Helper()
	s := ckr.New(nil)
	s.SetEnabled(enabled)
	for _, err := range []error{
		s.AddLocalSubnet("fd00::/16"),
		s.AddLocalSubnet("10.0.0.0/24"),
		s.AddRemoteSubnet("fd01::/16", remKey.String()),
		s.AddRemoteSubnet("192.168.1.0/24", remKey.String()),
		s.AddRemoteSubnet("fd02::/16", strings.Repeat("99", 32)),
		s.AddRemoteSubnet("172.16.0.0/12", strings.Repeat("99", 32)),
		s.AddRemoteSubnet("::/0", remKey.String()),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

var payload8 = make([]byte, 8)

// Send checks, spec 03 §3.6; each row mirrored gives a receive check.
var checkCases = []struct {
	name       string
	pkt        []byte // as sent by self; the receive test swaps roles
	ckr        bool   // CKR enabled
	allow      bool
	needsRoute bool // allowed only through CKR
}{
	{"address to address", ipv6Packet(0, 58, 64, "201:1111::1", "202:2222::2", payload8), false, true, false},
	{"subnet host to address", ipv6Packet(0, 58, 64, "301:1111::77", "202:2222::2", payload8), false, true, false},
	{"address to subnet host", ipv6Packet(0, 58, 64, "201:1111::1", "302:2222::9:9", payload8), false, true, false},
	{"subnet to subnet", ipv6Packet(0, 6, 64, "301:1111:0:0:1::", "302:2222::ffff", payload8), false, true, false},
	{"header only", ipv6Packet(0, 59, 64, "201:1111::1", "202:2222::2", nil), true, false, false},
	{"wrong source address", ipv6Packet(0, 58, 64, "201:1111::2", "202:2222::2", payload8), true, false, false},
	{"wrong source subnet", ipv6Packet(0, 58, 64, "301:1112::1", "202:2222::2", payload8), true, false, false},
	{"other destination", ipv6Packet(0, 58, 64, "201:1111::1", "202:2222::3", payload8), true, false, false},
	{"other destination subnet", ipv6Packet(0, 58, 64, "201:1111::1", "302:2223::1", payload8), true, false, false},
	{"ckr off", ipv6Packet(0, 58, 64, "fd00::1", "fd01::1", payload8), false, false, false},
	{"ckr ipv6", ipv6Packet(0, 58, 64, "fd00::1", "fd01::1", payload8), true, true, true},
	{"ckr route to another key", ipv6Packet(0, 58, 64, "fd00::1", "fd02::1", payload8), true, false, false},
	{"ckr source not local", ipv6Packet(0, 58, 64, "fd03::1", "fd01::1", payload8), true, false, false},
	// Our own node address is not an implicit CKR source (pitfall 12).
	{"ckr from node address", ipv6Packet(0, 58, 64, "201:1111::1", "fd01::1", payload8), true, false, false},
	{"ckr header only", ipv6Packet(0, 59, 64, "fd00::1", "fd01::1", nil), true, false, false},
	{"ckr ipv4", ipv4Packet(17, "10.0.0.5", "192.168.1.1", nil, payload8), true, true, true},
	{"ckr ipv4 one byte", ipv4Packet(17, "10.0.0.5", "192.168.1.1", nil, []byte{0}), true, true, true},
	{"ckr ipv4 header only", ipv4Packet(17, "10.0.0.5", "192.168.1.1", nil, nil), true, false, false},
	{"ckr ipv4 other key", ipv4Packet(17, "10.0.0.5", "172.16.1.1", nil, payload8), true, false, false},
	{"ckr ipv4 not local", ipv4Packet(17, "10.0.1.5", "192.168.1.1", nil, payload8), true, false, false},
	{"ckr ipv4 off", ipv4Packet(17, "10.0.0.5", "192.168.1.1", nil, payload8), false, false, false},
	{"version 5", append([]byte{0x50}, make([]byte, 60)...), true, false, false},
}

// swap exchanges source and destination addresses, turning a packet self
// sends into the one self would receive from the remote.
func swap(pkt []byte) []byte {
	p := bytes.Clone(pkt)
	switch p[0] >> 4 {
	case 6:
		copy(p[8:24], pkt[24:40])
		copy(p[24:40], pkt[8:24])
	case 4:
		copy(p[12:16], pkt[16:20])
		copy(p[16:20], pkt[12:16])
	}
	return p
}

func TestSendChecks(t *testing.T) {
	for _, tc := range checkCases {
		routes := checkRoutes(t, tc.ckr)
		if got := sendAllowed(tc.pkt, &selfEP, &remEP, &remKey, routes); got != tc.allow {
			t.Errorf("%s: send allowed %v, want %v", tc.name, got, tc.allow)
		}
		if tc.needsRoute {
			other := crypto.BoxPubKey{9}
			if sendAllowed(tc.pkt, &selfEP, &remEP, &other, routes) {
				t.Errorf("%s: sent to a key the route does not name", tc.name)
			}
		}
	}
}

func TestReceiveChecks(t *testing.T) {
	for _, tc := range checkCases {
		if tc.pkt[0]>>4 != 4 && tc.pkt[0]>>4 != 6 {
			continue
		}
		routes := checkRoutes(t, tc.ckr)
		in := swap(tc.pkt)
		if got := recvAllowed(in, &selfEP, &remEP, &remKey, routes); got != tc.allow {
			t.Errorf("%s: receive allowed %v, want %v", tc.name, got, tc.allow)
		}
		// The unswapped packet goes the wrong way: never accepted natively.
		if !tc.needsRoute && tc.allow && recvAllowed(tc.pkt, &selfEP, &remEP, &remKey, routes) {
			t.Errorf("%s: accepted a packet travelling the wrong way", tc.name)
		}
		if tc.needsRoute && recvAllowed(in, &selfEP, &remEP, &crypto.BoxPubKey{9}, routes) {
			t.Errorf("%s: accepted from a key the route does not name", tc.name)
		}
	}
	// ::/0 routes to the remote, but lookups refuse node-address sources, so
	// CKR never accepts traffic from a 0x02 address (§3.7).
	routes := checkRoutes(t, true)
	pkt := ipv6Packet(0, 58, 64, "203:3333::3", "fd00::1", payload8)
	if recvAllowed(pkt, &selfEP, &remEP, &remKey, routes) {
		t.Error("CKR accepted a node-address source")
	}
}

func TestFlowKey(t *testing.T) {
	ports := []byte{0x12, 0x34, 0x00, 0x50, 9, 9, 9, 9}
	v6 := func(flow uint32, nh byte, payload []byte) []byte {
		return ipv6Packet(flow, nh, 64, "200::1", "200::2", payload)
	}
	quirk := v6(0, 58, ports)
	quirk[9] = 6 // the reference's protocol byte; not ours
	for _, tc := range []struct {
		name string
		pkt  []byte
		want uint64
	}{
		{"ipv4 tcp", ipv4Packet(6, "10.0.0.1", "10.0.0.2", nil, ports), 6<<32 | 0x12340050},
		{"ipv4 udp with options", ipv4Packet(17, "10.0.0.1", "10.0.0.2", []byte{1, 1, 1, 0}, ports), 17<<32 | 0x12340050},
		{"ipv4 sctp", ipv4Packet(132, "10.0.0.1", "10.0.0.2", nil, ports), 132<<32 | 0x12340050},
		{"ipv4 icmp", ipv4Packet(1, "10.0.0.1", "10.0.0.2", nil, ports), 0},
		{"ipv4 short transport", ipv4Packet(6, "10.0.0.1", "10.0.0.2", nil, ports[:7]), 0},
		{"ipv4 bad ihl", append([]byte{0x44}, ipv4Packet(6, "10.0.0.1", "10.0.0.2", nil, ports)[1:]...), 0},
		{"ipv6 flow label", v6(0xabcde, 6, ports), 0xabcde},
		{"ipv6 udp", v6(0, 17, ports), 17<<32 | 0x12340050},
		{"ipv6 tcp", v6(0, 6, ports), 6<<32 | 0x12340050},
		{"ipv6 short", v6(0, 6, ports[:7]), 0},
		{"ipv6 icmp", v6(0, 58, ports), 0},
		{"ipv6 byte 9 is not the protocol", quirk, 0},
		{"ipv6 3 bytes", []byte{0x60, 0, 1}, 0},
		{"empty", nil, 0},
	} {
		if got := flowKey(tc.pkt); got != tc.want {
			t.Errorf("%s: flow key %x, want %x", tc.name, got, tc.want)
		}
	}
}

func FuzzPacket(f *testing.F) {
	for _, tc := range checkCases {
		f.Add(tc.pkt)
		f.Add(swap(tc.pkt))
	}
	f.Add([]byte{0x60, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x4f})
	routes := ckr.New(nil)
	routes.SetEnabled(true)
	_ = routes.AddLocalSubnet("::/0")
	_ = routes.AddLocalSubnet("0.0.0.0/0")
	_ = routes.AddRemoteSubnet("fd00::/8", remKey.String())
	_ = routes.AddRemoteSubnet("0.0.0.0/1", remKey.String())
	f.Fuzz(func(t *testing.T, pkt []byte) {
		_ = flowKey(pkt)
		_ = sendAllowed(pkt, &selfEP, &remEP, &remKey, routes)
		_ = recvAllowed(pkt, &selfEP, &remEP, &remKey, routes)
		dst, ok := outboundDest(pkt)
		if !ok {
			return
		}
		_ = isYggdrasil(dst)
		_, _ = routes.Route(dst)
		if pkt[0]>>4 == 6 {
			for _, p := range [][]byte{destUnreachable(pkt), packetTooBig(pkt, 1280)} {
				if len(p) != 48+min(len(pkt), 900) {
					t.Fatalf("ICMPv6 of %d bytes for a %d-byte packet", len(p), len(pkt))
				}
				verifyICMPv6(t, p)
			}
		}
	})
}

package tuntap

import (
	"bytes"
	"testing"

	"github.com/yggmesh/ygg/src/config"
)

// Two adapters joined through fake cores carry packets both ways, from one
// in-memory TUN to the other, through reader, checks, sessions and writer.
func TestBackToBack(t *testing.T) {
	n := &fakeNet{mtu: 65535}
	ca, cb := n.add(newFakeCore()), n.add(newFakeCore())
	ckrA := config.TunnelRouting{Enable: true,
		IPv4LocalSubnets: []string{"10.1.0.0/24"}, IPv4RemoteSubnets: map[string]string{"10.2.0.0/24": cb.key.String()},
		IPv6LocalSubnets: []string{"fd0a::/16"}, IPv6RemoteSubnets: map[string]string{"fd0b::/16": cb.key.String()}}
	ckrB := config.TunnelRouting{Enable: true,
		IPv4LocalSubnets: []string{"10.2.0.0/24"}, IPv4RemoteSubnets: map[string]string{"10.1.0.0/24": ca.key.String()},
		IPv6LocalSubnets: []string{"fd0b::/16"}, IPv6RemoteSubnets: map[string]string{"fd0a::/16": ca.key.String()}}
	a, devA := startTest(t, ca, Options{TunnelRouting: ckrA})
	b, devB := startTest(t, cb, Options{TunnelRouting: ckrB})

	through := func(from, to *MemDevice, pkt []byte) {
		t.Helper()
		if err := from.Inject(pkt); err != nil {
			t.Fatal(err)
		}
		if got := recv(t, to); !bytes.Equal(got, pkt) {
			t.Fatalf("delivered\n%x\nwant\n%x", got, pkt)
		}
	}
	// Native, both ways; B answers on the session A opened.
	through(devA, devB, udp6(ca.addr[:], cb.addr[:], 1))
	through(devB, devA, udp6(cb.addr[:], ca.addr[:], 2))
	through(devA, devB, udp6(inSubnet(ca.subnet, 3), inSubnet(cb.subnet, 4), 3))
	through(devB, devA, udp6(inSubnet(cb.subnet, 4), ca.addr[:], 4))
	if da, db := ca.dialed.Load(), cb.dialed.Load(); da != 1 || db != 0 {
		t.Fatalf("dials: A %d, B %d; want 1 and 0", da, db)
	}
	// CKR, both families, both ways.
	through(devA, devB, ipv4Packet(17, "10.1.0.5", "10.2.0.7", nil, payload8))
	through(devB, devA, ipv4Packet(17, "10.2.0.7", "10.1.0.5", nil, payload8))
	through(devA, devB, udp6(ip16("fd0a::5"), ip16("fd0b::7"), 5))
	through(devB, devA, udp6(ip16("fd0b::7"), ip16("fd0a::5"), 6))

	// Refused by A's send checks: nothing reaches B.
	for _, p := range [][]byte{
		udp6(ip16("200::1"), cb.addr[:], 7),                   // not our source
		ipv4Packet(17, "10.3.0.5", "10.2.0.7", nil, payload8), // not a local subnet
		udp6(ca.addr[:], ip16("fd0b::7"), 8),                  // node address as CKR source
	} {
		if err := devA.Inject(p); err != nil {
			t.Fatal(err)
		}
	}
	// A marker that must arrive proves the refused ones were processed.
	through(devA, devB, udp6(ca.addr[:], cb.addr[:], 9))
	quiet(t, b, devB)
	quiet(t, a, devA)
	if da := ca.dialed.Load(); da != 1 {
		t.Fatalf("A dialled %d times", da)
	}
}

// A session MTU below the packet size turns into Packet Too Big on the
// sender's TUN, and nothing reaches the other side.
func TestBackToBackTooBig(t *testing.T) {
	n := &fakeNet{mtu: 1280}
	ca, cb := n.add(newFakeCore()), n.add(newFakeCore())
	a, devA := startTest(t, ca, Options{})
	b, devB := startTest(t, cb, Options{})
	big := ipv6Packet(0, 58, 64, ca.addr.String(), cb.addr.String(), make([]byte, 2048))
	if err := devA.Inject(big); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, devA); !bytes.Equal(got, packetTooBig(big, 1280)) {
		t.Fatalf("got %x", got[:48])
	}
	quiet(t, b, devB)
	quiet(t, a, devA)
}

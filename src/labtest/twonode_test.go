//go:build linux

package labtest

import (
	"fmt"
	"testing"
	"time"
)

// pingTimeout bounds the first ping to a node: a search, a session
// handshake and the reply, with room for a loaded machine.
const pingTimeout = 20 * time.Second

// subnetHost gives n's routed /64 an address the kernel answers on:
// <subnet>::1/64 on lo (a dummy interface would do, but needs a kernel
// module that containers often lack).
//
// Why pings to it arrive through the TUN: on the pinging node the kernel
// routes all of 200::/7 (node addresses 200::/8 and subnets 300::/8) into
// its TUN, whose adapter maps the 0x03 prefix to n's key and sends the
// packet over n's session. n's adapter accepts it because the destination
// is inside n's own /64 (spec 03 §3.7) and writes it to n's TUN; n's kernel
// finds the address local (on lo) and answers from it. The reply's
// source is inside n's /64, which n's adapter accepts as a native source
// (§3.6), and it leaves through n's TUN by the same 200::/7 route. Nothing
// about the /64 is configured on the TUN itself, as the spec requires.
func subnetHost(t *testing.T, n *Node) string {
	t.Helper()
	host := n.Subnet.String()
	host = host[:len(host)-len("/64")] + "1"
	_, err := n.NS.IP("addr", "add", host+"/64", "dev", "lo", "nodad")
	must(t, err)
	return host
}

// Issue 4 test 2a: two peered nodes ping each other's address and an
// address inside each other's /64, both ways.
func TestTwoNodesPing(t *testing.T) {
	_, nodes := peeredPair(t)
	hosts := []string{subnetHost(t, nodes[0]), subnetHost(t, nodes[1])}

	for i, from := range nodes {
		to := nodes[1-i]
		for _, addr := range []string{to.Addr.String(), hosts[1-i]} {
			d, err := from.WaitPing(addr, pingTimeout)
			must(t, err)
			t.Logf("%s -> %s (%s): first reply after %v", from.Name, to.Name, addr, d.Round(time.Millisecond))
			// Once the session is up every ping must come back.
			if err := from.Ping(addr, 3); err != nil {
				t.Fatalf("%s -> %s: repeated pings: %v", from.Name, addr, err)
			}
		}
	}

	// An address in neither node's /64 nor a node address is not answered:
	// the replies above really came from the subnet hosts.
	stranger := nodes[1].Subnet
	stranger[7] ^= 0xff
	strangerHost := fmt.Sprintf("%s1", stranger.String()[:len(stranger.String())-len("/64")])
	if err := nodes[0].Ping(strangerHost, 2); err == nil {
		t.Fatalf("ping to %s, a /64 no node owns, was answered", strangerHost)
	}

	for _, n := range nodes {
		must(t, n.Stop())
	}
}

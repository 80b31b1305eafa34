//go:build linux

package labtest

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Link is a veth pair between two nodes' namespaces. Index 0 of each array
// is the first node given to Connect.
type Link struct {
	Nodes  [2]*Node
	IfName [2]string     // interface name inside each namespace
	IPv6   [2]netip.Addr // fd7a:0:<link>::1 and ::2, /64
	IPv4   [2]netip.Addr // 10.200.<link>.1 and .2, /24
}

// Connect joins the namespaces of a and b with a veth pair named
// "to<peer index>" on each side, gives each end an IPv6 /64 and an IPv4 /24
// address, and brings both up. It does not change any config; Peer does.
//
// IPv6 duplicate address detection is turned off for these addresses so they
// can be bound at once: nodes listen on them as soon as they start.
func (l *Lab) Connect(a, b *Node) (*Link, error) {
	if a == b {
		return nil, fmt.Errorf("cannot link %s to itself", a.Name)
	}
	k := len(l.links) + 1
	if k > 250 {
		return nil, fmt.Errorf("too many links in one lab")
	}
	lk := &Link{
		Nodes:  [2]*Node{a, b},
		IfName: [2]string{fmt.Sprintf("to%d", b.Index), fmt.Sprintf("to%d", a.Index)},
	}
	for side := range 2 {
		lk.IPv6[side] = netip.AddrFrom16([16]byte{0xfd, 0x7a, 0, 0, 0, byte(k), 15: byte(side + 1)})
		lk.IPv4[side] = netip.AddrFrom4([4]byte{10, 200, byte(k), byte(side + 1)})
	}
	if _, err := a.NS.IP("link", "add", lk.IfName[0], "type", "veth",
		"peer", "name", lk.IfName[1], "netns", b.NS.Name); err != nil {
		return nil, err
	}
	for side, n := range lk.Nodes {
		ifname := lk.IfName[side]
		steps := [][]string{
			{"addr", "add", lk.IPv6[side].String() + "/64", "dev", ifname, "nodad"},
			{"addr", "add", lk.IPv4[side].String() + "/24", "dev", ifname},
			{"link", "set", ifname, "up"},
		}
		for _, args := range steps {
			if _, err := n.NS.IP(args...); err != nil {
				return nil, err
			}
		}
	}
	l.links = append(l.links, lk)
	return lk, nil
}

// Side returns which end of the link n is on, or -1.
func (lk *Link) Side(n *Node) int {
	switch n {
	case lk.Nodes[0]:
		return 0
	case lk.Nodes[1]:
		return 1
	}
	return -1
}

// ListenURI is the peer URI of n's listener on this link.
func (lk *Link) ListenURI(n *Node) string {
	return fmt.Sprintf("tcp://[%s]:%d", lk.IPv6[lk.Side(n)], listenPort)
}

// Peer configures dialer to call listener over the link: listener listens on
// its end of the link and dialer lists that address in Peers. Only one side
// dials, because two nodes calling each other at the same moment may each
// refuse the other's link as a duplicate (spec 01 §4.9). The change reaches a
// running node on its next start or reload.
func (l *Lab) Peer(lk *Link, dialer, listener *Node) error {
	if lk.Side(dialer) < 0 || lk.Side(listener) < 0 || dialer == listener {
		return fmt.Errorf("%s and %s are not the two ends of this link", dialer.Name, listener.Name)
	}
	uri := lk.ListenURI(listener)
	if !slices.Contains(listener.Config.Listen, uri) {
		listener.Config.Listen = append(listener.Config.Listen, uri)
	}
	if !slices.Contains(dialer.Config.Peers, uri) {
		dialer.Config.Peers = append(dialer.Config.Peers, uri)
	}
	return nil
}

// Edge is a link between two nodes of a Build, by index; Dialer calls
// Listener.
type Edge struct {
	Dialer, Listener int
}

// Build adds n nodes (node 0 the best root, see AddNodes) and for each edge
// a link on which the dialer calls the listener. Nothing is started.
func (l *Lab) Build(n int, edges []Edge) ([]*Node, error) {
	nodes, err := l.AddNodes(n)
	if err != nil {
		return nil, err
	}
	for _, e := range edges {
		if e.Dialer < 0 || e.Dialer >= n || e.Listener < 0 || e.Listener >= n || e.Dialer == e.Listener {
			return nil, fmt.Errorf("bad edge %v for %d nodes", e, n)
		}
		d, li := nodes[e.Dialer], nodes[e.Listener]
		lk, err := l.Connect(li, d)
		if err != nil {
			return nil, err
		}
		if err := l.Peer(lk, d, li); err != nil {
			return nil, err
		}
	}
	return nodes, nil
}

// LinkBetween returns the first link joining a and b, or nil.
func (l *Lab) LinkBetween(a, b *Node) *Link {
	for _, lk := range l.links {
		if lk.Side(a) >= 0 && lk.Side(b) >= 0 && a != b {
			return lk
		}
	}
	return nil
}

// Unpeer undoes Peer on the dialer's side: the listener's URI leaves the
// dialer's Peers (the listener keeps listening). Like Peer it reaches a
// running node on its next start or reload.
func (l *Lab) Unpeer(lk *Link, dialer, listener *Node) error {
	if lk.Side(dialer) < 0 || lk.Side(listener) < 0 || dialer == listener {
		return fmt.Errorf("%s and %s are not the two ends of this link", dialer.Name, listener.Name)
	}
	uri := lk.ListenURI(listener)
	i := slices.Index(dialer.Config.Peers, uri)
	if i < 0 {
		return fmt.Errorf("%s does not call %s", dialer.Name, uri)
	}
	dialer.Config.Peers = slices.Delete(dialer.Config.Peers, i, i+1)
	return nil
}

// WaitLinkLocal waits until n's end of the link has an IPv6 link-local
// address that has finished duplicate address detection, which multicast
// discovery needs before it can listen and send beacons (spec 03 §4).
func (lk *Link) WaitLinkLocal(n *Node, timeout time.Duration) error {
	side := lk.Side(n)
	if side < 0 {
		return fmt.Errorf("%s is not an end of this link", n.Name)
	}
	ifname := lk.IfName[side]
	deadline := time.Now().Add(timeout)
	for {
		out, err := n.NS.IP("-6", "addr", "show", "dev", ifname, "scope", "link")
		if err == nil && strings.Contains(out, "inet6 fe80:") && !strings.Contains(out, "tentative") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no usable link-local address on %s within %v: %s", n.Name, ifname, timeout, out)
		}
		time.Sleep(pollInterval)
	}
}

// SetUp brings n's end of the link up or down. The other end loses its
// carrier while this one is down, as when a cable is pulled. Before going
// down the end is told to keep its addresses (keep_addr_on_down), which
// Linux otherwise flushes: the lab's nodes listen on them, and a real link
// that drops its carrier keeps its configuration too.
func (lk *Link) SetUp(n *Node, up bool) error {
	side := lk.Side(n)
	if side < 0 {
		return fmt.Errorf("%s is not an end of this link", n.Name)
	}
	ifname := lk.IfName[side]
	state := "up"
	if !up {
		state = "down"
		key := "net.ipv6.conf." + ifname + ".keep_addr_on_down"
		if _, err := run("ip", "netns", "exec", n.NS.Name, "sysctl", "-q", "-w", key+"=1"); err != nil {
			return err
		}
	}
	_, err := n.NS.IP("link", "set", "dev", ifname, state)
	return err
}

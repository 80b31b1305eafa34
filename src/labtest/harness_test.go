//go:build linux

package labtest

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The namespaces and veth links work on their own, before any node runs:
// both ends answer pings over IPv6 and IPv4, the transfer helper carries a
// stream across intact, and Close removes every namespace.
func TestLabNetworking(t *testing.T) {
	lab := newLab(t, true)
	nodes, err := lab.AddNodes(2)
	must(t, err)
	lk, err := lab.Connect(nodes[0], nodes[1])
	must(t, err)
	if lk.IPv6[0].String() != "fd7a:0:1::1" || lk.IPv4[1].String() != "10.200.1.2" || lk.IfName != [2]string{"to1", "to0"} {
		t.Fatalf("unexpected link plan %+v", lk)
	}
	for _, addr := range []string{lk.IPv6[1].String(), lk.IPv4[1].String()} {
		out, err := nodes[0].Exec(t.Context(), "ping", "-n", "-c", "1", "-W", "2", addr)
		if err != nil {
			t.Fatalf("ping %s over the veth: %v", addr, err)
		}
		if !strings.Contains(out, "1 received") {
			t.Fatalf("ping %s: %s", addr, out)
		}
	}
	// Addresses not in the lab are not reachable: the namespaces are closed.
	if err := nodes[0].Ping("2001:db8::1", 1); err == nil {
		t.Fatal("a namespace reached an address outside the lab")
	}
	res, err := Transfer(nodes[0], nodes[1], lk.IPv6[1].String(), 1<<20, 11, 30*time.Second)
	must(t, err)
	if res.Received.Bytes != 1<<20 || res.Received.Sum != ExpectedSum(1<<20, 11) {
		t.Fatalf("transfer result %+v", res)
	}

	names := []string{nodes[0].NS.Name, nodes[1].NS.Name}
	all, err := ListNamespaces()
	must(t, err)
	for _, n := range names {
		if !slices.Contains(all, n) || !strings.HasPrefix(n, ProcessPrefix()+"x") {
			t.Fatalf("namespace %s missing or misnamed in %q", n, all)
		}
	}
	must(t, lab.Close())
	all, err = ListNamespaces()
	must(t, err)
	for _, n := range names {
		if slices.Contains(all, n) {
			t.Fatalf("namespace %s survived Close", n)
		}
	}
}

// Two labs made at the same time get different namespace names.
func TestLabNamesAreUnique(t *testing.T) {
	a, b := newLab(t, true), newLab(t, true)
	na, err := a.AddNodes(1)
	must(t, err)
	nb, err := b.AddNodes(1)
	must(t, err)
	if na[0].NS.Name == nb[0].NS.Name {
		t.Fatalf("both labs use namespace %s", na[0].NS.Name)
	}
}

// Nodes without TUN peer over a line and their logs show their links; a
// stopped node exits with code 0 and removes its admin socket, a killed one
// is gone at once.
func TestLabPeeringLine(t *testing.T) {
	lab := newLab(t, true)
	nodes, err := lab.Build(3, []Edge{{Dialer: 1, Listener: 0}, {Dialer: 2, Listener: 1}})
	must(t, err)
	for _, n := range nodes {
		must(t, n.Start())
	}
	must(t, WaitPeered(nodes[0], nodes[1], 20*time.Second))
	must(t, WaitPeered(nodes[1], nodes[2], 20*time.Second))
	if nodes[0].ConnectedTo(nodes[2]) {
		t.Fatal("n0 claims a link to n2, which is not its neighbour")
	}
	log, err := nodes[1].Log()
	must(t, err)
	for _, want := range []string{
		"Listening for TCP on: [fd7a:0:2::1]:7000", // n1 listens for n2 on link 2,
		"Your IPv6 address is " + nodes[1].Addr.String(),
		"Your IPv6 subnet is " + nodes[1].Subnet.String(),
	} {
		if !strings.Contains(log, want) {
			t.Errorf("n1's log lacks %q", want)
		}
	}
	must(t, nodes[2].Stop())
	must(t, nodes[1].WaitLog("Disconnected TCP: "+nodes[2].Addr.String(), 10*time.Second))
	if nodes[1].ConnectedTo(nodes[2]) {
		t.Fatal("n1 still counts a link to the stopped n2")
	}
	// A killed node is gone at once, and its peer sees the link drop.
	nodes[1].Kill()
	if nodes[1].Running() {
		t.Fatal("n1 still runs after Kill")
	}
	must(t, nodes[0].WaitLog("Disconnected TCP: "+nodes[1].Addr.String(), 10*time.Second))
	if err := nodes[1].Stop(); err == nil {
		t.Fatal("stopping a killed node succeeded")
	}
	if !nodes[0].Running() {
		t.Fatal("n0 stopped running")
	}
	must(t, nodes[0].Stop())
}

// Asking a link about a node that is not on it is an error, not a panic.
func TestLinkForeignNode(t *testing.T) {
	a, b, c := &Node{Name: "a"}, &Node{Name: "b"}, &Node{Name: "c"}
	lk := &Link{Nodes: [2]*Node{a, b}}
	if lk.Side(c) != -1 || lk.Side(b) != 1 {
		t.Fatalf("sides %d %d", lk.Side(c), lk.Side(b))
	}
	if err := lk.WaitLinkLocal(c, time.Millisecond); err == nil || !strings.Contains(err.Error(), "not an end") {
		t.Fatalf("WaitLinkLocal for a foreign node: %v", err)
	}
}

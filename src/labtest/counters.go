//go:build linux

package labtest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EchoRequestsIn returns how many ICMP (IPv4) and ICMPv6 echo requests the
// kernel in n's namespace has received: Icmp InEchos from /proc/net/snmp
// and Icmp6InEchos from /proc/net/snmp6, which are per namespace. Tests use
// the difference to tell whether packets reached a node, independent of
// whether a reply could come back.
func (n *Node) EchoRequestsIn() (v4, v6 uint64, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	snmp, err := n.Exec(ctx, "cat", "/proc/net/snmp")
	if err != nil {
		return 0, 0, err
	}
	snmp6, err := n.Exec(ctx, "cat", "/proc/net/snmp6")
	if err != nil {
		return 0, 0, err
	}
	if v4, err = SNMPCounter(snmp, "Icmp", "InEchos"); err != nil {
		return 0, 0, err
	}
	if v6, err = SNMP6Counter(snmp6, "Icmp6InEchos"); err != nil {
		return 0, 0, err
	}
	return v4, v6, nil
}

// SNMPCounter reads one counter from /proc/net/snmp text, where each
// protocol has a line of names followed by a line of values, both starting
// with "<proto>:".
func SNMPCounter(text, proto, name string) (uint64, error) {
	lines := strings.Split(text, "\n")
	for i := 0; i+1 < len(lines); i++ {
		names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(names) == 0 || names[0] != proto+":" || len(values) != len(names) || values[0] != names[0] {
			continue
		}
		for j, nm := range names[1:] {
			if nm == name {
				return strconv.ParseUint(values[j+1], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("no counter %s %s", proto, name)
}

// SNMP6Counter reads one counter from /proc/net/snmp6 text, one
// "<name> <value>" pair per line.
func SNMP6Counter(text, name string) (uint64, error) {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == name {
			return strconv.ParseUint(f[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no counter %s", name)
}

// PingFrom sends count echo requests to addr from the local source address
// src (ping -I), returning ping's error if no reply came.
func (n *Node) PingFrom(src, addr string, count int) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(count+5)*time.Second)
	defer cancel()
	_, err := n.Exec(ctx, "ping", "-n", "-c", strconv.Itoa(count), "-i", "0.2", "-W", "1", "-I", src, addr)
	return err
}

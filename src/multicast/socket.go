package multicast

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"

	"golang.org/x/net/ipv6"
)

// Socket is the module's UDP endpoint on port 9001. Interfaces are named by
// index, never by name, so a socket opened in another network namespace
// (as in the tests) works from any thread.
type Socket interface {
	// JoinGroup joins ff02::114 on the interface.
	JoinGroup(ifIndex int) error
	// Send sends one beacon payload to [ff02::114]:9001 out of the interface.
	Send(ifIndex int, payload []byte) error
	// ReadFrom blocks for the next datagram. src is the sender's IP without
	// zone; dst is the destination IP, or the zero Addr when unknown;
	// ifIndex is the receiving interface, or 0 when unknown. After Close it
	// returns an error matching net.ErrClosed.
	ReadFrom(buf []byte) (n int, src, dst netip.Addr, ifIndex int, err error)
	// Close ends the socket and any ReadFrom in progress.
	Close() error
}

// udpSocket is the real Socket: a UDP socket on [::]:9001.
type udpSocket struct {
	conn net.PacketConn
	pc   *ipv6.PacketConn
}

// ListenUDP opens the discovery socket on [::]:9001. SO_REUSEADDR and
// SO_REUSEPORT let several nodes on one host share the port; each gets its
// own copy of every beacon.
func ListenUDP() (Socket, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = setReuse(fd) }); err != nil {
			return err
		}
		return serr
	}}
	addr := net.JoinHostPort("::", strconv.Itoa(Port))
	conn, err := lc.ListenPacket(context.Background(), "udp6", addr)
	if err != nil {
		return nil, err
	}
	pc := ipv6.NewPacketConn(conn)
	// Without control messages the destination is unknown and the
	// interface comes from the source zone; both still work.
	_ = pc.SetControlMessage(ipv6.FlagDst|ipv6.FlagInterface, true)
	return &udpSocket{conn: conn, pc: pc}, nil
}

func (s *udpSocket) JoinGroup(ifIndex int) error {
	return s.pc.JoinGroup(&net.Interface{Index: ifIndex}, &net.UDPAddr{IP: groupAddr.AsSlice()})
}

func (s *udpSocket) Send(ifIndex int, payload []byte) error {
	// The outgoing interface goes in the packet info rather than as a zone
	// on the address: Go resolves zone names through its own interface
	// cache, which may belong to another namespace.
	dst := &net.UDPAddr{IP: groupAddr.AsSlice(), Port: Port}
	_, err := s.pc.WriteTo(payload, &ipv6.ControlMessage{IfIndex: ifIndex}, dst)
	return err
}

func (s *udpSocket) ReadFrom(buf []byte) (int, netip.Addr, netip.Addr, int, error) {
	n, cm, from, err := s.pc.ReadFrom(buf)
	if err != nil {
		return 0, netip.Addr{}, netip.Addr{}, 0, err
	}
	ua, ok := from.(*net.UDPAddr)
	if !ok {
		return 0, netip.Addr{}, netip.Addr{}, 0, fmt.Errorf("datagram from a %T", from)
	}
	src, _ := netip.AddrFromSlice(ua.IP)
	var dst netip.Addr
	ifIndex := 0
	if cm != nil {
		dst, _ = netip.AddrFromSlice(cm.Dst)
		ifIndex = cm.IfIndex
	}
	if ifIndex == 0 {
		ifIndex = zoneIndex(ua.Zone)
	}
	return n, src.Unmap(), dst.Unmap(), ifIndex, nil
}

func (s *udpSocket) Close() error { return s.conn.Close() }

// zoneIndex turns a zone (an interface name or a decimal index) into an
// interface index, 0 when unknown.
func zoneIndex(zone string) int {
	if zone == "" {
		return 0
	}
	if n, err := strconv.Atoi(zone); err == nil {
		return n
	}
	ifi, err := net.InterfaceByName(zone)
	if err != nil {
		return 0
	}
	return ifi.Index
}

// isClosed reports whether err means the socket was closed on purpose.
func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }

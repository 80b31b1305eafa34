//go:build linux

package tuntap

// Kernel routes for crypto-key routing. While tunnel routing is enabled,
// every remote subnet is routed into the TUN, so users need no "ip route"
// commands (v0.3.16 leaves that to them); routes follow every change of the
// CKR table: start, admin requests, reloads, enabling and disabling. The
// routes are owned by the route syncer (routesync.go), whose behaviour
// requests them over rtnetlink and waits for the answers.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/yggmesh/ygg/src/ckr"
)

// kernelRoutes is the set of routes this adapter put into the kernel; it
// is the route syncer's backend on Linux.
type kernelRoutes struct {
	// fd is an rtnetlink socket opened with the TUN. A socket belongs to
	// the network namespace it was made in, so requests reach the TUN's
	// namespace whichever thread the route syncer runs on.
	fd        int
	ifindex   int
	installed map[netip.Prefix]struct{}
	seq       uint32
}

func newKernelRoutes(ifname string) (*kernelRoutes, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	// The kernel answers at once; the bound only keeps a lost answer from
	// stalling route changes and Stop for good.
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 2}); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &kernelRoutes{fd: fd, ifindex: ifi.Index, installed: make(map[netip.Prefix]struct{})}, nil
}

// close releases the socket; the routes go with the TUN.
func (k *kernelRoutes) close() { unix.Close(k.fd) }

// sync makes the installed routes those of t: its remote subnets when it is
// enabled, none otherwise.
func (k *kernelRoutes) sync(t *ckr.Table) error {
	want := make(map[netip.Prefix]struct{})
	var errs []error
	if t.Enabled() {
		for _, r := range t.RouteList() {
			if r.Prefix.Bits() == 0 {
				// A default route into the TUN would also take the node's
				// own peering traffic; that needs routes for the peers that
				// only the user knows, so it is left to the user.
				errs = append(errs, fmt.Errorf("default route %s not installed: add it yourself, with routes for the peers outside the TUN", r.Prefix))
				continue
			}
			want[r.Prefix] = struct{}{}
		}
	}
	for p := range k.installed {
		if _, ok := want[p]; ok {
			continue
		}
		delete(k.installed, p)
		// Gone already (the interface went down, or an admin removed it) is fine.
		if err := k.request(unix.RTM_DELROUTE, 0, p); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("removing route %s: %w", p, err))
		}
	}
	for p := range want {
		if _, ok := k.installed[p]; ok {
			continue
		}
		// NLM_F_EXCL, not NLM_F_REPLACE: a route the host already has for
		// the prefix (its default route, a LAN) must not be taken over,
		// and so must not be deleted when tunnel routing lets go of it.
		err := k.request(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL, p)
		if errors.Is(err, unix.EEXIST) {
			errs = append(errs, fmt.Errorf("route %s already exists in the kernel; left as it is", p))
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("adding route %s: %w", p, err))
			continue
		}
		k.installed[p] = struct{}{}
	}
	return errors.Join(errs...)
}

// request sends one route request for p through the interface and waits
// for the kernel's acknowledgement of it (answers to earlier requests that
// were given up on are skipped by sequence number).
func (k *kernelRoutes) request(typ uint16, flags uint16, p netip.Prefix) error {
	k.seq++
	msg := routeMessage(typ, flags, k.seq, k.ifindex, p)
	if err := unix.Sendto(k.fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	for {
		n, _, err := unix.Recvfrom(k.fd, buf, 0)
		if err != nil {
			return err
		}
		if n >= unix.SizeofNlMsghdr && binary.NativeEndian.Uint32(buf[8:]) != k.seq {
			continue
		}
		return ackError(buf[:n])
	}
}

// routeMessage builds an rtnetlink request: header, rtmsg, RTA_DST, RTA_OIF.
func routeMessage(typ uint16, flags uint16, seq uint32, ifindex int, p netip.Prefix) []byte {
	family := byte(unix.AF_INET6)
	if p.Addr().Is4() {
		family = unix.AF_INET
	}
	dst := p.Addr().AsSlice()
	ne := binary.NativeEndian
	var b []byte
	b = ne.AppendUint32(b, 0) // length, filled in below
	b = ne.AppendUint16(b, typ)
	b = ne.AppendUint16(b, unix.NLM_F_REQUEST|unix.NLM_F_ACK|flags)
	b = ne.AppendUint32(b, seq)
	b = ne.AppendUint32(b, 0)                   // port id: the kernel fills it in
	b = append(b, family, byte(p.Bits()), 0, 0, // family, dst_len, src_len, tos
		unix.RT_TABLE_MAIN, unix.RTPROT_BOOT, unix.RT_SCOPE_LINK, unix.RTN_UNICAST)
	b = ne.AppendUint32(b, 0) // rtm_flags
	b = appendAttr(b, unix.RTA_DST, dst)
	b = appendAttr(b, unix.RTA_OIF, ne.AppendUint32(nil, uint32(ifindex)))
	ne.PutUint32(b, uint32(len(b)))
	return b
}

func appendAttr(b []byte, typ uint16, data []byte) []byte {
	ne := binary.NativeEndian
	b = ne.AppendUint16(b, uint16(unix.SizeofRtAttr+len(data)))
	b = ne.AppendUint16(b, typ)
	b = append(b, data...)
	for len(b)%unix.RTA_ALIGNTO != 0 {
		b = append(b, 0)
	}
	return b
}

// ackError reads the kernel's answer: an NLMSG_ERROR carrying 0 or -errno.
func ackError(b []byte) error {
	ne := binary.NativeEndian
	if len(b) < unix.SizeofNlMsghdr+4 {
		return errors.New("short rtnetlink answer")
	}
	if ne.Uint16(b[4:]) != unix.NLMSG_ERROR {
		return fmt.Errorf("unexpected rtnetlink answer type %d", ne.Uint16(b[4:]))
	}
	if code := int32(ne.Uint32(b[unix.SizeofNlMsghdr:])); code != 0 {
		return unix.Errno(-code)
	}
	return nil
}

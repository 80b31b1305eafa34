package multicast

// The announce cycle, run by the Multicast actor every AnnounceInterval.

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"syscall"
)

// _announce brings the kept-interface set up to date and sends the beacons,
// then arms the timer for the next cycle.
func (m *Multicast) _announce() {
	defer m._schedule()
	list, err := m.opts.ListInterfaces()
	if err != nil {
		// Keep the previous set; the next cycle tries again.
		m.log.Debugf("Multicast: listing interfaces: %v", err)
		return
	}
	sel := selectInterfaces(list, m.regexes)
	now := make(map[string]kept, len(sel))
	for _, k := range sel {
		now[k.name] = k
	}
	for name, st := range m.ifaces {
		k, ok := now[name]
		switch {
		case !ok || k.index != st.index:
			// Gone, or replaced by a new interface of the same name.
			m._dropListener(st)
			delete(m.ifaces, name)
		default:
			// A listener stays while its address is anywhere on the
			// interface, as in the reference, not only while it is first.
			st.addrs = k.addrs
			if st.lis != nil && !slices.Contains(k.addrs, st.lis.addr) {
				m._dropListener(st)
			}
		}
	}
	// In the system's order, so that listeners open in a stable order.
	for _, k := range sel {
		st := m.ifaces[k.name]
		if st == nil {
			st = &ifaceState{name: k.name, index: k.index, addrs: k.addrs}
			m.ifaces[k.name] = st
		}
		m._announceOn(st)
	}
}

// _announceOn joins the group, asks for the listener if there is none yet,
// and beacons once the listener is up.
func (m *Multicast) _announceOn(st *ifaceState) {
	if len(st.addrs) == 0 {
		return // nothing to listen on or to send from
	}
	if !st.joined {
		err := m.sock.JoinGroup(st.index)
		// A membership outlives the interface going down and up again.
		if err == nil || errors.Is(err, syscall.EADDRINUSE) {
			st.joined = true
		} else {
			m.log.Debugf("Multicast: joining %s on %s: %v", Group, st.name, err)
		}
	}
	switch {
	case st.lis == nil:
		m._openListener(st)
	case st.lis.ready:
		m._beacon(st)
	}
}

// _openListener asks the core for a listener on the interface's address.
func (m *Multicast) _openListener(st *ifaceState) {
	l := &listener{uri: listenURI(st.addrs[0], st.name, m.opts.ListenPort), addr: st.addrs[0]}
	st.lis = l
	name := st.name
	m.pending++
	m.core.ListenAsync(l.uri, func(a net.Addr, err error) {
		m.Act(nil, func() {
			m.pending--
			m._listened(name, l, a, err)
		})
	})
}

// _listened takes the core's answer to _openListener. A listener that is
// no longer wanted (the interface or its address changed, or the module
// stopped, while it was being opened) is closed again.
func (m *Multicast) _listened(name string, l *listener, a net.Addr, err error) {
	st := m.ifaces[name]
	if st == nil || st.lis != l {
		if err == nil {
			m._closeListener(l.uri)
		}
		return
	}
	if err != nil {
		st.lis = nil // try again next cycle
		if msg := err.Error(); msg != st.warned {
			st.warned = msg
			m.log.Warnf("Not multicasting on %s due to error: %v", name, err)
		}
		return
	}
	ta, ok := a.(*net.TCPAddr)
	if !ok || ta.Port <= 0 || ta.Port > 65535 {
		m.log.Warnf("Not multicasting on %s due to error: listener address %v has no TCP port", name, a)
		st.lis = nil
		m._closeListener(l.uri)
		return
	}
	st.warned = ""
	l.port, l.ready = uint16(ta.Port), true
	m.log.Debugf("Started multicasting on %s", name)
	m._beacon(st)
}

// _dropListener forgets the interface's listener and closes it if it is
// open; one still being opened is closed when its answer comes.
func (m *Multicast) _dropListener(st *ifaceState) {
	if st.lis == nil {
		return
	}
	if st.lis.ready {
		m._closeListener(st.lis.uri)
		m.log.Debugf("Stopped multicasting on %s", st.name)
	}
	st.lis = nil
}

func (m *Multicast) _closeListener(uri string) {
	m.pending++
	m.core.CloseListenerAsync(uri, func(err error) {
		m.Act(nil, func() {
			m.pending--
			if err != nil {
				m.log.Debugf("Multicast: closing %s: %v", uri, err)
			}
		})
	})
}

// _beacon sends one beacon for the interface's listener. A send is one
// non-blocking datagram, so it is done here rather than in a writer.
func (m *Multicast) _beacon(st *ifaceState) {
	b := Beacon{Addr: st.lis.addr, Port: st.lis.port}
	err := m.sock.Send(st.index, b.Append(nil))
	switch {
	case err == nil:
		st.sendErr = ""
	case err.Error() != st.sendErr:
		// Logged once, not every second: an interface without carrier
		// can fail like this for as long as it is unplugged.
		st.sendErr = err.Error()
		m.log.Debugf("Multicast: beacon on %s: %v", st.name, err)
	}
}

// listenURI is the core listen URI for a link-local listener.
func listenURI(addr netip.Addr, iface string, port uint16) string {
	return fmt.Sprintf("tcp://[%s%%%s]:%d", addr.WithZone(""), iface, port)
}

// Package multicast finds peers on the local links (spec 03 §4): it
// announces a link-local TCP listener on each chosen interface with a
// beacon to [ff02::114]:9001 every second, and dials the listeners that
// other nodes announce. The beacon bytes are those of Yggdrasil v0.3.16, so
// either finds the other.
//
// Who does what:
//
//   - Multicast, an actor, owns the regexes, the socket, the set of kept
//     interfaces with their listeners, and the announce timer. Every
//     second (on the clock from Options) it lists the interfaces, keeps
//     the eligible ones whose name matches a regex, closes listeners whose
//     interface or address went away, joins the group, opens missing
//     listeners and sends one beacon per interface whose listener is up.
//   - reader, an actor, owns the blocking reads on the socket and hands
//     each datagram to Multicast, which checks it and asks for a call.
//   - calls into the core (ListenAsync, CloseListenerAsync, CallPeerAsync)
//     never block: the core runs them in its links actor in the order
//     Multicast made them (a close always runs before the listen that
//     replaces it), and the answers come back to Multicast with Act.
package multicast

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"time"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/clock"
	"github.com/yggmesh/ygg/src/logging"
)

// AnnounceInterval is the time between announce cycles (and so between
// beacons on each interface).
const AnnounceInterval = time.Second

// Core is what discovery needs from the node's core; *core.Core has it.
// The calls do not block: each answers through its callback, which runs
// inside the core and so must only hand the answer on with Act.
type Core interface {
	// ListenAsync opens a listener for a URI such as
	// "tcp://[fe80::1%eth0]:0" and gives its bound address.
	ListenAsync(uri string, cb func(net.Addr, error))
	// CloseListenerAsync closes a listener opened by ListenAsync.
	CloseListenerAsync(uri string, cb func(error))
	// CallPeerAsync dials a peer URI once, bound to iface.
	CallPeerAsync(uri, iface string, cb func(error))
}

// Options configure a Multicast. Every field may be left zero.
type Options struct {
	// ListenPort is LinkLocalTCPPort: the port of the link-local
	// listeners, 0 for a kernel-chosen one.
	ListenPort uint16
	// Clock drives the announce cycle; nil means the real clock.
	Clock clock.Clock
	// Logger gets the module's log lines; nil discards them.
	Logger *logging.Logger
	// ListInterfaces lists the interfaces; nil means SystemInterfaces.
	ListInterfaces func() ([]Interface, error)
	// OpenSocket opens the discovery socket; nil means ListenUDP.
	OpenSocket func() (Socket, error)
}

// Multicast is the discovery module of one node. It is created stopped.
type Multicast struct {
	actor.Inbox
	core  Core
	opts  Options
	clock clock.Clock
	log   *logging.Logger
	// calls logs failed calls to beacons, which anyone on the link can send.
	calls *logging.Limited
	// pending counts listener calls into the core not yet answered.
	pending int

	regexes []*regexp.Regexp
	sock    Socket  // nil while stopped
	reader  *reader // the reader of sock; datagrams from older readers are dropped
	ifaces  map[string]*ifaceState
	timer   clock.Timer
	tick    uint64 // identifies the one timer whose firing counts
}

// ifaceState is a kept interface.
type ifaceState struct {
	name    string
	index   int
	addrs   []netip.Addr // link-local addresses now on it; a new listener takes the first
	joined  bool         // member of the group on this interface
	lis     *listener    // nil until one is asked for
	warned  string       // last listen error logged, to log each one once
	sendErr string       // last beacon send error logged, likewise
}

// listener is a link-local TCP listener asked of the core.
type listener struct {
	uri   string
	addr  netip.Addr
	port  uint16 // bound port, once ready
	ready bool   // the core has opened it
}

// New makes a stopped module that will use c.
func New(c Core, opts Options) *Multicast {
	m := &Multicast{core: c, opts: opts, clock: opts.Clock, log: opts.Logger,
		ifaces: make(map[string]*ifaceState)}
	if m.clock == nil {
		m.clock = clock.Real{}
	}
	if m.log == nil {
		m.log = logging.Discard()
	}
	m.calls = m.log.Limited(1, 10, m.clock.Now)
	if m.opts.ListInterfaces == nil {
		m.opts.ListInterfaces = SystemInterfaces
	}
	if m.opts.OpenSocket == nil {
		m.opts.OpenSocket = ListenUDP
	}
	return m
}

// Start starts discovery on the interfaces matching any of regexes (Go
// RE2, unanchored). An empty list leaves the module stopped. An invalid
// regex or a socket that cannot be opened is an error, and the module
// stays stopped; the node logs it and runs on without discovery.
func (m *Multicast) Start(regexes []string) error {
	res, err := compileRegexes(regexes)
	if err != nil {
		return err
	}
	actor.Block(m, func() {
		if m.sock != nil {
			err = errors.New("multicast discovery is already running")
			return
		}
		err = m._set(res)
	})
	return err
}

// SetInterfaces applies a reloaded MulticastInterfaces: an empty list stops
// discovery, a non-empty one starts it or changes the regexes in place. On
// an invalid regex nothing changes.
func (m *Multicast) SetInterfaces(regexes []string) error {
	res, err := compileRegexes(regexes)
	if err != nil {
		return err
	}
	actor.Block(m, func() { err = m._set(res) })
	m.settle()
	return err
}

// Stop ends discovery and closes the link-local listeners. Links already
// made stay up.
func (m *Multicast) Stop() {
	actor.Block(m, m._stop)
	m.settle()
}

// Interfaces names the interfaces discovery currently runs on, sorted; nil
// when there are none or the module is stopped (getMulticastInterfaces).
func (m *Multicast) Interfaces() []string {
	var names []string
	actor.Block(m, func() {
		for name := range m.ifaces {
			names = append(names, name)
		}
	})
	slices.Sort(names)
	return names
}

// settle waits until the listener calls made into the core have been
// answered, so that after Stop no listener opened for us stays open (an
// answer that finds its listener unwanted closes it, which is one more
// call). It is called only from outside the actor.
func (m *Multicast) settle() {
	deadline := time.Now().Add(5 * time.Second)
	for {
		var pending int
		actor.Block(m, func() { pending = m.pending })
		if pending == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// _set installs res, starting or stopping the module as needed, and runs an
// announce cycle at once so a change shows without waiting a second.
func (m *Multicast) _set(res []*regexp.Regexp) error {
	if len(res) == 0 {
		m._stop()
		return nil
	}
	if m.sock == nil {
		sock, err := m.opts.OpenSocket()
		if err != nil {
			return fmt.Errorf("opening [::]:%d: %w", Port, err)
		}
		m.log.Infof("Starting multicast module")
		m.sock = sock
		m.reader = &reader{m: m, sock: sock, buf: make([]byte, MaxDatagram+1)}
		m.reader.Act(nil, m.reader._read)
	}
	m.regexes = res
	m._announce()
	return nil
}

// _stop closes the socket, the timer and every listener.
func (m *Multicast) _stop() {
	if m.sock == nil {
		return
	}
	m.log.Infof("Stopping multicast module")
	m.tick++
	if m.timer != nil {
		m.timer.Stop()
		m.timer = nil
	}
	_ = m.sock.Close()
	m.sock, m.reader, m.regexes = nil, nil, nil
	for name, st := range m.ifaces {
		m._dropListener(st)
		delete(m.ifaces, name)
	}
}

// _schedule arms the timer for the next announce cycle, replacing any
// timer already armed.
func (m *Multicast) _schedule() {
	if m.timer != nil {
		m.timer.Stop()
	}
	m.tick++
	tick := m.tick
	m.timer = m.clock.AfterFunc(AnnounceInterval, func() {
		m.Act(nil, func() {
			if m.tick == tick && m.sock != nil {
				m._announce()
			}
		})
	})
}

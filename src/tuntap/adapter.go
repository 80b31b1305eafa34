// Package tuntap is the node's TUN adapter (spec 03 §3): it carries IP
// packets between a TUN device and end-to-end sessions, keeps one
// connection per remote node indexed by the node's address and subnet,
// dials nodes on demand while buffering their first packets, applies the
// address checks and crypto-key routing, and answers the host with ICMPv6
// Destination Unreachable and Packet Too Big.
//
// Four actors: the reader blocks in Device.Read and hands batches to the
// adapter; the adapter owns every table (connections, pending dials, CKR
// state) and sends packets to sessions or to the writer; the writer owns
// the device's write side; the route syncer owns the kernel routes of CKR
// and their netlink I/O, so the adapter never waits for it. Sessions call
// back through core.SessionHandler, which only forwards to the adapter with
// Act.
package tuntap

import (
	"sync/atomic"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/ckr"
	"github.com/yggmesh/ygg/src/clock"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/logging"
)

// Core is what the adapter needs of the node's core (*core.Core has it).
type Core interface {
	Address() address.Address
	Subnet() address.Subnet
	SetSessionHandler(h core.SessionHandler)
	Dial(target, mask crypto.NodeID, cb core.DialCallback)
	SetMaxSessionMTU(mtu uint64)
}

// Options configure an adapter.
type Options struct {
	// IfName is "auto" (the kernel picks tunN), "none" or "dummy" (no TUN:
	// the node only routes), or the interface name, shorter than 16 bytes.
	IfName string
	// IfMTU is clamped to [MinMTU, MaxMTU] before the device is made.
	IfMTU uint64
	// TunnelRouting is the initial crypto-key routing state.
	TunnelRouting config.TunnelRouting
	// Device, when set, is used instead of creating a TUN (tests,
	// simulation); IfName is then ignored.
	Device Device
	Clock  clock.Clock     // nil: the real clock
	Logger *logging.Logger // nil: discard

	// routes, when set, replaces the kernel routes of a created TUN
	// (tests); it is used with Device too.
	routes routeBackend
}

// Adapter is a running TUN adapter.
type Adapter struct {
	actor.Inbox
	core  Core
	log   *logging.Logger
	clock clock.Clock
	dev   Device // nil without TUN
	name  string
	mtu   uint64
	self  endpoint

	reader *reader
	writer *writer

	routes    *ckr.State
	ckrView   atomic.Pointer[ckr.Table] // snapshot for readers outside the actor
	routeSync *routeSyncer              // puts CKR routes into the kernel; nil without TUN

	byAddr   map[address.Address]*conn
	bySubnet map[address.Subnet]*conn
	byKey    map[crypto.BoxPubKey]*conn
	dials    map[dialKey]*pendingDial
	stopped  bool
}

// Start creates and configures the TUN (unless IfName is none or dummy),
// installs the adapter as the core's session handler and starts reading.
func Start(c Core, opts Options) (*Adapter, error) {
	a := &Adapter{
		core:     c,
		log:      opts.Logger,
		clock:    opts.Clock,
		self:     endpoint{addr: c.Address(), subnet: c.Subnet()},
		byAddr:   make(map[address.Address]*conn),
		bySubnet: make(map[address.Subnet]*conn),
		byKey:    make(map[crypto.BoxPubKey]*conn),
		dials:    make(map[dialKey]*pendingDial),
	}
	if a.log == nil {
		a.log = logging.Discard()
	}
	if a.clock == nil {
		a.clock = clock.Real{}
	}
	a.routes = ckr.New(a.log)
	if opts.Device == nil && (opts.IfName == "none" || opts.IfName == "dummy") {
		// Router only: no handler, so incoming sessions are refused, as
		// in the reference without a listener.
		a.routes.Load(opts.TunnelRouting)
		a.ckrView.Store(a.routes.Table())
		c.SetMaxSessionMTU(MaxMTU)
		return a, nil
	}
	err := a.openDevice(opts)
	if err != nil {
		return nil, err
	}
	if b := a.newRouteBackend(opts); b != nil {
		a.routeSync = newRouteSyncer(b, a.name, a.log)
	}
	a.routes.Load(opts.TunnelRouting)
	a._publishCKR()
	if a.routeSync != nil {
		// Start returns with the configured routes in place (users and
		// the lab tests count on it); later changes do not wait for them.
		a.routeSync.wait()
	}
	a.writer = newWriter(a.dev, a.mtu, a.log)
	a.reader = newReader(a, a.dev, a.mtu)
	c.SetMaxSessionMTU(a.mtu)
	c.SetSessionHandler(handler{a})
	a.reader.Act(nil, a.reader._read)
	return a, nil
}

// newRouteBackend picks where CKR routes go: the kernel for a TUN the adapter
// created, nothing for a given device unless a test supplies a backend.
func (a *Adapter) newRouteBackend(opts Options) routeBackend {
	if opts.routes != nil {
		return opts.routes
	}
	if opts.Device != nil {
		return nil
	}
	k, err := newKernelRoutes(a.name)
	if err != nil {
		a.log.Warnf("Tunnel routes will not be installed on %s: %v", a.name, err)
		return nil
	}
	return k
}

// openDevice settles the MTU, then creates the TUN (or takes the given
// device) and logs what it got (spec 03 §3.2-3.3). The MTU is clamped
// first: a TUN created with an MTU below 1280 cannot take an IPv6 address.
func (a *Adapter) openDevice(opts Options) error {
	a.mtu = clampMTU(opts.IfMTU)
	if a.mtu != opts.IfMTU {
		a.log.Warnf("Warning: Interface MTU %d automatically adjusted to %d (supported range is %d-%d)",
			opts.IfMTU, a.mtu, MinMTU, MaxMTU)
	}
	if a.dev = opts.Device; a.dev != nil {
		name, err := a.dev.Name()
		if err != nil {
			return err
		}
		a.name = name
	} else {
		name := opts.IfName
		if name == "auto" {
			name = "" // the kernel picks tunN
		}
		dev, real, err := createTUN(name, a.mtu, a.self.addr)
		if err != nil {
			return err
		}
		a.dev, a.name = dev, real
	}
	a.log.Infof("Interface name: %s", a.name)
	a.log.Infof("Interface IPv6: %s/7", a.self.addr)
	a.log.Infof("Interface MTU: %d", a.mtu)
	return nil
}

// Stop closes the device (ending the reader), stops the idle timers and
// closes every session. It waits until the reader, the writer and the
// route syncer are done.
func (a *Adapter) Stop() {
	if a.routeSync != nil {
		// First, so a running sync ends before the TUN goes away under it.
		a.routeSync.stop()
	}
	var first bool
	actor.Block(a, func() { first = a._stop() })
	if first && a.dev != nil {
		// Not in the actor: closing a TUN's file waits for the reads and
		// writes in flight to let go of it.
		if err := a.dev.Close(); err != nil {
			a.log.Debugf("closing %s: %v", a.name, err)
		}
	}
	if a.reader != nil {
		actor.Block(a.reader, func() {})
		actor.Block(a.writer, func() {})
	}
}

// _stop drops all traffic from now on and closes every session. It reports
// whether this was the first stop; the caller then closes the device.
func (a *Adapter) _stop() bool {
	if a.stopped {
		return false
	}
	a.stopped = true
	if a.dev != nil {
		a.reader.stopped.Store(true) // the read error that follows is expected
	}
	for _, c := range a.byKey {
		a._close(c)
	}
	clear(a.dials)
	return true
}

// Enabled reports whether the adapter has a TUN device.
func (a *Adapter) Enabled() bool { return a.dev != nil }

// Name is the interface name, "" without TUN.
func (a *Adapter) Name() string { return a.name }

// MTU is the effective interface MTU, 0 without TUN.
func (a *Adapter) MTU() uint64 { return a.mtu }

// TunTap is the getTunTap response: {"tun0": {"mtu": 65535}}, or
// {"none": {}} without TUN.
func (a *Adapter) TunTap() map[string]any {
	if a.dev == nil {
		return map[string]any{"none": map[string]any{}}
	}
	return map[string]any{a.name: map[string]any{"mtu": a.mtu}}
}

// CKR returns the current crypto-key routing snapshot (getTunnelRouting,
// getRoutes, getSourceSubnets). It never changes once returned.
func (a *Adapter) CKR() *ckr.Table { return a.ckrView.Load() }

// UpdateCKR runs f on the routing state inside the adapter, then publishes
// the new snapshot. The kernel's routes follow in the background; a failure
// there is logged. For the admin handlers; it must not be called from an
// actor.
func (a *Adapter) UpdateCKR(f func(*ckr.State) error) (err error) {
	actor.Block(a, func() {
		err = f(a.routes)
		a._publishCKR()
	})
	return err
}

// _publishCKR makes the current routing state visible to readers outside
// the actor and hands it to the route syncer, without waiting for it.
func (a *Adapter) _publishCKR() {
	t := a.routes.Table()
	a.ckrView.Store(t)
	if a.routeSync != nil {
		a.routeSync.publish(t)
	}
}

// ReloadCKR replaces the routing state with a config section (reload).
func (a *Adapter) ReloadCKR(tr config.TunnelRouting) {
	_ = a.UpdateCKR(func(s *ckr.State) error { s.Load(tr); return nil })
}

package node

// The TUN module's admin handlers (spec 03 §5.4): getTunTap and the
// crypto-key routing (TunnelRouting) handlers.
//
// The node always runs the TUN adapter, which owns the CKR state even
// without a TUN device (IfName none), so the CKR handlers read and change
// the adapter's state (tuntap.Adapter.UpdateCKR) and a reload replaces it
// there. Parts given no adapter (tests, tools) get a CKR state of their
// own here, loaded from the config.
//
// v0.3.16 differs without a TUN: it never initialises CKR, so it ignores
// the config's TunnelRouting, getTunnelRouting says false, and
// addLocalSubnet/addRemoteSubnet store the entry but answer with the
// generic syntax error. Only its getTunTap answer, {"none": {}}, is kept.

import (
	"errors"
	"sync"

	"github.com/yggmesh/ygg/src/admin"
	"github.com/yggmesh/ygg/src/ckr"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/tuntap"
)

// ckrStore is the CKR state the handlers work on: the adapter's, or one
// built from the config.
type ckrStore interface {
	// Table is the current snapshot.
	Table() *ckr.Table
	// Update runs f on the state, serialised with every other change.
	Update(f func(*ckr.State) error) error
}

type adapterCKR struct{ a *tuntap.Adapter }

func (s adapterCKR) Table() *ckr.Table                     { return s.a.CKR() }
func (s adapterCKR) Update(f func(*ckr.State) error) error { return s.a.UpdateCKR(f) }

// configCKR is the CKR state of a node without the TUN adapter.
type configCKR struct {
	mu    sync.Mutex
	state *ckr.State
}

func (s *configCKR) Table() *ckr.Table {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.Table()
}

func (s *configCKR) Update(f func(*ckr.State) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(s.state)
}

type tunHandlers struct {
	tun    *tuntap.Adapter // nil without the adapter
	routes ckrStore
	log    *logging.Logger
}

func newTunHandlers(tun *tuntap.Adapter, cfg *config.NodeConfig, log *logging.Logger) *tunHandlers {
	if log == nil {
		log = logging.Discard()
	}
	if tun != nil {
		return &tunHandlers{tun: tun, routes: adapterCKR{tun}, log: log}
	}
	return &tunHandlers{routes: &configCKR{state: ckr.FromConfig(cfg.TunnelRouting, log)}, log: log}
}

func (h *tunHandlers) handlers() []adminHandler {
	return []adminHandler{
		{"getTunTap", nil, h.getTunTap},
		{"getTunnelRouting", nil, h.getTunnelRouting},
		{"setTunnelRouting", []string{"enabled"}, h.setTunnelRouting},
		{"getSourceSubnets", nil, h.getSourceSubnets},
		{"getRoutes", nil, h.getRoutes},
		{"addLocalSubnet", []string{"subnet"}, h.addLocalSubnet},
		{"removeLocalSubnet", []string{"subnet"}, h.removeLocalSubnet},
		{"addRemoteSubnet", []string{"subnet", "box_pub_key"}, h.addRemoteSubnet},
		{"removeRemoteSubnet", []string{"subnet", "box_pub_key"}, h.removeRemoteSubnet},
	}
}

// getTunTap is {"tun0": {"mtu": 65535}}, or {"none": {}} without a TUN.
func (h *tunHandlers) getTunTap(admin.Info) (admin.Info, error) {
	if h.tun == nil {
		return admin.Info{"none": admin.Info{}}, nil
	}
	return admin.Info(h.tun.TunTap()), nil
}

func (h *tunHandlers) getTunnelRouting(admin.Info) (admin.Info, error) {
	return admin.Info{"enabled": h.routes.Table().Enabled()}, nil
}

// setTunnelRouting enables only for the JSON boolean true; anything else,
// the string "true" included, disables. Routes and local subnets stay.
func (h *tunHandlers) setTunnelRouting(req admin.Info) (admin.Info, error) {
	on := req.IsTrue("enabled")
	_ = h.routes.Update(func(s *ckr.State) error { s.SetEnabled(on); return nil })
	return admin.Info{"enabled": on}, nil
}

// getSourceSubnets answers null, not [], when there are none.
func (h *tunHandlers) getSourceSubnets(admin.Info) (admin.Info, error) {
	return admin.Info{"source_subnets": h.routes.Table().SourceSubnets()}, nil
}

func (h *tunHandlers) getRoutes(admin.Info) (admin.Info, error) {
	return admin.Info{"routes": h.routes.Table().Routes()}, nil
}

// The four changing handlers report any failure (bad CIDR or key,
// duplicate, not found) with one fixed text each, as v0.3.16 does; the
// reason goes to the debug log.

func (h *tunHandlers) addLocalSubnet(req admin.Info) (admin.Info, error) {
	subnet, err := req.GetString("subnet")
	if err != nil {
		return nil, err
	}
	return h.change(func(s *ckr.State) error { return s.AddLocalSubnet(subnet) },
		subnet, "added", "Failed to add source subnet")
}

func (h *tunHandlers) removeLocalSubnet(req admin.Info) (admin.Info, error) {
	subnet, err := req.GetString("subnet")
	if err != nil {
		return nil, err
	}
	return h.change(func(s *ckr.State) error { return s.RemoveLocalSubnet(subnet) },
		subnet, "removed", "Failed to remove source subnet")
}

func (h *tunHandlers) addRemoteSubnet(req admin.Info) (admin.Info, error) {
	subnet, key, err := subnetAndKey(req)
	if err != nil {
		return nil, err
	}
	return h.change(func(s *ckr.State) error { return s.AddRemoteSubnet(subnet, key) },
		subnet+" via "+key, "added", "Failed to add route")
}

func (h *tunHandlers) removeRemoteSubnet(req admin.Info) (admin.Info, error) {
	subnet, key, err := subnetAndKey(req)
	if err != nil {
		return nil, err
	}
	return h.change(func(s *ckr.State) error { return s.RemoveRemoteSubnet(subnet, key) },
		subnet+" via "+key, "removed", "Failed to remove route")
}

// change applies f and answers {"<done>": [item]} or, on failure, the
// error text with {"not_<done>": [item]}.
func (h *tunHandlers) change(f func(*ckr.State) error, item, done, failure string) (admin.Info, error) {
	if err := h.routes.Update(f); err != nil {
		h.log.Debugf("Admin socket: %s: %s: %v", failure, item, err)
		return admin.Info{"not_" + done: []string{item}}, errors.New(failure)
	}
	return admin.Info{done: []string{item}}, nil
}

func subnetAndKey(req admin.Info) (subnet, key string, err error) {
	if subnet, err = req.GetString("subnet"); err != nil {
		return "", "", err
	}
	if key, err = req.GetString("box_pub_key"); err != nil {
		return "", "", err
	}
	return subnet, key, nil
}

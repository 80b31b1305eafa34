package node

// The TUN module's admin handlers (spec 03 §5.4): getTunTap and the
// crypto-key routing (TunnelRouting) handlers.
//
// The node always runs the TUN adapter, which owns the CKR state even
// without a TUN device (IfName none), so the CKR handlers read the
// adapter's published snapshot and change its state through
// tuntap.Adapter.UpdateCKR; a reload replaces it there.
//
// v0.3.16 differs without a TUN: it never initialises CKR, so it ignores
// the config's TunnelRouting, getTunnelRouting says false, and
// addLocalSubnet/addRemoteSubnet store the entry but answer with the
// generic syntax error. Only its getTunTap answer, {"none": {}}, is kept.

import (
	"errors"

	"github.com/yggmesh/ygg/src/admin"
	"github.com/yggmesh/ygg/src/ckr"
	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/tuntap"
)

type tunHandlers struct {
	tun *tuntap.Adapter
	log *logging.Logger
}

func newTunHandlers(tun *tuntap.Adapter, log *logging.Logger) *tunHandlers {
	if log == nil {
		log = logging.Discard()
	}
	return &tunHandlers{tun: tun, log: log}
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
	return admin.Info(h.tun.TunTap()), nil
}

func (h *tunHandlers) getTunnelRouting(admin.Info) (admin.Info, error) {
	return admin.Info{"enabled": h.tun.CKR().Enabled()}, nil
}

// setTunnelRouting enables only for the JSON boolean true; anything else,
// the string "true" included, disables. Routes and local subnets stay.
func (h *tunHandlers) setTunnelRouting(req admin.Info) (admin.Info, error) {
	on := req.IsTrue("enabled")
	_ = h.tun.UpdateCKR(func(s *ckr.State) error { s.SetEnabled(on); return nil })
	return admin.Info{"enabled": on}, nil
}

// getSourceSubnets answers null, not [], when there are none.
func (h *tunHandlers) getSourceSubnets(admin.Info) (admin.Info, error) {
	return admin.Info{"source_subnets": h.tun.CKR().SourceSubnets()}, nil
}

func (h *tunHandlers) getRoutes(admin.Info) (admin.Info, error) {
	return admin.Info{"routes": h.tun.CKR().Routes()}, nil
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
	if err := h.tun.UpdateCKR(f); err != nil {
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

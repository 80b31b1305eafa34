package node

// The admin socket as the node runs it (spec 03 §5): which handlers exist
// and which part of the node each one answers from. The handlers are
// grouped by the module they belong to in v0.3.16: admin_core.go,
// admin_tun.go and admin_multicast.go.
//
// Every handler runs on its admin connection's own goroutine (see package
// admin) and reaches the node's actors only through their blocking APIs
// (actor.Block inside the core and the TUN adapter), never from inside an
// actor. The only long waits, dhtPing and getNodeInfo, are bounded by
// remoteTimeout and stall nobody but the client that asked.

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/yggmesh/ygg/src/admin"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/tuntap"
)

// AdminParts are the parts of a node the admin handlers answer from.
type AdminParts struct {
	// Core is the running core; required.
	Core *core.Core
	// Tun is the TUN adapter, which the node runs with or without a
	// device; required. It owns the tunnel-routing state.
	Tun *tuntap.Adapter
	// Multicast reports the interfaces multicast discovery runs on, or is
	// nil (a nil interface, not a typed nil pointer) when discovery is off.
	Multicast MulticastInterfaces
	// Log receives the handlers' debug lines; nil discards them.
	Log *logging.Logger
	// Context ends remote queries (dhtPing, getNodeInfo) early when it is
	// done, as when the node stops; nil means they only time out.
	Context context.Context
}

// adminHandler is one handler as registered: name and argument list as
// "list" reports them (spec 03 §5.3).
type adminHandler struct {
	name string
	args []string
	fn   admin.Handler
}

// AddAdminHandlers registers every v0.3.16 handler of spec 03 §5.3 except
// "list", which the server has built in.
func AddAdminHandlers(s *admin.Server, p AdminParts) error {
	if p.Core == nil || p.Tun == nil {
		return errors.New("node: admin handlers need a core and a TUN adapter")
	}
	var all []adminHandler
	ctx := p.Context
	if ctx == nil {
		ctx = context.Background()
	}
	all = append(all, newCoreHandlers(p.Core, ctx).handlers()...)
	all = append(all, newTunHandlers(p.Tun, p.Log).handlers()...)
	all = append(all, multicastHandlers(p.Multicast)...)
	for _, h := range all {
		if err := s.AddHandler(h.name, h.args, h.fn); err != nil {
			return err
		}
	}
	return nil
}

// startAdmin opens the admin socket on cfg.AdminListen with every handler
// registered ("none" or "" leaves it closed). A failure to listen is
// returned, so that the node fails to start and the binary exits 1.
func (n *Node) startAdmin(keys config.Keys, tun *tuntap.Adapter) error {
	s := admin.New(n.log)
	s.NeverSend(secretTexts(keys, n.cfg)...)
	if err := AddAdminHandlers(s, AdminParts{Core: n.Core, Tun: tun, Multicast: n.multicast, Log: n.log, Context: n.ctx}); err != nil {
		return err
	}
	if err := s.Start(n.cfg.AdminListen); err != nil {
		s.Stop()
		return err
	}
	n.admin = s
	return nil
}

// stopAdmin closes the admin socket and waits for its handlers to return;
// the node's other parts are still up while it does.
func (n *Node) stopAdmin() {
	if n.admin != nil {
		n.admin.Stop()
	}
}

// secretTexts are the private keys in every form a response could carry
// them: the config's own strings and canonical hex, lower and upper case,
// and the signing key's seed half on its own (it is the whole secret).
func secretTexts(keys config.Keys, cfg *config.NodeConfig) []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s, strings.ToLower(s), strings.ToUpper(s))
		}
	}
	add(hex.EncodeToString(keys.BoxPriv[:]))
	add(hex.EncodeToString(keys.SigPriv[:]))
	add(hex.EncodeToString(keys.SigPriv[:32]))
	if cfg != nil {
		add(cfg.EncryptionPrivateKey)
		add(cfg.SigningPrivateKey)
	}
	return out
}

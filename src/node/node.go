// Package node assembles a running node from a configuration: the core
// (links, switch, router), and around it the TUN adapter, the admin socket
// and multicast discovery. cmd/yggdrasil owns the process (flags, signals);
// this package owns the start-up order and the shutdown.
package node

import (
	"context"
	"fmt"
	"regexp"

	"github.com/yggmesh/ygg/src/admin"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/core"
	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/multicast"
	"github.com/yggmesh/ygg/src/tuntap"
	"github.com/yggmesh/ygg/src/version"
)

// Node is a started node.
type Node struct {
	Core  *core.Core
	log   *logging.Logger
	cfg   *config.NodeConfig // as started; a reload does not replace it
	admin *admin.Server      // the admin socket (not listening if AdminListen is none)
	tun   *tuntap.Adapter    // the TUN adapter (routing only if IfName is none)
	// multicast is peer discovery, idle while MulticastInterfaces is empty.
	multicast multicastModule
	// ctx is cancelled first thing in Stop, ending remote queries that
	// admin clients are waiting on, so they cannot hold up the shutdown.
	ctx    context.Context
	cancel context.CancelFunc
}

// multicastModule is what the node needs of multicast discovery.
type multicastModule interface {
	SetInterfaces(regexes []string) error
	Interfaces() []string
	Stop()
}

// Start brings a node up in the order of spec 03 §1.8. On error everything
// started so far is stopped again.
func Start(cfg *config.NodeConfig, keys config.Keys, log *logging.Logger) (*Node, error) {
	log.Infof("Starting up...")
	if name := version.Name(); name != "unknown" {
		log.Infof("Build name: %s", name)
	}
	if v := version.Version(); v != "unknown" {
		log.Infof("Build version: %s", v)
	}
	id := core.Identity{BoxPub: keys.BoxPub, BoxPriv: keys.BoxPriv, SigPub: keys.SigPub, SigPriv: keys.SigPriv}
	n := &Node{Core: core.New(id, core.Options{Logger: log}), log: log, cfg: cfg}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	if err := n.Core.Start(cfg); err != nil {
		return nil, fmt.Errorf("starting the node: %w", err)
	}
	tun, err := tuntap.Start(n.Core, tuntap.Options{
		IfName:        cfg.IfName,
		IfMTU:         uint64(cfg.IfMTU),
		TunnelRouting: cfg.TunnelRouting,
		Logger:        log,
	})
	if err != nil {
		// v0.3.16 crashes here; we stop cleanly and say why.
		log.Errorf("An error occurred starting TUN/TAP: %v", err)
		n.Core.Stop()
		return nil, fmt.Errorf("starting TUN/TAP: %w", err)
	}
	n.tun = tun
	if err := n.startMulticast(cfg); err != nil {
		n.tun.Stop()
		n.Core.Stop()
		return nil, err
	}
	// The admin handlers answer CKR requests from the TUN adapter.
	if err := n.startAdmin(keys, tun); err != nil {
		n.multicast.Stop()
		n.tun.Stop()
		n.Core.Stop()
		return nil, err
	}
	log.Infof("Your IPv6 address is %s", n.Core.Address())
	log.Infof("Your IPv6 subnet is %s", n.Core.Subnet())
	log.Infof("Startup complete")
	return n, nil
}

// Stop shuts the node down: admin socket, multicast, TUN, then links.
func (n *Node) Stop() {
	n.log.Infof("Stopping...")
	n.cancel()
	n.stopAdmin()
	n.multicast.Stop()
	n.tun.Stop()
	n.Core.Stop()
	n.log.Infof("Stopped")
}

// startMulticast makes the discovery module and starts it when
// MulticastInterfaces is not empty; a reload may start it later. An invalid
// regex is a configuration error (v0.3.16 crashes); a socket that cannot be
// opened only costs discovery.
func (n *Node) startMulticast(cfg *config.NodeConfig) error {
	for _, expr := range cfg.MulticastInterfaces {
		if _, err := regexp.Compile(expr); err != nil {
			return fmt.Errorf("MulticastInterfaces: %w", err)
		}
	}
	m := multicast.New(n.Core, multicast.Options{ListenPort: cfg.LinkLocalTCPPort, Logger: n.log})
	n.multicast = m
	if len(cfg.MulticastInterfaces) == 0 {
		return nil
	}
	n.log.Infof("Starting multicast module")
	if err := m.Start(cfg.MulticastInterfaces); err != nil {
		n.log.Errorf("An error occurred starting multicast: %v", err)
	}
	return nil
}

package node

// Reloading the configuration on SIGHUP (spec 03 §1.9). Everything that
// can change without a restart is applied in place, without touching
// unaffected peers or sessions; the keys cannot change, and settings that
// need a restart are reported.

import (
	"bytes"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/firewall"
	"github.com/yggmesh/ygg/src/nodeinfo"
)

// Reload applies cfg, the freshly read configuration file. A cfg whose keys
// differ from the running node's is refused entirely, with a log line: the
// node's identity cannot change while it runs (a file without key fields
// would otherwise give the node new random keys). Reload must not be
// called concurrently with Start or Stop.
func (n *Node) Reload(cfg *config.NodeConfig) {
	keys, err := cfg.Keys()
	if err != nil {
		n.log.Errorf("Reload refused: %v", err)
		return
	}
	if keys.BoxPub != n.Core.BoxPub() || keys.SigPub != n.Core.SigPub() {
		n.log.Errorf("Reload refused: the keys in the file differ from the running node's; restart to change keys")
		return
	}
	// The settings below need a restart, so they are compared with the
	// config the node started with, not the last file applied: a later
	// reload of a file that still differs warns again.
	old := n.cfg

	n.Core.SetPeers(cfg.Peers, cfg.InterfacePeers)
	if err := n.Core.SetListeners(cfg.Listen); err != nil {
		n.log.Errorf("Reloading listeners: %v", err)
	}
	n.Core.SetAllowedKeys(cfg.AllowedEncryptionPublicKeys)
	n.Core.SetFirewall(firewall.New(cfg.SessionFirewall))
	n.Core.SetMaxQueueSize(cfg.SwitchOptions.MaxTotalQueueSize)
	n.Core.SetLimits(cfg.Limits)
	n.tun.ReloadCKR(cfg.TunnelRouting)
	n.reloadNodeInfo(cfg)
	if err := n.multicast.SetInterfaces(cfg.MulticastInterfaces); err != nil {
		n.log.Errorf("Reloading MulticastInterfaces: %v", err)
	}

	for _, c := range []struct {
		name    string
		changed bool
	}{
		{"AdminListen", cfg.AdminListen != old.AdminListen},
		{"IfName", cfg.IfName != old.IfName},
		{"IfMTU", cfg.IfMTU != old.IfMTU},
		{"LinkLocalTCPPort", cfg.LinkLocalTCPPort != old.LinkLocalTCPPort},
	} {
		if c.changed {
			n.log.Warnf("%s changed in the configuration; the change takes effect on restart", c.name)
		}
	}
	n.log.Infof("Configuration reloaded")
}

func (n *Node) reloadNodeInfo(cfg *config.NodeConfig) {
	n.log.Printf("Reloading NodeInfo...")
	info, err := nodeinfo.Build(cfg.NodeInfoPrivacy, cfg.NodeInfo, nodeinfo.Current())
	if err != nil {
		n.log.Printf("Error reloading NodeInfo: %v", err)
		return
	}
	if !bytes.Equal(info, n.Core.OwnNodeInfo()) {
		n.Core.SetNodeInfo(info)
	}
	n.log.Printf("NodeInfo updated")
}

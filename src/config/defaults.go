package config

import (
	"runtime"

	"github.com/yggmesh/ygg/src/crypto"
)

// Defaults are the per-platform default values of spec 03 §2.1.
type Defaults struct {
	AdminListen         string   // default admin endpoint
	MulticastInterfaces []string // default multicast interface regexps
	IfName              string   // default TUN name ("none" where TUN is unsupported)
	MaxMTU              uint16   // largest TUN MTU; also the default IfMTU
	ConfigFile          string   // config file yggdrasilctl reads AdminListen from
}

// DefaultsFor gives the defaults for a GOOS value; unknown systems get the
// "other" column (TCP admin socket, no TUN).
func DefaultsFor(goos string) Defaults {
	d := Defaults{
		AdminListen:         "unix:///var/run/yggdrasil.sock",
		MulticastInterfaces: []string{".*"},
		IfName:              "auto",
		MaxMTU:              65535,
		ConfigFile:          "/etc/yggdrasil.conf",
	}
	switch goos {
	case "linux":
	case "darwin":
		d.MulticastInterfaces = []string{"en.*", "bridge.*"}
	case "freebsd":
		d.IfName = "/dev/tun0"
		d.MaxMTU = 32767
		d.ConfigFile = "/usr/local/etc/yggdrasil.conf"
	case "openbsd":
		d.IfName = "tun0"
		d.MaxMTU = 16384
	case "windows":
		d.AdminListen = "tcp://localhost:9001"
		d.IfName = "Yggdrasil"
		d.ConfigFile = `C:\Program Files\Yggdrasil\yggdrasil.conf`
	default:
		d.AdminListen = "tcp://localhost:9001"
		d.IfName = "none"
	}
	return d
}

// PlatformDefaults gives the defaults for the running system.
func PlatformDefaults() Defaults { return DefaultsFor(runtime.GOOS) }

// Generate makes a complete config with fresh random keys and this
// platform's defaults. The lists and maps a user is expected to fill in are
// empty but non-nil, while the firewall lists, the tunnel routing maps and
// lists and NodeInfo are nil, so that JSON output shows null for them exactly
// as the reference does.
func Generate() *NodeConfig {
	return generateFor(PlatformDefaults())
}

func generateFor(d Defaults) *NodeConfig {
	boxPub, boxPriv := crypto.NewBoxKeys()
	sigPub, sigPriv := crypto.NewSigKeys()
	return &NodeConfig{
		Peers:                       []string{},
		InterfacePeers:              map[string][]string{},
		Listen:                      []string{},
		AdminListen:                 d.AdminListen,
		MulticastInterfaces:         append([]string(nil), d.MulticastInterfaces...),
		AllowedEncryptionPublicKeys: []string{},
		EncryptionPublicKey:         boxPub.String(),
		EncryptionPrivateKey:        boxPriv.Hex(),
		SigningPublicKey:            sigPub.String(),
		SigningPrivateKey:           sigPriv.Hex(),
		LinkLocalTCPPort:            0,
		IfName:                      d.IfName,
		IfMTU:                       d.MaxMTU,
		SessionFirewall: SessionFirewall{
			AllowFromDirect:     true,
			AllowFromRemote:     true,
			AlwaysAllowOutbound: true,
		},
		SwitchOptions: SwitchOptions{MaxTotalQueueSize: 4 * 1024 * 1024},
		Limits:        DefaultLimits,
	}
}

// DefaultLimits are the Limits a generated config holds, sized so a small
// router (a few hundred MB of memory) stays up on a public network.
var DefaultLimits = Limits{
	MaxPendingLinks:          32,
	MaxPendingLinksPerSource: 4,
	MaxLinks:                 128,
	MaxLinksPerKey:           4,
	MaxSessions:              1024,
}

// Package config holds the node's configuration file: the v0.3.16 schema,
// generated defaults, the reading pipeline (BOM handling, HJSON, legacy-key
// migrations, case-insensitive strict overlay onto the defaults), key
// validation, and HJSON/JSON output for -genconf and -normaliseconf.
//
// The field order of NodeConfig is the output order, and the field names are
// the keys of the file, so neither may change. The comment tags are the texts
// written above each key in HJSON output.
package config

// NodeConfig is the whole configuration file, in file order.
type NodeConfig struct {
	Peers                       []string            `comment:"Peers to connect to, as URIs: tcp://host:port, tls://host:port or\nsocks://proxyhost:port/host:port. Add ?curve25519=<key> to accept only\nthat key. Link-local addresses belong in InterfacePeers instead."`
	InterfacePeers              map[string][]string `comment:"Peers to connect to through one network interface, as a map from the\ninterface name to a list of URIs, e.g. { eth0: [ tcp://[fe80::1]:7777 ] }.\nSOCKS URIs are not used here; put them in Peers."`
	Listen                      []string            `comment:"Addresses on which to accept peer connections, as tcp:// or tls://\nURIs, e.g. tcp://[::]:7777 or tls://0.0.0.0:0 (port 0 picks a free port).\nPeers found by multicast discovery do not need an entry here."`
	AdminListen                 string              `comment:"Where the admin socket for yggdrasilctl listens: unix:///path or\ntcp://host:port, or none to turn it off."`
	MulticastInterfaces         []string            `comment:"Regular expressions for the interfaces on which to find peers on the\nlocal network by multicast. An empty list turns discovery off."`
	AllowedEncryptionPublicKeys []string            `comment:"If not empty, only peers whose encryption public key (lowercase hex) is\nlisted may connect to the Listen addresses. Outgoing and link-local\npeerings are always allowed."`
	EncryptionPublicKey         string              `comment:"Public half of the encryption key pair. The IPv6 address is derived\nfrom it; others list it to allow or route to this node."`
	EncryptionPrivateKey        string              `comment:"Private half of the encryption key pair. Keep it secret."`
	SigningPublicKey            string              `comment:"Public half of the signing key pair."`
	SigningPrivateKey           string              `comment:"Private half of the signing key pair (seed followed by public key).\nKeep it secret."`
	LinkLocalTCPPort            uint16              `comment:"TCP port of the link-local listeners opened on MulticastInterfaces.\n0 picks a free port. A change takes effect on restart only."`
	IfName                      string              `comment:"Name of the TUN interface, auto to let the system pick one, or none to\nrun without TUN."`
	IfMTU                       uint16              `comment:"MTU of the TUN interface, clamped to between 1280 and the platform\nmaximum (the default)."`
	SessionFirewall             SessionFirewall     `comment:"Decides which nodes may open sessions with this node, checked in this\norder: blacklist, whitelist, sessions this node starts, direct peers,\nother nodes. Traffic only passing through this node is not affected."`
	TunnelRouting               TunnelRouting       `comment:"Crypto-key routing: carry other IPv4 and IPv6 networks over the mesh,\nlike a VPN, by mapping subnets to the keys of the nodes that serve them."`
	SwitchOptions               SwitchOptions       `comment:"Switch tuning. Normally left alone."`
	Limits                      Limits              `comment:"Caps that keep a node on a public network safe from peers that open too\nmany connections or sessions. v0.3.16 has none and ignores this section."`
	NodeInfoPrivacy             bool                `comment:"Leave the built-in entries (build name, version, platform and\narchitecture) out of NodeInfo, so only the entries below are shared."`
	NodeInfo                    map[string]any      `comment:"Extra information, as an object, that any node on the network may ask\nthis node for. Setting a built-in entry to null removes it."`
}

// SessionFirewall is the SessionFirewall section.
type SessionFirewall struct {
	Enable                        bool     `comment:"Turn the session firewall on. While it is off, every session is allowed."`
	AllowFromDirect               bool     `comment:"Allow sessions from nodes that are peered directly with this one."`
	AllowFromRemote               bool     `comment:"Allow sessions from nodes that are not direct peers."`
	AlwaysAllowOutbound           bool     `comment:"Allow sessions that this node starts, whatever the two rules above say."`
	WhitelistEncryptionPublicKeys []string `comment:"Encryption public keys (hex) whose sessions are always allowed unless\nthey are also blacklisted."`
	BlacklistEncryptionPublicKeys []string `comment:"Encryption public keys (hex) whose sessions are always refused."`
}

// TunnelRouting is the TunnelRouting (crypto-key routing) section.
type TunnelRouting struct {
	Enable            bool              `comment:"Turn tunnel routing on."`
	IPv6RemoteSubnets map[string]string `comment:"IPv6 subnets served by other nodes, each mapped to the encryption\npublic key of the node that serves it."`
	IPv6LocalSubnets  []string          `comment:"IPv6 subnets on this node's side of the tunnels. Only traffic from\nthese is tunnelled."`
	IPv4RemoteSubnets map[string]string `comment:"IPv4 subnets served by other nodes, each mapped to the encryption\npublic key of the node that serves it."`
	IPv4LocalSubnets  []string          `comment:"IPv4 subnets on this node's side of the tunnels. Only traffic from\nthese is tunnelled."`
}

// Limits is the Limits section, ours: v0.3.16 ignores it. Zero takes the
// default of each field.
type Limits struct {
	MaxPendingLinks          uint32 `comment:"Incoming connections still in their handshake, on all listeners together;\nmore are refused at once."`
	MaxPendingLinksPerSource uint32 `comment:"Of those, from one IPv4 address or one IPv6 /64."`
	MaxLinks                 uint32 `comment:"Links up at once. Links made by calls to the configured Peers and\nInterfacePeers are always allowed and do not count."`
	MaxLinksPerKey           uint32 `comment:"Links up at once with one remote node (one key), configured peers aside."`
	MaxSessions              uint32 `comment:"End-to-end sessions with other nodes; sessions this node opens are\nalways allowed."`
}

// SwitchOptions is the SwitchOptions section. v0.3.16 reads it but never
// uses it; we bound the switch queues with it.
type SwitchOptions struct {
	MaxTotalQueueSize uint64 `comment:"Upper bound, in bytes, for the data waiting in all switch queues\ntogether; over it, the busiest flow loses its oldest packets first."`
}

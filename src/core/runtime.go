package core

// Run-time changes to what the config set: configured peers and the
// allowed-keys list. The admin socket and config reloads use these; the
// changes are not written back to any file.

import (
	"errors"
	"net"
	"slices"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/transport"
)

// ErrPeerExists is returned by AddPeer for a URI that is already configured.
var ErrPeerExists = errors.New("peer already configured")

// AddPeer calls uri once now (bound to iface if not empty) and adds it to
// the configured peers, which are called again after every drop. An invalid
// URI, or one already configured, is an error; the call is made either way
// if the URI is valid, as in v0.3.16.
func (c *Core) AddPeer(uri, iface string) error {
	if _, err := transport.ParsePeerURI(uri); err != nil {
		return err
	}
	var err error
	actor.Block(c.links, func() { err = c.links._addPeer(uri, iface) })
	return err
}

// RemovePeer removes uri from the configured peers and closes every link
// whose name (the getPeers endpoint, e.g. tcp://1.2.3.4:5) is exactly uri.
func (c *Core) RemovePeer(uri, iface string) {
	actor.Block(c.links, func() { c.links._removePeer(uri, iface) })
}

// ConfiguredPeers returns the configured peers and interface peers.
func (c *Core) ConfiguredPeers() (peers []string, ifacePeers map[string][]string) {
	actor.Block(c.links, func() {
		peers = slices.Clone(c.links.peers)
		ifacePeers = cloneIfacePeers(c.links.ifacePeers)
	})
	return
}

// SetPeers replaces the configured peers (a config reload): new ones are
// called now, and links made by calls to peers no longer listed are closed.
// (v0.3.16 leaves those up and merely stops calling them again.)
func (c *Core) SetPeers(peers []string, ifacePeers map[string][]string) {
	actor.Block(c.links, func() {
		old := c.links.configured
		c.links.peers = slices.Clone(peers)
		c.links.ifacePeers = cloneIfacePeers(ifacePeers)
		c.links._indexConfigured()
		for name := range old {
			if _, kept := c.links.configured[name]; !kept {
				c.links._disconnectCall(name)
			}
		}
		c.links._callAll()
	})
}

// SetListeners opens the listeners in uris that are not open and closes
// those not in uris (a config reload); errors are returned together, and
// the other listeners are still applied.
func (c *Core) SetListeners(uris []string) error {
	var errs []error
	actor.Block(c.links, func() {
		for uri := range c.links.listeners {
			if !slices.Contains(uris, uri) && !c.links.ephemeral[uri] {
				if err := c.links._closeListener(uri); err != nil {
					errs = append(errs, err)
				}
			}
		}
		for _, uri := range uris {
			if c.links.listeners[uri] == nil {
				if _, err := c.links._listen(uri); err != nil {
					errs = append(errs, err)
				}
			}
		}
	})
	return errors.Join(errs...)
}

// AllowedKeys returns AllowedEncryptionPublicKeys as it stands (nil if the
// config held null).
func (c *Core) AllowedKeys() []string {
	var keys []string
	actor.Block(c.links, func() { keys = slices.Clone(c.links.allowed) })
	return keys
}

// SetAllowedKeys replaces AllowedEncryptionPublicKeys for new inbound links.
func (c *Core) SetAllowedKeys(keys []string) {
	actor.Block(c.links, func() { c.links.allowed = slices.Clone(keys) })
}

// AddAllowedKey appends key to AllowedEncryptionPublicKeys, verbatim.
func (c *Core) AddAllowedKey(key string) {
	actor.Block(c.links, func() { c.links.allowed = append(c.links.allowed, key) })
}

// RemoveAllowedKey removes every entry equal to key.
func (c *Core) RemoveAllowedKey(key string) {
	actor.Block(c.links, func() {
		c.links.allowed = slices.DeleteFunc(c.links.allowed, func(k string) bool { return k == key })
	})
}

func (ls *links) _addPeer(uri, iface string) error {
	if err := ls._call(uri, iface); err != nil {
		return err
	}
	if iface == "" {
		if slices.Contains(ls.peers, uri) {
			return ErrPeerExists
		}
		ls.peers = append(ls.peers, uri)
	} else {
		if slices.Contains(ls.ifacePeers[iface], uri) {
			return ErrPeerExists
		}
		ls.ifacePeers[iface] = append(ls.ifacePeers[iface], uri)
	}
	ls._indexConfigured()
	return nil
}

func (ls *links) _removePeer(uri, iface string) {
	if iface == "" {
		if i := slices.Index(ls.peers, uri); i >= 0 {
			ls.peers = slices.Delete(ls.peers, i, i+1)
		}
	} else if list := ls.ifacePeers[iface]; list != nil {
		if i := slices.Index(list, uri); i >= 0 {
			ls.ifacePeers[iface] = slices.Delete(list, i, i+1)
		}
	}
	ls._indexConfigured()
	ls._disconnectByName(uri)
}

// ListenAsync is Listen for callers that are actors themselves and so must
// not block: cb runs, inside the core, once the listener is open or failed.
func (c *Core) ListenAsync(uri string, cb func(net.Addr, error)) {
	c.links.Act(nil, func() {
		addr, err := c.links._listen(uri)
		if err == nil {
			c.links.ephemeral[uri] = true
		}
		cb(addr, err)
	})
}

// CloseListenerAsync is CloseListener for actors; cb (if not nil) runs
// inside the core when it is done.
func (c *Core) CloseListenerAsync(uri string, cb func(error)) {
	c.links.Act(nil, func() {
		err := c.links._closeListener(uri)
		if cb != nil {
			cb(err)
		}
	})
}

// CallPeerAsync is CallPeer for actors; cb (if not nil) runs inside the
// core once the call has started or failed to.
func (c *Core) CallPeerAsync(uri, iface string, cb func(error)) {
	c.links.Act(nil, func() {
		err := c.links._call(uri, iface)
		if cb != nil {
			cb(err)
		}
	})
}

// SetLimits applies a new Limits section (a config reload): the admission
// caps at once, the link and session caps to links and sessions made from
// now on.
func (c *Core) SetLimits(l config.Limits) {
	c.gate.SetCaps(int(l.MaxPendingLinks), int(l.MaxPendingLinksPerSource))
	actor.Block(c.links, func() { c.links.limits = l })
	actor.Block(c.router, func() { c.router._setLimits(l) })
}

// SetMaxQueueSize changes SwitchOptions.MaxTotalQueueSize, the bound on
// bulk bytes queued on all switch ports together (0: the default, 4 MiB).
func (c *Core) SetMaxQueueSize(n uint64) {
	actor.Block(c.sw, func() { c.sw._setMaxQueued(int(min(n, 1<<40))) })
}

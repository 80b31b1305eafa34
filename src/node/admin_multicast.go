package node

// The multicast module's admin handler (spec 03 §5.4). The node passes its
// discovery module, which lists no interfaces while discovery is off; the
// answer is then null, as in v0.3.16.

import "github.com/yggmesh/ygg/src/admin"

// MulticastInterfaces is what the admin socket needs of multicast
// discovery.
type MulticastInterfaces interface {
	// Interfaces names the interfaces discovery is active on right now,
	// in any order.
	Interfaces() []string
}

func multicastHandlers(m MulticastInterfaces) []adminHandler {
	return []adminHandler{
		{"getMulticastInterfaces", nil, func(admin.Info) (admin.Info, error) {
			var names []string
			if m != nil {
				names = m.Interfaces()
			}
			if len(names) == 0 {
				// null, not []: yggdrasilctl prints "No multicast
				// interfaces found" only for null.
				names = nil
			}
			return admin.Info{"multicast_interfaces": names}, nil
		}},
	}
}

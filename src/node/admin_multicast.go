package node

// The multicast module's admin handler (spec 03 §5.4). Multicast discovery
// is not built yet; its module will satisfy MulticastInterfaces, and until
// then the node passes nil and the answer is null, as v0.3.16 gives with
// discovery off.

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

package ckr

import (
	"slices"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/logging"
)

// Load replaces the whole state with the config's TunnelRouting section,
// as start-up and reload do. Bad entries are logged and skipped; the log
// line names the config key the entry came from, even though the entry's
// own CIDR decides its family.
func (s *State) Load(tr config.TunnelRouting) {
	s.replace(&Table{enabled: tr.Enable})
	s.addLocals("IPv6", tr.IPv6LocalSubnets)
	s.addRemotes("IPv6", tr.IPv6RemoteSubnets)
	s.addLocals("IPv4", tr.IPv4LocalSubnets)
	s.addRemotes("IPv4", tr.IPv4RemoteSubnets)
}

// FromConfig builds a state from the config's TunnelRouting section.
func FromConfig(tr config.TunnelRouting, log *logging.Logger) *State {
	s := New(log)
	s.Load(tr)
	return s
}

func (s *State) addLocals(fam string, cidrs []string) {
	for _, c := range cidrs {
		if err := s.AddLocalSubnet(c); err != nil {
			s.log.Errorf("Error adding CKR %s local subnet: %v", fam, err)
		}
	}
}

func (s *State) addRemotes(fam string, routes map[string]string) {
	// Sorted so that start-up logs and duplicate handling do not depend on
	// map order.
	cidrs := make([]string, 0, len(routes))
	for c := range routes {
		cidrs = append(cidrs, c)
	}
	slices.Sort(cidrs)
	for _, c := range cidrs {
		if err := s.AddRemoteSubnet(c, routes[c]); err != nil {
			s.log.Errorf("Error adding CKR %s remote subnet: %v", fam, err)
		}
	}
}

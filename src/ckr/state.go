package ckr

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/logging"
)

// cacheSize bounds each family's lookup cache (spec 03 §3.10).
const cacheSize = 1024

// State is the owner's handle on the routing state: it makes changes and
// caches lookups. It is not safe for concurrent use; share Table snapshots
// instead.
type State struct {
	log   *logging.Logger
	t     *Table
	cache [2]map[netip.Addr]*Route // nil value caches a miss
}

// New returns an empty, disabled state that logs additions to log (nil
// for none).
func New(log *logging.Logger) *State {
	if log == nil {
		log = logging.Discard()
	}
	s := &State{log: log, t: &Table{}}
	s.clearCache()
	return s
}

// Table returns the current snapshot. It never changes once returned.
func (s *State) Table() *Table { return s.t }

// Enabled reports whether crypto-key routing is on.
func (s *State) Enabled() bool { return s.t.enabled }

// SetEnabled switches crypto-key routing on or off, keeping every route and
// local subnet.
func (s *State) SetEnabled(on bool) {
	if s.t.enabled == on {
		return
	}
	t := *s.t
	t.enabled = on
	s.t = &t
}

// Route is Table.Route through the cache. A result stays valid until the
// next change.
func (s *State) Route(ip []byte) (*Route, bool) {
	a, fam, ok := addrOf(ip)
	if !ok || (fam == v6 && ip[0] == address.AddrPrefix) || len(s.t.routes[fam]) == 0 {
		return nil, false
	}
	c := s.cache[fam]
	if r, hit := c[a]; hit {
		return r, r != nil
	}
	r, found := s.t.route(a, fam)
	if len(c) >= cacheSize {
		// Evicting an arbitrary entry keeps the bound without a second
		// structure; the cache only saves a scan of the route list.
		for k := range c {
			delete(c, k)
			break
		}
	}
	c[a] = r
	return r, found
}

// IsLocal reports whether ip lies in a local subnet.
func (s *State) IsLocal(ip []byte) bool { return s.t.IsLocal(ip) }

// AddRemoteSubnet routes cidr to the node whose box public key is keyHex.
// Errors carry the reference's texts.
func (s *State) AddRemoteSubnet(cidr, keyHex string) error {
	p, err := parseCIDR(cidr)
	if err != nil {
		return err
	}
	if p.fam == v6 && (p.written[0] == address.AddrPrefix || p.prefix.Addr().As16()[0] == address.SubnetPrefix) {
		return errors.New("can't specify Yggdrasil destination as crypto-key route")
	}
	for _, r := range s.t.routes[p.fam] {
		if r.Prefix == p.prefix {
			return fmt.Errorf("remote subnet already exists for %s", cidr)
		}
	}
	key, err := parseKey(keyHex)
	if err != nil {
		return err
	}
	r := Route{Prefix: p.prefix, CIDR: p.cidr, Key: key,
		Addr: address.ForKey(&key), Subnet: address.SubnetForKey(&key)}
	t := *s.t
	rs := append(slices.Clone(t.routes[p.fam]), r)
	// Most specific first; a stable sort keeps equal lengths in insertion order.
	slices.SortStableFunc(rs, func(a, b Route) int { return b.Prefix.Bits() - a.Prefix.Bits() })
	t.routes[p.fam] = rs
	s.replace(&t)
	s.log.Infof("Added CKR remote subnet %s", cidr)
	return nil
}

// RemoveRemoteSubnet removes the route for cidr, which must point at keyHex.
func (s *State) RemoveRemoteSubnet(cidr, keyHex string) error {
	p, err := parseCIDR(cidr)
	if err != nil {
		return err
	}
	keyBytes, err := hex.DecodeString(keyHex)
	if err != nil {
		return err
	}
	for i, r := range s.t.routes[p.fam] {
		if r.Prefix == p.prefix && string(r.Key[:]) == string(keyBytes) {
			t := *s.t
			t.routes[p.fam] = slices.Delete(slices.Clone(t.routes[p.fam]), i, i+1)
			s.replace(&t)
			return nil
		}
	}
	return fmt.Errorf("route does not exists for %s", cidr)
}

// AddLocalSubnet marks cidr as being on this node's side of the tunnels.
func (s *State) AddLocalSubnet(cidr string) error {
	p, err := parseCIDR(cidr)
	if err != nil {
		return err
	}
	for _, l := range s.t.locals[p.fam] {
		if l.prefix == p.prefix {
			return errors.New("local subnet already configured")
		}
	}
	t := *s.t
	t.locals[p.fam] = append(slices.Clone(t.locals[p.fam]), local{prefix: p.prefix, cidr: p.cidr})
	s.replace(&t)
	s.log.Infof("Added CKR local subnet %s", cidr)
	return nil
}

// RemoveLocalSubnet removes the local subnet cidr.
func (s *State) RemoveLocalSubnet(cidr string) error {
	p, err := parseCIDR(cidr)
	if err != nil {
		return err
	}
	for i, l := range s.t.locals[p.fam] {
		if l.prefix == p.prefix {
			t := *s.t
			t.locals[p.fam] = slices.Delete(slices.Clone(t.locals[p.fam]), i, i+1)
			s.replace(&t)
			return nil
		}
	}
	return errors.New("local subnet not found")
}

// replace publishes a new table; cached lookups may be stale, so they go.
func (s *State) replace(t *Table) {
	s.t = t
	s.clearCache()
}

func (s *State) clearCache() {
	s.cache[v4] = make(map[netip.Addr]*Route)
	s.cache[v6] = make(map[netip.Addr]*Route)
}

// parsed is a CIDR read the way the reference reads it.
type parsed struct {
	written net.IP       // the address as written (16-byte form)
	prefix  netip.Prefix // network, host bits masked
	cidr    string       // network in net.IPNet's text form
	fam     int
}

// parseCIDR uses net.ParseCIDR so errors and accepted forms match the
// reference; the family comes from the mask length, not from which config
// key the entry was under.
func parseCIDR(cidr string) (parsed, error) {
	ip, ipnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return parsed{}, err
	}
	ones, bits := ipnet.Mask.Size()
	var fam int
	switch bits {
	case 8 * net.IPv4len:
		fam = v4
	case 8 * net.IPv6len:
		fam = v6
	default:
		return parsed{}, errors.New("unexpected prefix size")
	}
	a, ok := netip.AddrFromSlice(ipnet.IP)
	if !ok || (fam == v4) != a.Is4() {
		return parsed{}, errors.New("unexpected prefix size")
	}
	return parsed{written: ip.To16(), prefix: netip.PrefixFrom(a, ones), cidr: ipnet.String(), fam: fam}, nil
}

func parseKey(keyHex string) (crypto.BoxPubKey, error) {
	var k crypto.BoxPubKey
	b, err := hex.DecodeString(keyHex)
	if err != nil {
		return k, err
	}
	if len(b) != len(k) {
		return k, fmt.Errorf("incorrect key length for %s", keyHex)
	}
	copy(k[:], b)
	return k, nil
}

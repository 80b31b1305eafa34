package config

// migrate rewrites keys from older config versions in the generic map, before
// the schema is applied. As in the reference, these names are matched
// exactly (case-sensitively), and where an old and a new key are both
// present the old key's value wins.
func migrate(m map[string]any) {
	if s, ok := m["Listen"].(string); ok {
		m["Listen"] = []any{s}
	}
	tr, ok := m["TunnelRouting"].(map[string]any)
	if !ok {
		return
	}
	for old, name := range map[string]string{
		"IPv4Sources":      "IPv4LocalSubnets",
		"IPv6Sources":      "IPv6LocalSubnets",
		"IPv4Destinations": "IPv4RemoteSubnets",
		"IPv6Destinations": "IPv6RemoteSubnets",
	} {
		if v, ok := tr[old]; ok {
			tr[name] = v
			delete(tr, old)
		}
	}
}

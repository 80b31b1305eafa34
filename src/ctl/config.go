package ctl

import "github.com/yggmesh/ygg/src/config"

// parseGenericConfig reads a config file's bytes into a generic map exactly
// as the node reads its config (BOM handling, HJSON), so the two cannot
// drift apart. A file the node would refuse (including one holding only
// null, which v0.3.16's yggdrasilctl reads as "no AdminListen") is an error.
func parseGenericConfig(data []byte) (map[string]any, error) {
	return config.ParseGenericMap(data)
}

package ctl

import "github.com/yggmesh/ygg/src/version"

// buildName and buildVersion report this build for -version; the node and
// yggdrasilctl are stamped by the same -ldflags.
func buildName() string    { return version.Name() }
func buildVersion() string { return version.Version() }

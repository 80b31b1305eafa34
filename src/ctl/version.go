package ctl

// buildName and buildVersion report this build for -version; "unknown" is
// what v0.3.16 prints for an unstamped build.
//
// TODO: return version.Name() and version.Version() once src/version
// exists, so the node and yggdrasilctl are stamped by the same -ldflags.
func buildName() string    { return "unknown" }
func buildVersion() string { return "unknown" }

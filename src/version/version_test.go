package version

import "testing"

// A test binary is built without -X flags, so both values must be the
// reference's "unknown"; stamped values are checked by cmd/yggdrasil's
// build-and-run test.
func TestUnstampedDefaults(t *testing.T) {
	if Name() != "unknown" || Version() != "unknown" {
		t.Fatalf("unstamped build reports %q %q, want unknown unknown", Name(), Version())
	}
}

// Package nodeinfo builds the JSON object this node returns to NodeInfo
// requests (spec 03 §2.7, spec 02 §7.5): the built-in build keys, unless
// privacy is on, merged with the user's NodeInfo config.
//
// The result is plain bytes; the router sends them as they are and the admin
// socket embeds them, so the node builds them once at start-up and on reload.
package nodeinfo

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"

	"github.com/yggmesh/ygg/src/version"
)

// MaxLen is the longest NodeInfo, in bytes, that a node will serve.
const MaxLen = 16384

// ErrTooLong is returned by Build when the serialised NodeInfo exceeds MaxLen.
// Its text is the one the reference logs on reload.
var ErrTooLong = fmt.Errorf("NodeInfo exceeds max length of %d bytes", MaxLen)

// The built-in keys, which the user's NodeInfo may remove but not change.
const (
	keyName     = "buildname"
	keyVersion  = "buildversion"
	keyPlatform = "buildplatform"
	keyArch     = "buildarch"
)

// BuildInfo is what the built-in keys report about the running binary.
type BuildInfo struct {
	Name     string // build name, e.g. "yggdrasil"
	Version  string // build version, e.g. "0.3.16"
	Platform string // Go GOOS, e.g. "linux"
	Arch     string // Go GOARCH, e.g. "amd64"
}

// Current describes this binary: the stamped build name and version and the
// platform it was compiled for.
func Current() BuildInfo {
	return BuildInfo{
		Name:     version.Name(),
		Version:  version.Version(),
		Platform: runtime.GOOS,
		Arch:     runtime.GOARCH,
	}
}

// Build serialises the node's NodeInfo as compact JSON with sorted keys.
//
// Unless privacy is set it starts from the four built-in keys. A user entry
// named like a built-in key never replaces its value, but a null value or the
// string "null" in any case removes it; every other user entry is copied as
// it is. An empty result is "{}". A result longer than MaxLen is refused with
// ErrTooLong, and a value that JSON cannot represent (such as NaN) with the
// encoder's error.
func Build(privacy bool, user map[string]any, info BuildInfo) ([]byte, error) {
	out := make(map[string]any, len(user)+4)
	if !privacy {
		out[keyName] = info.Name
		out[keyVersion] = info.Version
		out[keyPlatform] = info.Platform
		out[keyArch] = info.Arch
	}
	for k, v := range user {
		if !isBuiltIn(k) {
			out[k] = v
			continue
		}
		if isNull(v) {
			delete(out, k)
		}
	}
	// encoding/json sorts map keys at every level and escapes <, > and & as
	// \u003c and so on, which is what the reference sends.
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("NodeInfo cannot be encoded as JSON: %w", err)
	}
	if len(b) > MaxLen {
		return nil, ErrTooLong
	}
	return b, nil
}

func isBuiltIn(k string) bool {
	return k == keyName || k == keyVersion || k == keyPlatform || k == keyArch
}

func isNull(v any) bool {
	if v == nil {
		return true
	}
	s, ok := v.(string)
	return ok && strings.EqualFold(s, "null")
}

package config

import (
	"encoding/json"
	"reflect"
)

// MarshalHJSON writes the config as commented HJSON, the default output of
// -genconf and -normaliseconf: each key preceded by its comment and a blank
// line between keys, non-empty lists and objects opening on their own line,
// empty or nil ones written inline as [] and {}, strings quoted only where a
// bare string would be misread. The text ends with a newline.
func (c *NodeConfig) MarshalHJSON() ([]byte, error) {
	var w hjsonWriter
	w.value(0, reflect.ValueOf(c).Elem(), false)
	w.WriteByte('\n')
	return w.Bytes(), nil
}

// MarshalIndentJSON writes the config as JSON, the -json output: two-space
// indent, schema order, nil lists and maps as null, followed by a newline.
// (It is not named MarshalJSON because encoding/json would then call it
// instead of walking the struct.)
func (c *NodeConfig) MarshalIndentJSON() ([]byte, error) {
	out, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

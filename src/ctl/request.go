package ctl

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// buildRequest turns the command line after the options into the request
// object (spec 03 §6.3). args[0] is the handler name, sent verbatim. Each
// further argument is
//   - "key": the boolean true;
//   - "key=value" with exactly one '=': an integer if value is a base-10
//     integer that fits an int, else a boolean if it is true/false in any
//     case, else the string value;
//   - "key=a=b": the string after the first '=', never converted, so URIs
//     with query parameters arrive intact.
//
// The typing is what v0.3.16 users' scripts rely on, quirks included:
// coords=1 becomes a number and nocache=true a boolean, both of which the
// node then rejects. Later arguments overwrite earlier ones with the same
// key. The diagnostics record what is sent.
func buildRequest(args []string, diag *diagLog) map[string]any {
	req := make(map[string]any, len(args))
	if len(args) == 0 {
		return req
	}
	diag.printf("Sending request: %v", args[0])
	req["request"] = args[0]
	for _, arg := range args[1:] {
		key, value, found := strings.Cut(arg, "=")
		if found {
			// A value holding a further '=' is never a number or a
			// boolean, so it stays a string as the rule requires.
			req[key] = typedValue(value)
		} else {
			req[key] = true
		}
		diag.printf("Sending parameter %s: %v", key, req[key])
	}
	return req
}

// typedValue applies the single-'=' conversion rule to a value.
func typedValue(value string) any {
	if n, err := strconv.Atoi(value); err == nil {
		return n
	}
	switch strings.ToLower(value) {
	case "true":
		return true
	case "false":
		return false
	}
	return value
}

// encodeRequest gives the bytes sent to the node: compact JSON with sorted
// keys (Go's map encoding), newline-terminated, exactly as v0.3.16 sends it.
func encodeRequest(req map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(req); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

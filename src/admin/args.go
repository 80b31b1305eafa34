package admin

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrBadInput is the error for a request with a value of the wrong JSON
// type. A handler returning it (or an error wrapping it) makes the server
// answer {"error":"Check your syntax and input types","status":"error"} and
// close the connection, which is what v0.3.16 clients see when the reference
// recovers from its failed type assertion.
var ErrBadInput = errors.New("Check your syntax and input types")

// badType says which argument was wrong; the detail goes to the debug log
// only, the client always sees ErrBadInput's text.
func badType(key, want string, got any) error {
	return fmt.Errorf("%w: argument %q is %s, want %s", ErrBadInput, key, jsonKind(got), want)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any, Info:
		return "an object"
	default:
		return fmt.Sprintf("a %T", v)
	}
}

// GetString returns the string argument key. Absent, null or any other type
// is ErrBadInput.
func (r Info) GetString(key string) (string, error) {
	v, ok := r[key]
	s, isStr := v.(string)
	if !ok || !isStr {
		return "", badType(key, "a string", v)
	}
	return s, nil
}

// GetOptionalString returns the string argument key and whether it was
// present. Present with any other type (null included) is ErrBadInput, as an
// optional argument like addPeer's "interface" is in the reference.
func (r Info) GetOptionalString(key string) (string, bool, error) {
	v, ok := r[key]
	if !ok {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", true, badType(key, "a string", v)
	}
	return s, true, nil
}

// GetBool returns the boolean argument key. Absent or any other type
// (including the string "true") is ErrBadInput.
func (r Info) GetBool(key string) (bool, error) {
	v, ok := r[key]
	b, isBool := v.(bool)
	if !ok || !isBool {
		return false, badType(key, "a boolean", v)
	}
	return b, nil
}

// IsTrue reports whether key is the JSON boolean true; anything else,
// including absence and the string "true", is false. setTunnelRouting
// reads "enabled" this way.
func (r Info) IsTrue(key string) bool {
	b, _ := r[key].(bool)
	return b
}

// GetInt64 reads key as a base-10 signed 64-bit integer from a JSON number
// or a numeric string, the way disconnectPeer reads "port": the value is
// first formatted as Go's default text form (so 5 is "5", 1.5 is "1.5",
// null is "<nil>") and then parsed. A parse failure is returned as the
// strconv error, whose text (e.g. `strconv.ParseInt: parsing "abc": invalid
// syntax`) is what the handler reports; it is not ErrBadInput.
func (r Info) GetInt64(key string) (int64, error) {
	return strconv.ParseInt(fmt.Sprint(r[key]), 10, 64)
}

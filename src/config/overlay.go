package config

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
)

// overlay writes the generic map m onto cfg, field by field, with the rules
// of spec 03 §1.5:
//   - names match case-insensitively (an exact match wins; otherwise the
//     last matching key in byte order, so the result never depends on map
//     order); unknown keys are ignored;
//   - nested objects merge into the defaults field by field;
//   - an explicit null keeps the default of a string, boolean, number or
//     nested object, and empties (nils) a list or map;
//   - types are strict: no string "true" for a boolean, no number for a
//     string. Integers take any non-negative number, dropping the fraction
//     and wrapping modulo 2^16 for the uint16 fields, as the reference does.
//
// Walking the schema by reflection, rather than round-tripping through
// encoding/json, keeps the error text under our control (one line, naming
// the key path) and makes lists and maps replace rather than merge.
func overlay(cfg *NodeConfig, m map[string]any) error {
	return decodeStruct("", m, reflect.ValueOf(cfg).Elem())
}

func decodeStruct(path string, m map[string]any, dst reflect.Value) error {
	t := dst.Type()
	for i := range t.NumField() {
		name := t.Field(i).Name
		v, ok := lookup(m, name)
		if !ok {
			continue
		}
		p := name
		if path != "" {
			p = path + "." + name
		}
		if err := decodeValue(p, v, dst.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

// lookup finds the value for a field name in m, case-insensitively.
func lookup(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	best, found := "", false
	for k := range m {
		if strings.EqualFold(k, name) && (!found || k > best) {
			best, found = k, true
		}
	}
	return m[best], found
}

func decodeValue(path string, v any, dst reflect.Value) error {
	if v == nil {
		if k := dst.Kind(); k == reflect.Slice || k == reflect.Map {
			dst.SetZero()
		}
		return nil
	}
	switch dst.Kind() {
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return typeError(path, dst.Type(), v)
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return typeError(path, dst.Type(), v)
		}
		dst.SetBool(b)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f, ok := v.(float64)
		if !ok {
			return typeError(path, dst.Type(), v)
		}
		n, err := toUint(f, dst.Type().Bits())
		if err != nil {
			return fmt.Errorf("config: %s: %v", path, err)
		}
		dst.SetUint(n)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return typeError(path, dst.Type(), v)
		}
		return decodeStruct(path, m, dst)
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return typeError(path, dst.Type(), v)
		}
		out := reflect.MakeSlice(dst.Type(), len(list), len(list))
		for i, e := range list {
			if err := decodeValue(fmt.Sprintf("%s[%d]", path, i), e, out.Index(i)); err != nil {
				return err
			}
		}
		dst.Set(out)
	case reflect.Map:
		return decodeMap(path, v, dst)
	default:
		// Only reachable if the schema gains a field of a new kind.
		return fmt.Errorf("config: %s: unsupported field type %s", path, dst.Type())
	}
	return nil
}

func decodeMap(path string, v any, dst reflect.Value) error {
	m, ok := v.(map[string]any)
	if !ok {
		return typeError(path, dst.Type(), v)
	}
	elem := dst.Type().Elem()
	if elem.Kind() == reflect.Interface {
		// Free-form (NodeInfo): any JSON value is allowed.
		dst.Set(reflect.ValueOf(m))
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the first bad entry the same way every time
	out := reflect.MakeMapWithSize(dst.Type(), len(m))
	for _, k := range keys {
		ev := reflect.New(elem).Elem()
		if err := decodeValue(fmt.Sprintf("%s[%q]", path, k), m[k], ev); err != nil {
			return err
		}
		out.SetMapIndex(reflect.ValueOf(k), ev)
	}
	dst.Set(out)
	return nil
}

// toUint converts a JSON number to an unsigned field of the given width.
func toUint(f float64, bits int) (uint64, error) {
	if f < 0 {
		return 0, fmt.Errorf("negative number %v", f)
	}
	f = math.Trunc(f)
	if bits < 64 {
		return uint64(math.Mod(f, math.Ldexp(1, bits))), nil
	}
	if f >= math.Ldexp(1, 64) {
		return 0, fmt.Errorf("number %v is too large", f)
	}
	return uint64(f), nil
}

func typeError(path string, want reflect.Type, got any) error {
	return fmt.Errorf("config: %s: expected %s, got %s", path, describe(want, false), kindOf(got))
}

// describe names a schema type for error messages ("a list of strings").
func describe(t reflect.Type, plural bool) string {
	var one, many string
	switch t.Kind() {
	case reflect.String:
		one, many = "a string", "strings"
	case reflect.Bool:
		one, many = "a boolean (true or false)", "booleans"
	case reflect.Slice:
		inner := describe(t.Elem(), true)
		one, many = "a list of "+inner, "lists of "+inner
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			one, many = "an object", "objects"
		} else {
			inner := describe(t.Elem(), true)
			one, many = "an object of "+inner, "objects of "+inner
		}
	case reflect.Struct:
		one, many = "an object", "objects"
	default:
		one, many = "a number", "numbers"
	}
	if plural {
		return many
	}
	return one
}

// kindOf names the JSON kind of a decoded value.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

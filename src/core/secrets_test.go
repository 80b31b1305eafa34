package core

import (
	"reflect"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

// secretTypes hold key material. They redact themselves when fmt can call
// their methods, which it cannot for unexported fields: there fmt prints
// the raw bytes.
var secretTypes = []reflect.Type{
	reflect.TypeFor[crypto.BoxPrivKey](),
	reflect.TypeFor[crypto.SigPrivKey](),
	reflect.TypeFor[crypto.BoxSharedKey](),
}

// secretInline reports the path of a secret stored by value in t (fields
// and arrays, not through pointers, maps or slices, which fmt prints as
// addresses or does not descend into from an unexported field).
func secretInline(t reflect.Type, path string) string {
	for _, s := range secretTypes {
		if t == s {
			return path
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if p := secretInline(f.Type, path+"."+f.Name); p != "" {
				return p
			}
		}
	case reflect.Array:
		return secretInline(t.Elem(), path+"[]")
	}
	return ""
}

// Printing a Core or any of its actors with fmt never shows a key: every
// secret sits behind a pointer.
func TestActorsHoldSecretsBehindPointers(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[Core](), reflect.TypeFor[links](), reflect.TypeFor[link](),
		reflect.TypeFor[linkReader](), reflect.TypeFor[linkWriter](), reflect.TypeFor[peer](),
		reflect.TypeFor[switchActor](), reflect.TypeFor[router](), reflect.TypeFor[session](),
	} {
		if p := secretInline(typ, typ.Name()); p != "" {
			t.Errorf("%s holds a secret by value; keep it behind a pointer", p)
		}
	}
	// The check finds what it is for.
	type leaky struct{ k struct{ x crypto.BoxPrivKey } }
	if secretInline(reflect.TypeFor[leaky](), "leaky") == "" {
		t.Fatal("the check misses a nested key")
	}
}

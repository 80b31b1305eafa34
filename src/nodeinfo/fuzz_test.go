package nodeinfo

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzBuild builds NodeInfo from arbitrary user objects. Build must not
// panic, must keep every user key that is not built in with an equal value,
// must apply the null rule to the built-in keys, and must stay within MaxLen.
func FuzzBuild(f *testing.F) {
	f.Add([]byte(`{"buildname": null, "x": 1}`), true)
	f.Add([]byte(`{"name": "node-a", "location": "lab"}`), false)
	f.Add([]byte(`{"buildarch": "NuLL", "a": {"b": [1, null, "<>"]}}`), false)
	f.Add([]byte(`{}`), false)
	f.Fuzz(func(t *testing.T, text []byte, privacy bool) {
		var user map[string]any
		if json.Unmarshal(text, &user) != nil {
			return
		}
		out, err := Build(privacy, user, lab)
		if err != nil {
			if !errors.Is(err, ErrTooLong) {
				t.Fatalf("Build(%s): unexpected error %v", text, err)
			}
			return
		}
		if len(out) > MaxLen {
			t.Fatalf("Build returned %d bytes, over MaxLen", len(out))
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil || got == nil {
			t.Fatalf("Build output %s is not a JSON object: %v", out, err)
		}
		builtIn := map[string]string{
			keyName: lab.Name, keyVersion: lab.Version, keyPlatform: lab.Platform, keyArch: lab.Arch,
		}
		for k, want := range builtIn {
			v, present := got[k]
			uv, inUser := user[k]
			wantPresent := !privacy && !(inUser && isNull(uv))
			if present != wantPresent || present && v != want {
				t.Fatalf("built-in %q: got %v (present %v), want %q (present %v)", k, v, present, want, wantPresent)
			}
		}
		for k, v := range user {
			if _, ok := builtIn[k]; ok {
				continue
			}
			if !reflect.DeepEqual(got[k], v) {
				t.Fatalf("user key %q: got %#v, want %#v", k, got[k], v)
			}
		}
		want := len(user)
		for k := range builtIn {
			_, inUser := user[k]
			_, present := got[k]
			if inUser {
				want--
			}
			if present {
				want++
			}
		}
		if len(got) != want {
			t.Fatalf("output has %d keys, want %d: %s", len(got), want, out)
		}
	})
}

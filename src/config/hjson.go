package config

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"unicode"

	"github.com/hjson/hjson-go/v4"
)

// hjsonWriter lays out HJSON the way the reference's -genconf does (spec 03
// §1.6). It is ours rather than hjson-go's encoder because that encoder
// writes some strings in a form its own parser reads back differently (a
// one-line triple-quoted string loses its leading spaces, and one ending in
// a quote does not parse at all). The structure is written here; the text of
// scalars, and the choice between a bare and a quoted string, is still
// hjson-go's, which its parser agrees with.
type hjsonWriter struct {
	bytes.Buffer
}

func (w *hjsonWriter) indent(depth int) {
	for range depth {
		w.WriteString("  ")
	}
}

// value writes v. afterKey says it follows "Key:" on the current line;
// otherwise it is a list item and the line is already indented to depth.
func (w *hjsonWriter) value(depth int, v reflect.Value, afterKey bool) {
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			w.scalar(nil, afterKey)
			return
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		n := t.NumField()
		w.open(depth, "{", n == 0, afterKey)
		for i := range n {
			w.member(depth+1, t.Field(i).Name, t.Field(i).Tag.Get("comment"), v.Field(i), i < n-1)
		}
		w.close(depth, "}", n == 0)
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		w.open(depth, "{", len(keys) == 0, afterKey)
		for _, k := range keys {
			w.member(depth+1, k.String(), "", v.MapIndex(k), false)
		}
		w.close(depth, "}", len(keys) == 0)
	case reflect.Slice:
		w.open(depth, "[", v.Len() == 0, afterKey)
		for i := range v.Len() {
			w.WriteByte('\n')
			w.indent(depth + 1)
			w.value(depth+1, v.Index(i), false)
		}
		w.close(depth, "]", v.Len() == 0)
	case reflect.String:
		w.str(depth, v.String(), afterKey)
	default:
		w.scalar(v.Interface(), afterKey)
	}
}

// open starts an object or list: inline when empty, else on a line of its
// own at the key's indentation.
func (w *hjsonWriter) open(depth int, bracket string, empty, afterKey bool) {
	switch {
	case afterKey && empty:
		w.WriteByte(' ')
	case afterKey:
		w.WriteByte('\n')
		w.indent(depth)
	}
	w.WriteString(bracket)
}

func (w *hjsonWriter) close(depth int, bracket string, empty bool) {
	if !empty {
		w.WriteByte('\n')
		w.indent(depth)
	}
	w.WriteString(bracket)
}

// member writes one "Key: value", preceded by its comment lines; a
// commented member that is not the last is followed by a blank line.
func (w *hjsonWriter) member(depth int, name, comment string, v reflect.Value, more bool) {
	w.WriteByte('\n')
	if comment != "" {
		for _, line := range strings.Split(comment, "\n") {
			w.indent(depth)
			w.WriteString("# " + line + "\n")
		}
	}
	w.indent(depth)
	w.WriteString(hjsonName(name) + ":")
	w.value(depth, v, true)
	if comment != "" && more {
		w.WriteByte('\n')
	}
}

func (w *hjsonWriter) scalar(v any, afterKey bool) {
	text, err := hjson.Marshal(v)
	if err != nil {
		// Only strings, booleans, numbers and nil get here, which always
		// encode; null keeps the output parseable if that ever changes.
		text = []byte("null")
	}
	if afterKey {
		w.WriteByte(' ')
	}
	w.Write(text)
}

// str writes a string bare when hjson-go would and its parser reads that
// back unchanged, as a triple-quoted block when it spans lines, and
// otherwise quoted.
func (w *hjsonWriter) str(depth int, s string, afterKey bool) {
	bare, _ := hjson.Marshal(s) // bare text, or "..." with escapes
	switch {
	case string(bare) == s && !readsBack(s):
		// hjson-go's encoder leaves some strings bare that its own parser
		// then rejects ("0E" looks like a broken number), so quote them.
		bare, _ = json.Marshal(s)
	case string(bare) == s:
	case strings.Contains(s, "\n") && blockSafe(s):
		w.block(depth, s, afterKey)
		return
	case blockSafe(s) && s[0] > ' ' && s[len(s)-1] != '\'' && string(bare) != `"`+s+`"`:
		// One line that needs escapes when quoted ("q" or a\b): '''"q"'''
		// reads better, as the reference writes it.
		bare = []byte("'''" + s + "'''")
	}
	if afterKey {
		w.WriteByte(' ')
	}
	w.Write(bare)
}

// block writes a multi-line triple-quoted string: the opening quotes on a
// line of their own one level deeper than the key (or in place for a list
// item), and each line of the text at that same indentation, which the
// parser strips again.
func (w *hjsonWriter) block(depth int, s string, afterKey bool) {
	if afterKey {
		depth++
		w.WriteByte('\n')
		w.indent(depth)
	}
	w.WriteString("'''")
	for _, line := range strings.Split(s, "\n") {
		w.WriteByte('\n')
		if line != "" {
			w.indent(depth)
			w.WriteString(line)
		}
	}
	w.WriteByte('\n')
	w.indent(depth)
	w.WriteString("'''")
}

// readsBack reports whether s, written bare as a list item, parses back as
// the string s.
func readsBack(s string) bool {
	var v []any
	if hjson.Unmarshal([]byte("[\n"+s+"\n]"), &v) != nil || len(v) != 1 {
		return false
	}
	got, ok := v[0].(string)
	return ok && got == s
}

// blockSafe reports whether s can be triple-quoted: no closing quotes
// inside, not blank, and nothing unprintable but tabs and newlines.
func blockSafe(s string) bool {
	if strings.Contains(s, "'''") || strings.TrimSpace(s) == "" {
		return false
	}
	for _, r := range s {
		if r != '\t' && r != '\n' && !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// hjsonName writes a key bare unless it holds something the parser treats
// specially in a key name, in which case it is quoted JSON-style.
func hjsonName(k string) string {
	bare := k != "" && !strings.ContainsAny(k, ",:[]{}#\"'") &&
		!strings.Contains(k, "//") && !strings.Contains(k, "/*")
	for _, r := range k {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			bare = false
		}
	}
	if bare {
		return k
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(k) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

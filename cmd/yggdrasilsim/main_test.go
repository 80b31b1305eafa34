package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlagErrors(t *testing.T) {
	cases := map[string][]string{
		"either -topology FILE or -nodes N": {},
		"at most one of":                    {"-nodes", "10", "-fail", "0.1", "-kill-root"},
		"-fail must be in [0, 1)":           {"-nodes", "10", "-fail", "1.5"},
		"unknown -graph":                    {"-nodes", "10", "-graph", "torus"},
		"no such file":                      {"-topology", "/nonexistent/edges.txt"},
		"line 2":                            {"-topology", writeTemp(t, "0 1\n0 1 2\n")},
	}
	for want, args := range cases {
		err := run(args, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: got %v, want an error with %q", args, err, want)
		}
	}
}

func writeTemp(t *testing.T, s string) string {
	p := filepath.Join(t.TempDir(), "edges.txt")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A small run from a file writes the table, the JSON and the SVG.
func TestRunWritesReports(t *testing.T) {
	dir := t.TempDir()
	edges := writeTemp(t, "a b\nb c\nc d\nd a\nc e\ne f\n")
	js, svg := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.svg")
	var out bytes.Buffer
	if err := run([]string{"-topology", edges, "-pairs", "6", "-seed", "4", "-json", js, "-svg", svg}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "6 of 6") {
		t.Fatalf("table does not show 6 of 6 pairs reachable:\n%s", out.String())
	}
	var r struct {
		Input struct{ Nodes, Links int }
		Reach struct{ Reachable int }
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r); err != nil || r.Input.Nodes != 6 || r.Input.Links != 6 || r.Reach.Reachable != 6 {
		t.Fatalf("json %+v (%v)", r, err)
	}
	if b, err := os.ReadFile(svg); err != nil || !bytes.Contains(b, []byte("<svg")) {
		t.Fatalf("svg: %v", err)
	}
}

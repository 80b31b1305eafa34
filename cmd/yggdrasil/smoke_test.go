package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/config"
)

// Builds the real binary with a stamped version, as ./build does, and runs
// it as a user would: exit codes and streams come from the process itself.
func TestBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool in PATH to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "yggdrasil")
	const pkg = "github.com/yggmesh/ygg/src/version"
	build := exec.Command(goTool, "build", "-o", bin,
		"-ldflags", "-X "+pkg+".name=yggdrasil -X "+pkg+".version=1.2.3-test", ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	runBin := func(stdin string, args ...string) (int, string, string) {
		cmd := exec.Command(bin, args...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
	}

	if code, out, _ := runBin("", "-version"); code != 0 || out != "Build name: yggdrasil\nBuild version: 1.2.3-test\n" {
		t.Fatalf("-version: %d %q", code, out)
	}
	code, conf, errOut := runBin("", "-genconf")
	if code != 0 || errOut != "" {
		t.Fatalf("-genconf: %d %q", code, errOut)
	}
	path := filepath.Join(t.TempDir(), "y.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := cfg.Keys()
	if err != nil {
		t.Fatal(err)
	}
	derived := keys.BoxPriv.Public()
	if code, out, _ := runBin("", "-useconffile", path, "-address"); code != 0 || out != address.ForKey(&derived).String()+"\n" {
		t.Fatalf("-address: %d %q", code, out)
	}
	if code, out, _ := runBin(conf, "-useconf", "-subnet"); code != 0 || out != address.SubnetForKey(&derived).String()+"\n" {
		t.Fatalf("-subnet: %d %q", code, out)
	}
	if code, out, errOut := runBin(""); code != 0 || out != "" || !strings.HasPrefix(errOut, "  -address\n") {
		t.Fatalf("no flags: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runBin("", "-nope"); code != 2 || !strings.HasPrefix(errOut, "flag provided but not defined: -nope\n") {
		t.Fatalf("unknown flag: %d %q", code, errOut)
	}
	code, out, errOut := runBin("{IfMTU: [1]}", "-useconf", "-address")
	if code != 1 || out != "" || errOut != "yggdrasil: config: IfMTU: expected a number, got list\n" {
		t.Fatalf("bad config: %d %q %q", code, out, errOut)
	}
}

//go:build linux

package labtest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Binaries are the programs a lab runs.
type Binaries struct {
	Node string // yggdrasil
	Ctl  string // yggdrasilctl; "" when it did not build
}

// buildTimeout bounds a cold build on a slow machine.
const buildTimeout = 5 * time.Minute

// BuildBinaries builds cmd/yggdrasil and cmd/yggdrasilctl of the module that
// contains the working directory into dir, without the race detector: the
// nodes are the system under test here, not the code under race analysis,
// and a plain build keeps the lab fast. A failure to build yggdrasilctl is
// not fatal; Ctl is then empty.
func BuildBinaries(dir string) (Binaries, error) {
	root, err := moduleRoot()
	if err != nil {
		return Binaries{}, err
	}
	b := Binaries{Node: filepath.Join(dir, "yggdrasil"), Ctl: filepath.Join(dir, "yggdrasilctl")}
	if err := goBuild(root, b.Node, "./cmd/yggdrasil"); err != nil {
		return Binaries{}, err
	}
	if err := goBuild(root, b.Ctl, "./cmd/yggdrasilctl"); err != nil {
		b.Ctl = ""
	}
	return b, nil
}

// moduleRoot asks the go tool where go.mod is.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == "/dev/null" {
		return "", fmt.Errorf("not inside a Go module")
	}
	return filepath.Dir(mod), nil
}

func goBuild(root, out, pkg string) error {
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, msg)
	}
	return nil
}

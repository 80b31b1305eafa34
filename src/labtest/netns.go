//go:build linux

package labtest

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"
)

// cmdTimeout bounds every ip(8) call, so a wedged kernel operation fails the
// test instead of hanging it.
const cmdTimeout = 20 * time.Second

// nameCounter makes namespace names unique within this process; the process
// id makes them unique between processes.
var nameCounter atomic.Uint64

// uniquePrefix returns a fresh name prefix such as "ygl4242x3" (process 4242, third lab). Every
// namespace a Lab creates starts with it.
func uniquePrefix() string {
	return fmt.Sprintf("%sx%d", ProcessPrefix(), nameCounter.Add(1))
}

// ProcessPrefix is the prefix shared by every namespace this process
// creates; LeftoverNamespaces looks for it.
func ProcessPrefix() string { return fmt.Sprintf("ygl%d", pid) }

// run runs a command with the default timeout and returns its combined
// output; the error carries the output so a failure explains itself.
func run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	return runContext(ctx, name, args...)
}

func runContext(ctx context.Context, name string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	setProcessGroup(cmd)
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "),
			err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// Namespace is one network namespace of a lab.
type Namespace struct {
	Name string
}

// newNamespace creates a namespace and brings its loopback up.
func newNamespace(name string) (*Namespace, error) {
	if _, err := run("ip", "netns", "add", name); err != nil {
		return nil, err
	}
	ns := &Namespace{Name: name}
	if _, err := ns.IP("link", "set", "lo", "up"); err != nil {
		_ = ns.delete()
		return nil, err
	}
	return ns, nil
}

// IP runs `ip -n <ns> args...`.
func (ns *Namespace) IP(args ...string) (string, error) {
	return run("ip", append([]string{"-n", ns.Name}, args...)...)
}

// Exec runs a command inside the namespace and returns its combined output.
// The command is killed when ctx ends.
func (ns *Namespace) Exec(ctx context.Context, name string, args ...string) (string, error) {
	return runContext(ctx, "ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
}

// Command returns an unstarted command that runs inside the namespace in its
// own process group, so that KillGroup reaches everything it starts.
func (ns *Namespace) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
	setProcessGroup(cmd)
	return cmd
}

// HasLink reports whether an interface exists in the namespace.
func (ns *Namespace) HasLink(ifname string) bool {
	_, err := ns.IP("link", "show", "dev", ifname)
	return err == nil
}

// killAll kills every process still running in the namespace.
func (ns *Namespace) killAll() {
	out, err := run("ip", "netns", "pids", ns.Name)
	if err != nil {
		return
	}
	for _, f := range strings.Fields(out) {
		var p int
		if _, err := fmt.Sscanf(f, "%d", &p); err == nil && p > 0 {
			killPid(p)
		}
	}
}

// delete kills what still runs in the namespace and removes it. The veth
// ends inside it go with it, which also removes their peers.
func (ns *Namespace) delete() error {
	ns.killAll()
	_, err := run("ip", "netns", "del", ns.Name)
	return err
}

// ListNamespaces returns the names of all named network namespaces.
func ListNamespaces() ([]string, error) {
	out, err := run("ip", "netns", "list")
	if err != nil {
		return nil, err
	}
	return parseNetnsList(out), nil
}

// parseNetnsList takes the names from `ip netns list` output, whose lines
// look like "name" or "name (id: 3)".
func parseNetnsList(out string) []string {
	var names []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names
}

// LeftoverNamespaces returns the namespaces this process created that still
// exist. After a clean run it is empty.
func LeftoverNamespaces() ([]string, error) {
	all, err := ListNamespaces()
	if err != nil {
		return nil, err
	}
	var mine []string
	prefix := ProcessPrefix() + "x"
	for _, n := range all {
		if strings.HasPrefix(n, prefix) {
			mine = append(mine, n)
		}
	}
	return mine, nil
}

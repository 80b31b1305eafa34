//go:build linux

package labtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/config"
)

const (
	// readyTimeout bounds start-up: config read, listeners, TUN.
	readyTimeout = 20 * time.Second
	// stopTimeout is how long a node may take to exit after SIGTERM.
	stopTimeout = 10 * time.Second
	// goneTimeout is how long the kernel may take to remove the TUN after
	// the process has exited.
	goneTimeout = 2 * time.Second
	// pollInterval is how often wait loops look again.
	pollInterval = 50 * time.Millisecond
)

// Node is one yggdrasil process in its own namespace. Its config may be
// changed between runs; Start writes it out again.
type Node struct {
	Index  int
	Name   string // n0, n1, ...
	NS     *Namespace
	Config *config.NodeConfig
	Keys   config.Keys
	Addr   address.Address // the node's 200::/7 address
	Subnet address.Subnet  // its routed /64
	IfName string          // TUN name, "" when the lab runs without TUN

	// Env holds extra NAME=value entries for the node's environment, on
	// top of this process's own (which the node inherits); it takes effect
	// on the next start.
	Env []string

	ConfPath  string
	LogPath   string
	AdminPath string

	lab *Lab

	mu       sync.Mutex
	proc     *process // the current run; nil before the first start
	logStart int64    // offset in the log file where the current run starts
	starts   int
}

// process is one run of the node binary.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when Wait has returned
	err  error         // Wait's result, valid after done
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WriteConfig writes the node's config file as JSON.
func (n *Node) WriteConfig() error {
	data, err := n.Config.MarshalIndentJSON()
	if err != nil {
		return err
	}
	return os.WriteFile(n.ConfPath, data, 0o600)
}

// Running reports whether the node's process is alive.
func (n *Node) Running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc != nil && !n.proc.exited()
}

// Launch writes the config and starts the process without waiting for it to
// come up: `ip netns exec <ns> yggdrasil -useconffile <conf> -loglevel
// debug`, with stdout and stderr appended to the node's log file.
func (n *Node) Launch() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc != nil && !n.proc.exited() {
		return fmt.Errorf("%s is already running", n.Name)
	}
	if err := n.WriteConfig(); err != nil {
		return err
	}
	logFile, err := os.OpenFile(n.LogPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	n.starts++
	fmt.Fprintf(logFile, "=== labtest: %s start %d at %s ===\n", n.Name, n.starts, time.Now().Format(time.TimeOnly))
	if n.logStart, err = logFile.Seek(0, io.SeekEnd); err != nil {
		logFile.Close()
		return err
	}
	cmd := n.NS.Command(context.Background(), n.lab.Bin.Node,
		"-useconffile", n.ConfPath, "-loglevel", "debug")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if len(n.Env) > 0 {
		// ip netns exec hands its environment on to the program it runs.
		cmd.Env = append(os.Environ(), n.Env...)
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("starting %s: %w", n.Name, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	n.proc = p
	n.lab.logf("%s: started in %s, address %s", n.Name, n.NS.Name, n.Addr)
	return nil
}

// Start launches the node and waits until it is ready.
func (n *Node) Start() error {
	if err := n.Launch(); err != nil {
		return err
	}
	return n.WaitReady(readyTimeout)
}

// WaitReady waits until the node has logged "Startup complete", its admin
// socket exists (it listens asynchronously, spec 03 §5.1) and, with TUN,
// its interface carries the node's address.
func (n *Node) WaitReady(timeout time.Duration) error {
	if err := n.WaitLog("Startup complete", timeout); err != nil {
		return err
	}
	if strings.HasPrefix(n.Config.AdminListen, "unix://") {
		err := n.waitFor(timeout, "admin socket "+n.AdminPath, func() bool {
			_, err := os.Stat(n.AdminPath)
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	if n.IfName == "" {
		return nil
	}
	want := n.Addr.String() + "/7"
	return n.waitFor(timeout, "TUN "+n.IfName+" with "+want, func() bool {
		out, err := n.NS.IP("-6", "addr", "show", "dev", n.IfName)
		return err == nil && strings.Contains(out, want)
	})
}

// current returns the current run, or an error if there never was one.
func (n *Node) current() (*process, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc == nil {
		return nil, fmt.Errorf("%s was never started", n.Name)
	}
	return n.proc, nil
}

// PID returns the process id of the running node, or 0 when it is not
// running. `ip netns exec` replaces itself with the node, so this is the
// node's own process.
func (n *Node) PID() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc == nil || n.proc.exited() {
		return 0
	}
	return n.proc.cmd.Process.Pid
}

// Signal sends sig to the running node.
func (n *Node) Signal(sig syscall.Signal) error {
	p, err := n.current()
	if err != nil {
		return err
	}
	if p.exited() {
		return fmt.Errorf("%s is not running", n.Name)
	}
	return p.cmd.Process.Signal(sig)
}

// Stop sends SIGTERM and checks a clean shutdown: the process exits within
// 10 s with code 0, its TUN interface is gone and the admin socket file is
// removed. A node that does not exit in time is killed.
func (n *Node) Stop() error {
	p, err := n.current()
	if err != nil {
		return err
	}
	if p.exited() {
		return fmt.Errorf("%s had already exited: %v", n.Name, p.err)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		_ = killGroup(p.cmd)
		<-p.done
		return fmt.Errorf("%s did not exit within %v of SIGTERM; killed", n.Name, stopTimeout)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		return fmt.Errorf("%s exited with code %d after SIGTERM (%v)", n.Name, code, p.err)
	}
	n.lab.logf("%s: stopped", n.Name)
	if n.IfName != "" {
		if err := n.waitFor(goneTimeout, "TUN removal", func() bool { return !n.NS.HasLink(n.IfName) }); err != nil {
			return fmt.Errorf("%s: %s still exists after exit", n.Name, n.IfName)
		}
	}
	if _, err := os.Stat(n.AdminPath); err == nil {
		return fmt.Errorf("%s: admin socket %s was not removed on shutdown", n.Name, n.AdminPath)
	}
	return nil
}

// Restart stops the node cleanly and starts it again with the same config
// file, so with the same keys and address.
func (n *Node) Restart() error {
	if err := n.Stop(); err != nil {
		return err
	}
	return n.Start()
}

// Kill ends the node at once with SIGKILL to its process group, as a crash
// would.
func (n *Node) Kill() {
	p, err := n.current()
	if err != nil || p.exited() {
		return
	}
	_ = killGroup(p.cmd)
	<-p.done
}

// halt ends the node however it can; Close uses it and checks nothing.
func (n *Node) halt() {
	p, err := n.current()
	if err != nil || p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout / 2):
		_ = killGroup(p.cmd)
		<-p.done
	}
}

// Log returns what the node has logged since its latest start.
func (n *Node) Log() (string, error) {
	n.mu.Lock()
	off := n.logStart
	n.mu.Unlock()
	f, err := os.Open(n.LogPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return "", err
	}
	data, err := io.ReadAll(f)
	return string(data), err
}

// WaitLog waits until the node's log since its latest start contains s.
func (n *Node) WaitLog(s string, timeout time.Duration) error {
	return n.waitFor(timeout, fmt.Sprintf("log line %q", s), func() bool {
		log, err := n.Log()
		return err == nil && strings.Contains(log, s)
	})
}

// errExited is wrapped by waits that end because the node died.
var errExited = errors.New("node exited")

// waitFor polls cond until it holds, the node exits, or timeout passes.
func (n *Node) waitFor(timeout time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return nil
		}
		if p, err := n.current(); err != nil {
			return err
		} else if p.exited() {
			if cond() {
				return nil
			}
			return fmt.Errorf("%s: waiting for %s: %w (%v)", n.Name, what, errExited, p.err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no %s within %v", n.Name, what, timeout)
		}
		time.Sleep(pollInterval)
	}
}

// Reload writes the node's config and sends SIGHUP, then waits until the
// node logs that it is reloading the file (spec 03 §1.9). Callers wait for
// the effects they expect themselves.
func (n *Node) Reload() error {
	log, err := n.Log()
	if err != nil {
		return err
	}
	const started = "Reloading configuration from "
	seen := strings.Count(log, started)
	if err := n.WriteConfig(); err != nil {
		return err
	}
	if err := n.Signal(syscall.SIGHUP); err != nil {
		return err
	}
	return n.waitFor(readyTimeout, "reload", func() bool {
		log, err := n.Log()
		return err == nil && strings.Count(log, started) > seen
	})
}

// UseMulticast makes the node find peers by multicast on the interfaces
// whose names match the regular expressions (lab links are named "to<n>",
// so "^to" covers them all). It takes effect on the next start or reload.
func (n *Node) UseMulticast(regexes ...string) {
	n.Config.MulticastInterfaces = append([]string{}, regexes...)
}

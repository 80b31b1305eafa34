//go:build linux

package labtest

import (
	"os"
	"os/exec"
	"syscall"
	"time"
)

var pid = os.Getpid()

// setProcessGroup puts the command in a process group of its own and makes
// cancellation kill the whole group: `ip netns exec` replaces itself with the
// program, but the program may start children of its own. The kernel kills
// the process if this one dies, so a crashed test binary leaves no node
// running.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return killGroup(cmd) }
	cmd.WaitDelay = 5 * time.Second
}

// killGroup sends SIGKILL to the command's process group.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// killPid kills one process and, if it leads one, its process group.
func killPid(p int) {
	_ = syscall.Kill(-p, syscall.SIGKILL)
	_ = syscall.Kill(p, syscall.SIGKILL)
}

//go:build linux

// Package roottest is for tests that need root: network namespaces, veth
// pairs, TUN devices. Without what they need they skip with a clear
// message, unless YGG_REQUIRE_ROOT_TESTS=1 (as CI sets) turns the skip into
// a failure, so a CI host that cannot run them is noticed.
package roottest

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Env is the variable that makes missing privileges a failure.
const Env = "YGG_REQUIRE_ROOT_TESTS"

// Required reports whether root tests must run rather than skip.
func Required() bool { return os.Getenv(Env) == "1" }

// SkipOrFail skips the test, or fails it when root tests are required.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// Need skips (or fails) the test unless it runs as root and every command
// is on the PATH.
func Need(t testing.TB, commands ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		SkipOrFail(t, "needs root (network namespaces, veth pairs, TUN devices)")
	}
	for _, c := range commands {
		if _, err := exec.LookPath(c); err != nil {
			SkipOrFail(t, "needs the %s command: %v", c, err)
		}
	}
}

// NeedTUN is Need plus a usable /dev/net/tun.
func NeedTUN(t testing.TB, commands ...string) {
	t.Helper()
	Need(t, commands...)
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		SkipOrFail(t, "needs /dev/net/tun: %v", err)
	}
}

// EnterNetns moves the calling goroutine into a fresh network namespace
// with lo up. The goroutine stays locked to its thread and never unlocks,
// so the thread, and with it the namespace and every interface made in it,
// is destroyed when the test ends, pass or fail. Sockets opened and
// commands started by this goroutine live in the namespace; subtests run on
// other threads, outside it.
func EnterNetns(t testing.TB) {
	t.Helper()
	Need(t, "ip")
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		SkipOrFail(t, "cannot create a network namespace: %v", err)
	}
	IP(t, "link", "set", "lo", "up")
}

// IP runs ip(8) and fails the test if it fails; it returns the output.
func IP(t testing.TB, args ...string) string {
	t.Helper()
	return Run(t, "ip", args...)
}

// Run runs a command and fails the test if it fails; it returns the output.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

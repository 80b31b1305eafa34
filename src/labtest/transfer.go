//go:build linux

package labtest

// The TCP transfer check: a sink in one namespace and a source in another,
// both run as this very program (re-executed with YGG_LABTEST_HELPER set), so
// the check needs no tools beyond the Go toolchain. The source sends a
// deterministic pseudo-random stream and reports its SHA-256; the sink
// reports the SHA-256 of what arrived; the harness recomputes the expected
// one from the seed.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// helperEnv names the helper a re-executed program should run.
const helperEnv = "YGG_LABTEST_HELPER"

// transferPort is the TCP port the sink listens on.
const transferPort = 9999

// HelperMain runs a helper (transfer sink or source, or the HTTP get of
// Namespace.HTTPGet) and exits if this process was started as one;
// otherwise it returns at once. Every program that uses Transfer or HTTPGet
// (the test binary's TestMain, misc/soak) calls it first thing.
func HelperMain() {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		return
	}
	os.Exit(runHelper(mode, os.Args[1:], os.Stdout, os.Stderr))
}

func runHelper(mode string, args []string, stdout, stderr io.Writer) int {
	var err error
	switch {
	case mode == "sink" && len(args) == 2:
		err = sink(args[0], args[1], stdout)
	case mode == "source" && len(args) == 4:
		err = source(args[0], args[1], args[2], args[3], stdout)
	case mode == "get" && len(args) == 2:
		err = httpGet(args[0], args[1], stdout)
	default:
		err = fmt.Errorf("unknown helper %q with %d arguments", mode, len(args))
	}
	if err != nil {
		fmt.Fprintf(stderr, "labtest helper %s: %v\n", mode, err)
		return 1
	}
	return 0
}

// sink accepts one connection on addr, reads it to the end and prints
// "received <bytes> <sha256 hex>".
func sink(addr, timeout string, stdout io.Writer) error {
	d, err := time.ParseDuration(timeout)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Fprintf(stdout, "listening %s\n", ln.Addr())
	deadline := time.Now().Add(d)
	_ = ln.(*net.TCPListener).SetDeadline(deadline)
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(deadline)
	h := sha256.New()
	n, err := io.Copy(h, conn)
	if err != nil {
		return fmt.Errorf("after %d bytes: %w", n, err)
	}
	fmt.Fprintf(stdout, "received %d %x\n", n, h.Sum(nil))
	return nil
}

// source connects to addr, sends size bytes of the stream for seed and
// prints "sent <bytes> <sha256 hex>".
func source(addr, size, seed, timeout string, stdout io.Writer) error {
	n, err1 := strconv.ParseInt(size, 10, 64)
	s, err2 := strconv.ParseUint(seed, 10, 64)
	d, err3 := time.ParseDuration(timeout)
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	if n < 0 {
		return fmt.Errorf("negative size %d", n)
	}
	conn, err := net.DialTimeout("tcp", addr, d)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(d))
	h := sha256.New()
	sent, err := io.Copy(io.MultiWriter(conn, h), io.LimitReader(stream(s), n))
	if err != nil {
		return fmt.Errorf("after %d bytes: %w", sent, err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	// Wait for the sink's close, so "sent" means the sink has it all.
	_, _ = io.Copy(io.Discard, conn)
	fmt.Fprintf(stdout, "sent %d %x\n", sent, h.Sum(nil))
	return nil
}

// stream is the deterministic payload for a seed.
func stream(seed uint64) io.Reader {
	var key [32]byte
	binary.BigEndian.PutUint64(key[:], seed)
	return rand.NewChaCha8(key)
}

// ExpectedSum is the SHA-256 of the first size bytes of the stream for seed.
func ExpectedSum(size int64, seed uint64) [32]byte {
	h := sha256.New()
	_, _ = io.Copy(h, io.LimitReader(stream(seed), size))
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// HelperReport is a parsed "sent ..." or "received ..." line.
type HelperReport struct {
	Kind  string // "sent" or "received"
	Bytes int64
	Sum   [32]byte
}

// ParseHelperReport parses one report line of a transfer helper.
func ParseHelperReport(line string) (HelperReport, error) {
	f := strings.Fields(line)
	if len(f) != 3 || (f[0] != "sent" && f[0] != "received") {
		return HelperReport{}, fmt.Errorf("not a transfer report: %q", line)
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || n < 0 {
		return HelperReport{}, fmt.Errorf("bad byte count in %q", line)
	}
	raw, err := hex.DecodeString(f[2])
	if err != nil || len(raw) != sha256.Size {
		return HelperReport{}, fmt.Errorf("bad checksum in %q", line)
	}
	r := HelperReport{Kind: f[0], Bytes: n}
	copy(r.Sum[:], raw)
	return r, nil
}

// TransferResult is what a Transfer measured.
type TransferResult struct {
	Sent, Received HelperReport
	Elapsed        time.Duration // from the source's start to both ends done
}

// ErrTransferMismatch is wrapped by the error of a transfer whose two ends
// both finished but whose bytes or SHA-256 differ from the expected stream:
// data was lost or changed, as opposed to a transfer that was cut.
var ErrTransferMismatch = errors.New("transfer data mismatch")

// Transfer sends size bytes over TCP from the from node's namespace to dst
// (an address in the to node's namespace) and checks that the bytes and the
// SHA-256 on both ends match the expected stream. Both helpers are killed
// when timeout passes.
func Transfer(from, to *Node, dst string, size int64, seed uint64, timeout time.Duration) (TransferResult, error) {
	return TransferContext(context.Background(), from, to, dst, size, seed, timeout)
}

// TransferContext is Transfer whose helpers are also killed when ctx ends.
func TransferContext(ctx context.Context, from, to *Node, dst string, size int64, seed uint64, timeout time.Duration) (TransferResult, error) {
	self, err := os.Executable()
	if err != nil {
		return TransferResult{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	addr := net.JoinHostPort(dst, strconv.Itoa(transferPort))
	limit := timeout.String()

	sinkCmd := to.NS.Command(ctx, self, addr, limit)
	sinkCmd.Env = append(os.Environ(), helperEnv+"=sink")
	var sinkErr bytes.Buffer
	sinkCmd.Stderr = &sinkErr
	pipe, err := sinkCmd.StdoutPipe()
	if err != nil {
		return TransferResult{}, err
	}
	if err := sinkCmd.Start(); err != nil {
		return TransferResult{}, err
	}
	// stopSink ends the sink if it still runs and reaps it; only then is
	// its stderr complete.
	stopSink := sync.OnceFunc(func() { _ = killGroup(sinkCmd); _ = sinkCmd.Wait() })
	defer stopSink()
	lines := bufio.NewScanner(pipe)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "listening ") {
		stopSink()
		return TransferResult{}, fmt.Errorf("sink in %s did not start: %s", to.Name, strings.TrimSpace(sinkErr.String()))
	}

	start := time.Now()
	srcCmd := from.NS.Command(ctx, self, addr, strconv.FormatInt(size, 10), strconv.FormatUint(seed, 10), limit)
	srcCmd.Env = append(os.Environ(), helperEnv+"=source")
	srcOut, srcErr := srcCmd.Output()
	var res TransferResult
	if srcErr != nil {
		return res, fmt.Errorf("source in %s: %w: %s", from.Name, srcErr, srcStderr(srcErr))
	}
	if res.Sent, err = ParseHelperReport(string(srcOut)); err != nil {
		return res, err
	}
	if !lines.Scan() {
		stopSink()
		return res, fmt.Errorf("sink in %s reported nothing: %s", to.Name, strings.TrimSpace(sinkErr.String()))
	}
	if res.Received, err = ParseHelperReport(lines.Text()); err != nil {
		return res, err
	}
	res.Elapsed = time.Since(start)
	return res, res.check(size, ExpectedSum(size, seed))
}

// check compares both ends' reports with the expected size and sum; a
// difference wraps ErrTransferMismatch.
func (res TransferResult) check(size int64, want [32]byte) error {
	switch {
	case res.Sent.Kind != "sent" || res.Received.Kind != "received":
		return fmt.Errorf("helpers reported %q and %q", res.Sent.Kind, res.Received.Kind)
	case res.Sent.Bytes != size || res.Sent.Sum != want:
		return fmt.Errorf("%w: source sent %d bytes with sum %x, want %d with %x", ErrTransferMismatch, res.Sent.Bytes, res.Sent.Sum, size, want)
	case res.Received.Bytes != size || res.Received.Sum != want:
		return fmt.Errorf("%w: sink received %d bytes with sum %x, want %d with %x", ErrTransferMismatch, res.Received.Bytes, res.Received.Sum, size, want)
	}
	return nil
}

// srcStderr is what a failed helper wrote to stderr, which Output keeps.
func srcStderr(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return strings.TrimSpace(string(exit.Stderr))
	}
	return ""
}

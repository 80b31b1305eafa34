//go:build linux

package labtest

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestParseGoroutineTotal(t *testing.T) {
	n, err := ParseGoroutineTotal("goroutine profile: total 37\n5 @ 0x43e2ae 0x44b1c5\n")
	if err != nil || n != 37 {
		t.Fatalf("ParseGoroutineTotal = %d, %v; want 37", n, err)
	}
	for _, bad := range []string{"", "goroutine profile: total", "goroutine profile: total -1",
		"goroutine profile: total x", "<html>404</html>", "heap profile: 1: 2 [3: 4] @ heap/1048576"} {
		if _, err := ParseGoroutineTotal(bad); err == nil {
			t.Errorf("ParseGoroutineTotal(%q) accepted", bad)
		}
	}
}

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tyggdrasil\nVmPeak:\t 1000 kB\nVmRSS:\t   23456 kB\nThreads:\t9\n"
	if kib, err := parseVmRSS(strings.NewReader(status)); err != nil || kib != 23456 {
		t.Fatalf("parseVmRSS = %d, %v; want 23456", kib, err)
	}
	for _, bad := range []string{"Name:\tx\n", "VmRSS:\t12 MB\n", "VmRSS:\tmany kB\n"} {
		if _, err := parseVmRSS(strings.NewReader(bad)); err == nil {
			t.Errorf("parseVmRSS(%q) accepted", bad)
		}
	}
}

// This very process has memory and open files; the readers must see them.
func TestProcReadersOnSelf(t *testing.T) {
	kib, err := readVmRSS(os.Getpid())
	if err != nil || kib <= 0 {
		t.Fatalf("readVmRSS(self) = %d, %v", kib, err)
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	before, err := countFDs(os.Getpid())
	f.Close()
	after, err2 := countFDs(os.Getpid())
	if err != nil || err2 != nil || before < 4 || after != before-1 {
		t.Fatalf("countFDs(self): %d with an extra file open, %d after closing it (%v, %v)", before, after, err, err2)
	}
}

// Only a transfer whose two ends both finished, with other bytes than the
// stream, is a mismatch; helpers that report nonsense are not.
func TestTransferCheck(t *testing.T) {
	want := ExpectedSum(1000, 3)
	good := TransferResult{
		Sent:     HelperReport{Kind: "sent", Bytes: 1000, Sum: want},
		Received: HelperReport{Kind: "received", Bytes: 1000, Sum: want},
	}
	if err := good.check(1000, want); err != nil {
		t.Fatalf("a matching transfer failed the check: %v", err)
	}
	short := good
	short.Received.Bytes = 999
	changed := good
	changed.Received.Sum = ExpectedSum(1000, 4)
	for _, res := range []TransferResult{short, changed} {
		if err := res.check(1000, want); !errors.Is(err, ErrTransferMismatch) {
			t.Errorf("check(%+v) = %v, want a mismatch", res.Received, err)
		}
	}
	swapped := good
	swapped.Sent.Kind = "received"
	if err := swapped.check(1000, want); err == nil || errors.Is(err, ErrTransferMismatch) {
		t.Errorf("check with two sink reports = %v, want a plain error", err)
	}
}

package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha512"
	"errors"
	"math/bits"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/address"
	"github.com/yggmesh/ygg/src/crypto"
)

// printed is one block of output, checked and decoded.
type printed struct {
	id [64]byte
}

// leadingOnes counts the 1 bits before the first 0 bit of id.
func leadingOnes(id []byte) int {
	n := 0
	for _, b := range id {
		n += bits.LeadingZeros8(^b)
		if b != 0xff {
			break
		}
	}
	return n
}

// splitBlocks cuts output into blocks, each the lines after a separator.
func splitBlocks(t *testing.T, out string) [][]string {
	t.Helper()
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("output does not end in a newline: %q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var blocks [][]string
	for i, l := range lines {
		if l == separator {
			blocks = append(blocks, nil)
			continue
		}
		if len(blocks) == 0 {
			t.Fatalf("line %d comes before the first separator: %q", i+1, l)
		}
		blocks[len(blocks)-1] = append(blocks[len(blocks)-1], l)
	}
	return blocks
}

// fields checks that block has exactly the labelled lines given, in order,
// and returns their values.
func fields(t *testing.T, block []string, labels ...string) []string {
	t.Helper()
	if len(block) != len(labels) {
		t.Fatalf("block has %d lines, want %d: %q", len(block), len(labels), block)
	}
	values := make([]string, len(labels))
	for i, label := range labels {
		v, ok := strings.CutPrefix(block[i], label+": ")
		if !ok {
			t.Fatalf("line %d is %q, want label %q", i+1, block[i], label)
		}
		values[i] = v
	}
	return values
}

// checkBoxBlock proves that a box-mode block is self-consistent: the private
// key derives the public key, the NodeID is SHA-512 of the public key, and
// the IP is the address of that NodeID.
func checkBoxBlock(t *testing.T, block []string) printed {
	t.Helper()
	v := fields(t, block, "boxPriv", "boxPub", "NodeID", "IP")
	priv, err := crypto.ParseBoxPrivKey(v[0])
	if err != nil {
		t.Fatal(err)
	}
	pub, err := crypto.ParseBoxPubKey(v[1])
	if err != nil {
		t.Fatal(err)
	}
	if priv.Public() != pub {
		t.Fatalf("boxPriv derives %v, block says boxPub %v", priv.Public(), pub)
	}
	id, err := crypto.ParseNodeID(v[2])
	if err != nil {
		t.Fatal(err)
	}
	if sha512.Sum512(pub[:]) != id {
		t.Fatalf("NodeID %v is not SHA-512 of boxPub %v", id, pub)
	}
	want := address.ForKey(&pub)
	if ip := net.ParseIP(v[3]); ip == nil || !ip.Equal(want[:]) || v[3] != want.String() {
		t.Fatalf("IP %q, want %v", v[3], want)
	}
	if got := int(want[1]); got != leadingOnes(id[:]) {
		t.Fatalf("address counts %d leading ones, NodeID has %d", got, leadingOnes(id[:]))
	}
	for _, s := range v[:3] {
		if s != strings.ToLower(s) {
			t.Fatalf("hex %q is not lowercase", s)
		}
	}
	return printed{id: id}
}

// checkSigBlock proves that a -sig block is self-consistent: the private key
// is seed||public for the printed public key and signs for it, and the TreeID
// is SHA-512 of the public key.
func checkSigBlock(t *testing.T, block []string) printed {
	t.Helper()
	v := fields(t, block, "sigPriv", "sigPub", "TreeID")
	priv, err := crypto.ParseSigPrivKey(v[0])
	if err != nil {
		t.Fatal(err)
	}
	pub, err := crypto.ParseSigPubKey(v[1])
	if err != nil {
		t.Fatal(err)
	}
	if priv.DerivedPublic() != pub || priv.Public() != pub {
		t.Fatalf("sigPriv does not belong to sigPub %v", pub)
	}
	msg := []byte("genkeys test")
	if !ed25519.Verify(pub[:], msg, ed25519.Sign(ed25519.PrivateKey(priv[:]), msg)) {
		t.Fatal("a signature by sigPriv does not verify with sigPub")
	}
	id, err := crypto.ParseNodeID(v[2]) // same shape as a TreeID
	if err != nil {
		t.Fatal(err)
	}
	if sha512.Sum512(pub[:]) != id {
		t.Fatalf("TreeID is not SHA-512 of sigPub %v", pub)
	}
	return printed{id: id}
}

// medianFreshOnes is the median count of leading ones over 64 fresh IDs.
func medianFreshOnes(t *testing.T, sig bool) int {
	t.Helper()
	ones := make([]int, 64)
	for i := range ones {
		var id [64]byte
		if sig {
			pub, _ := crypto.NewSigKeys()
			id = pub.TreeID()
		} else {
			pub, _ := crypto.NewBoxKeys()
			id = pub.NodeID()
		}
		ones[i] = leadingOnes(id[:])
	}
	slices.Sort(ones)
	return ones[len(ones)/2]
}

// runGenkeys runs the command and fails the test on a non-zero exit or any
// output on stderr.
func runGenkeys(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, args, &stdout, &stderr); code != 0 {
		t.Fatalf("genkeys %v exited %d; stderr %q", args, code, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Fatalf("genkeys %v wrote to stderr: %q", args, stderr.String())
	}
	return stdout.String()
}

// TestBoundedSearch is the issue 6 test: a bounded run prints blocks that
// reproduce what they claim, each strictly better than the one before, and
// ends with a key better than a typical fresh one.
func TestBoundedSearch(t *testing.T) {
	for _, mode := range []struct {
		name  string
		args  []string
		sig   bool
		check func(*testing.T, []string) printed
	}{
		{"box", nil, false, checkBoxBlock},
		{"sig", []string{"-sig"}, true, checkSigBlock},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			out := runGenkeys(t, context.Background(), append(mode.args, "-time", "2s")...)
			if took := time.Since(start); took < 2*time.Second || took > 10*time.Second {
				t.Errorf("-time 2s ran for %v", took)
			}
			blocks := splitBlocks(t, out)
			if len(blocks) == 0 {
				t.Fatal("no key printed")
			}
			var prev printed
			for i, b := range blocks {
				p := mode.check(t, b)
				if i > 0 && bytes.Compare(p.id[:], prev.id[:]) <= 0 {
					t.Fatalf("block %d does not improve on block %d", i+1, i)
				}
				prev = p
			}
			best, median := leadingOnes(prev.id[:]), medianFreshOnes(t, mode.sig)
			t.Logf("%d blocks; best has %d leading ones, median fresh key %d", len(blocks), best, median)
			if best <= median {
				t.Errorf("best key has %d leading ones, no more than the median fresh key's %d", best, median)
			}
		})
	}
}

// TestCount checks that -count stops after exactly that many improvements.
func TestCount(t *testing.T) {
	start := time.Now()
	// -time only guards against a broken -count hanging the test.
	out := runGenkeys(t, context.Background(), "-count", "3", "-time", "60s")
	if took := time.Since(start); took > 55*time.Second {
		t.Fatalf("-count 3 took %v; it should stop long before the -time guard", took)
	}
	blocks := splitBlocks(t, out)
	if len(blocks) != 3 {
		t.Fatalf("-count 3 printed %d blocks", len(blocks))
	}
	for _, b := range blocks {
		checkBoxBlock(t, b)
	}
}

// TestUnboundedRunsUntilStopped checks that without -time or -count the
// search goes on until the process is stopped (here: its context).
func TestUnboundedRunsUntilStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan string)
	go func() { done <- runGenkeys(t, ctx, "-sig") }()
	select {
	case out := <-done:
		t.Fatalf("genkeys without limits stopped by itself: %q", out)
	case <-time.After(500 * time.Millisecond):
	}
	cancel()
	select {
	case out := <-done:
		for _, b := range splitBlocks(t, out) {
			checkSigBlock(t, b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("genkeys did not stop after its context was cancelled")
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stderr string // a substring that must appear
	}{
		{[]string{"-h"}, 0, "Usage of genkeys:\n"},
		{[]string{"-h"}, 0, "  -sig\n    \tgenerate new signing keys instead\n"},
		{[]string{"-time", "-1s"}, 2, "-time must not be negative"},
		{[]string{"-time", "soon"}, 2, "invalid value"},
		{[]string{"-count", "-1"}, 2, "invalid value"},
		{[]string{"-nosuch"}, 2, "flag provided but not defined"},
		{[]string{"10s"}, 2, `unexpected argument "10s"`},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.stderr) || stdout.Len() != 0 {
			t.Errorf("genkeys %v: exit %d, stdout %q, stderr %q; want exit %d and stderr containing %q",
				tc.args, code, stdout.String(), stderr.String(), tc.code, tc.stderr)
		}
	}
}

type failingWriter struct{ writes int }

func (w *failingWriter) Write(p []byte) (int, error) {
	w.writes++
	return 0, errors.New("disk full")
}

// TestWriteError checks that a failing stdout ends the search with exit 1
// instead of searching on with nowhere to print.
func TestWriteError(t *testing.T) {
	var w failingWriter
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-time", "30s"}, &w, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if w.writes != 1 || !strings.Contains(stderr.String(), "disk full") {
		t.Fatalf("%d writes, stderr %q; want one write and the error reported", w.writes, stderr.String())
	}
}

// TestSearchOrdersOffers drives search with many workers whose IDs come from
// a shared counter, so offers often arrive out of order: every report must
// still beat the one before.
func TestSearchOrdersOffers(t *testing.T) {
	var mu sync.Mutex
	var next uint64
	gen := func() keyPair {
		mu.Lock()
		next++
		n := next
		mu.Unlock()
		var p keyPair
		for i := range 8 {
			p.id[7-i] = byte(n >> (8 * i))
		}
		return p
	}
	var got [][64]byte
	report := func(p keyPair) error {
		got = append(got, p.id)
		return nil
	}
	if err := search(context.Background(), 8, gen, 200, report); err != nil {
		t.Fatal(err)
	}
	if len(got) != 200 {
		t.Fatalf("%d reports, want 200", len(got))
	}
	for i := 1; i < len(got); i++ {
		if bytes.Compare(got[i][:], got[i-1][:]) <= 0 {
			t.Fatalf("report %d (%x) does not beat report %d (%x)", i, got[i][:8], i-1, got[i-1][:8])
		}
	}
}

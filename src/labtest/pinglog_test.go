//go:build linux

package labtest

import (
	"reflect"
	"testing"
	"time"
)

// pingOutput is ping -D output with a lost request (3), a duplicate (2),
// an error line for 4, a late reply for 5 that came after 6, and the
// summary.
const pingOutput = `PING 200::1(200::1) 56 data bytes
[1700000000.100000] 64 bytes from 200::1: icmp_seq=1 ttl=64 time=0.500 ms
[1700000000.300000] 64 bytes from 200::1: icmp_seq=2 ttl=64 time=1.25 ms
[1700000000.300500] 64 bytes from 200::1: icmp_seq=2 ttl=64 time=1.75 ms (DUP!)
[1700000000.700000] From fd7a:0:1::1 icmp_seq=4 Destination unreachable: No route
[1700000001.100000] 64 bytes from 200::1: icmp_seq=6 ttl=64 time=0.4 ms
[1700000001.200000] 64 bytes from 200::1: icmp_seq=5 ttl=64 time=300 ms
[1700000001.300000] 64 bytes from 200::1: icmp_seq=7 ttl=64 time=0.3 ms

--- 200::1 ping statistics ---
7 packets transmitted, 5 received, +1 duplicates, +1 errors, 28.5714% packet loss, time 1203ms
`

func TestParsePingLog(t *testing.T) {
	log, err := ParsePingLog(pingOutput)
	if err != nil {
		t.Fatal(err)
	}
	if log.Sent != 7 || len(log.Replies) != 5 {
		t.Fatalf("sent %d, replies %v", log.Sent, log.Replies)
	}
	r2 := log.Replies[2]
	if want := time.Unix(1700000000, 300000000); !r2.At.Equal(want) || r2.RTT != 1250*time.Microsecond {
		t.Errorf("reply 2 = %+v, want the first copy at %v after 1.25 ms", r2, want)
	}
	if want := time.Unix(1700000000, 900000000); !log.Replies[5].SentAt().Equal(want) {
		t.Errorf("request 5 sent at %v, want %v", log.Replies[5].SentAt(), want)
	}
	if got := log.Lost(); !reflect.DeepEqual(got, []int{3, 4}) {
		t.Errorf("lost %v, want [3 4]", got)
	}
	if seq, ok := log.Steady(); seq != 5 || !ok {
		t.Errorf("steady from %d (%v), want 5", seq, ok)
	}
}

func TestParsePingLogEdges(t *testing.T) {
	if _, err := ParsePingLog("PING 200::1(200::1) 56 data bytes\n[1700000000.1] 64 bytes from 200::1: icmp_seq=1 ttl=64 time=0.5 ms\n"); err == nil {
		t.Error("output cut off before the summary parsed without error")
	}
	noReply, err := ParsePingLog("3 packets transmitted, 0 received, 100% packet loss, time 406ms\n")
	if err != nil {
		t.Fatal(err)
	}
	if seq, ok := noReply.Steady(); ok || seq != 4 || len(noReply.Lost()) != 3 {
		t.Errorf("all lost: steady %d %v, lost %v", seq, ok, noReply.Lost())
	}
	// The last request lost: no steady run, whatever came before.
	tailLost, err := ParsePingLog("[1.0] 64 bytes from a: icmp_seq=1 ttl=1 time=1 ms\n2 packets transmitted, 1 received\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tailLost.Steady(); ok {
		t.Error("a run whose last request was lost counts as steady")
	}
	for _, line := range []string{
		"64 bytes from 200::1: icmp_seq=1 ttl=64 time=0.5 ms", // no -D stamp
		"[x] 64 bytes from 200::1: icmp_seq=1 ttl=64 time=0.5 ms",
		"[1.0] 64 bytes from 200::1: icmp_seq=0 ttl=64 time=0.5 ms",
		"[1.0] 64 bytes from 200::1: icmp_seq=1 ttl=64",
		"[1.0] From 200::1 icmp_seq=1 time=0.5 ms",
	} {
		if seq, r, ok := parsePingReply(line); ok {
			t.Errorf("parsePingReply(%q) = %d, %+v; want no reply", line, seq, r)
		}
	}
}

func TestParseAttackTotals(t *testing.T) {
	out := "t=1s attack=tiny links=3 idle=0 connected=3 out_frames=10\n" +
		"total attack=tiny links=0 idle=0 connected=3 dial_errors=0 lost=1 out_frames=3063311 out_bytes=181843728\n"
	got := ParseAttackTotals(out)
	want := map[string]int64{"links": 0, "idle": 0, "connected": 3, "dial_errors": 0, "lost": 1,
		"out_frames": 3063311, "out_bytes": 181843728}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("totals %v, want %v", got, want)
	}
	if got := ParseAttackTotals("hostilepeer: could not connect to any peer\n"); len(got) != 0 {
		t.Errorf("totals without a total line: %v", got)
	}
}

func TestStatusField(t *testing.T) {
	status := "Name:\tyggdrasil\nVmRSS:\t   10448 kB\nThreads:\t8\n"
	if v, err := statusField(status, "VmRSS:"); v != 10448 || err != nil {
		t.Errorf("VmRSS %d, %v", v, err)
	}
	if v, err := statusField(status, "Threads:"); v != 8 || err != nil {
		t.Errorf("Threads %d, %v", v, err)
	}
	if _, err := statusField(status, "VmSwap:"); err == nil {
		t.Error("a missing field parsed")
	}
}

func TestRunsThrough(t *testing.T) {
	h := []uint64{2, 2, 2}
	for _, tt := range []struct {
		a, b []uint64
		want bool
	}{
		{[]uint64{}, []uint64{1}, false},
		{[]uint64{2, 2}, []uint64{2}, false},         // h's ancestors
		{[]uint64{2, 2, 3}, []uint64{1, 2}, false},   // h's sibling
		{[]uint64{2, 2, 2, 3}, []uint64{}, true},     // below h
		{[]uint64{1}, []uint64{2, 2, 2, 1, 4}, true}, // the other end below h
		{[]uint64{2, 2, 2}, []uint64{1}, true},       // h itself
	} {
		if got := runsThrough(h, tt.a, tt.b); got != tt.want {
			t.Errorf("runsThrough(%v, %v, %v) = %v", h, tt.a, tt.b, got)
		}
	}
}

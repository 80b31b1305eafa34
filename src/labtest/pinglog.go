//go:build linux

package labtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// PingLog is what one `ping -D -c <count>` run saw: how many echo requests
// it sent and, per sequence number, when the first reply came and how long
// it took. Sequence numbers start at 1.
type PingLog struct {
	Sent    int
	Replies map[int]PingReply
}

// PingReply is one echo reply: when ping received it and its round trip.
type PingReply struct {
	At  time.Time
	RTT time.Duration
}

// SentAt is when the request behind the reply left: receipt minus the
// round trip.
func (r PingReply) SentAt() time.Time { return r.At.Add(-r.RTT) }

// errNoSummary means ping's output lacks its "packets transmitted" line, so
// it did not run to the end.
var errNoSummary = errors.New("no ping summary")

// ParsePingLog reads the output of `ping -n -D`: reply lines such as
// "[1700000000.123456] 64 bytes from 200::1: icmp_seq=5 ttl=64 time=0.5 ms"
// and the summary "N packets transmitted, M received, ...". Duplicate
// replies count once; error lines ("From ... Destination unreachable") are
// not replies.
func ParsePingLog(out string) (PingLog, error) {
	log := PingLog{Sent: -1, Replies: make(map[int]PingReply)}
	for _, line := range strings.Split(out, "\n") {
		if sent, ok := parsePingSummary(line); ok {
			log.Sent = sent
			continue
		}
		seq, reply, ok := parsePingReply(line)
		if _, dup := log.Replies[seq]; ok && !dup {
			log.Replies[seq] = reply
		}
	}
	if log.Sent < 0 {
		return log, errNoSummary
	}
	return log, nil
}

func parsePingSummary(line string) (int, bool) {
	before, _, ok := strings.Cut(line, " packets transmitted, ")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(before))
	return n, err == nil
}

// parsePingReply parses one reply line; ok is false for any other line.
func parsePingReply(line string) (seq int, r PingReply, ok bool) {
	body, bracketed := strings.CutPrefix(line, "[")
	stamp, rest, found := strings.Cut(body, "] ")
	if !bracketed || !found || !strings.Contains(rest, " bytes from ") {
		return 0, PingReply{}, false
	}
	secs, err := strconv.ParseFloat(stamp, 64)
	if err != nil {
		return 0, PingReply{}, false
	}
	seqText, ok1 := pingField(rest, "icmp_seq=")
	rttText, ok2 := pingField(rest, "time=")
	if !ok1 || !ok2 {
		return 0, PingReply{}, false
	}
	seq, err1 := strconv.Atoi(seqText)
	ms, err2 := strconv.ParseFloat(rttText, 64)
	if err1 != nil || err2 != nil || seq < 1 || ms < 0 {
		return 0, PingReply{}, false
	}
	whole, frac := math.Modf(secs)
	r = PingReply{
		At:  time.Unix(int64(whole), int64(math.Round(frac*1e6))*1e3),
		RTT: time.Duration(ms * float64(time.Millisecond)),
	}
	return seq, r, true
}

// pingField returns the value after key up to the next space.
func pingField(s, key string) (string, bool) {
	_, v, ok := strings.Cut(s, key)
	if !ok {
		return "", false
	}
	v, _, _ = strings.Cut(v, " ")
	return v, v != ""
}

// Lost lists the sequence numbers that got no reply, in order.
func (p PingLog) Lost() []int {
	var lost []int
	for seq := 1; seq <= p.Sent; seq++ {
		if _, ok := p.Replies[seq]; !ok {
			lost = append(lost, seq)
		}
	}
	return lost
}

// Steady returns the first sequence number from which every request got
// its reply to the end of the run, and false when the last one got none.
func (p PingLog) Steady() (int, bool) {
	first := p.Sent + 1
	for seq := p.Sent; seq >= 1; seq-- {
		if _, ok := p.Replies[seq]; !ok {
			break
		}
		first = seq
	}
	return first, first <= p.Sent
}

// PingSeries sends count echo requests from n to addr, interval apart, with
// `ping -6 -n -D -c <count> -i <interval> -W 2`, and returns what came
// back. Loss is not an error; a ping that does not run to its end is.
func (n *Node) PingSeries(ctx context.Context, addr string, count int, interval time.Duration) (PingLog, error) {
	limit := time.Duration(count)*interval + 30*time.Second
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	out, runErr := n.Exec(ctx, "ping", "-6", "-n", "-D", "-c", strconv.Itoa(count),
		"-i", strconv.FormatFloat(interval.Seconds(), 'f', -1, 64), "-W", "2", addr)
	log, err := ParsePingLog(out)
	if err != nil {
		return log, fmt.Errorf("%s: ping %s: %w (%v)", n.Name, addr, err, runErr)
	}
	return log, nil
}

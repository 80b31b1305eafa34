//go:build linux

package labtest

import (
	"fmt"
	"strings"
	"time"
)

// LinkEvent is a "Connected ..." or "Disconnected ..." log line (spec 03
// §1.7): `Connected TCP: <peer address>@<remote host>, source <local host>`.
type LinkEvent struct {
	Up     bool
	Proto  string // TCP, TLS or SOCKS
	Peer   string // the peer's Yggdrasil address
	Remote string // the remote host the link runs to
	Source string // the local host the link runs from
}

// ParseLinkEvent parses one log line, with or without the logger's
// "YYYY/MM/DD HH:MM:SS " prefix. ok is false for any other line.
func ParseLinkEvent(line string) (ev LinkEvent, ok bool) {
	line = strings.TrimRight(line, "\r\n")
	for _, word := range []string{"Connected ", "Disconnected "} {
		i := strings.Index(line, word)
		if i < 0 {
			continue
		}
		// Only the message start counts: the date and time prefix has no
		// letters, so anything else before the word means another message.
		if strings.ContainsFunc(line[:i], func(r rune) bool { return r != ' ' && r != '/' && r != ':' && (r < '0' || r > '9') }) {
			continue
		}
		rest := line[i+len(word):]
		proto, rest, found := strings.Cut(rest, ": ")
		if !found || (proto != "TCP" && proto != "TLS" && proto != "SOCKS") {
			return LinkEvent{}, false
		}
		peer, rest, found := strings.Cut(rest, "@")
		if !found || peer == "" {
			return LinkEvent{}, false
		}
		remote, source, found := strings.Cut(rest, ", source ")
		if !found || remote == "" || source == "" {
			return LinkEvent{}, false
		}
		return LinkEvent{Up: word == "Connected ", Proto: proto, Peer: peer, Remote: remote, Source: source}, true
	}
	return LinkEvent{}, false
}

// LinkCounts replays the link events of a log and returns, per peer
// address, how many links to it are up at the end.
func LinkCounts(log string) map[string]int {
	counts := make(map[string]int)
	for _, line := range strings.Split(log, "\n") {
		ev, ok := ParseLinkEvent(line)
		if !ok {
			continue
		}
		if ev.Up {
			counts[ev.Peer]++
		} else if counts[ev.Peer] > 0 {
			counts[ev.Peer]--
		}
	}
	return counts
}

// ConnectedTo reports whether n's log since its start shows a link to m
// that is still up.
func (n *Node) ConnectedTo(m *Node) bool {
	log, err := n.Log()
	return err == nil && LinkCounts(log)[m.Addr.String()] > 0
}

// WaitPeered waits until both a and b log a link to each other that is up.
func WaitPeered(a, b *Node, timeout time.Duration) error {
	what := fmt.Sprintf("link to %s", b.Name)
	if err := a.waitFor(timeout, what, func() bool { return a.ConnectedTo(b) }); err != nil {
		return err
	}
	what = fmt.Sprintf("link to %s", a.Name)
	return b.waitFor(timeout, what, func() bool { return b.ConnectedTo(a) })
}

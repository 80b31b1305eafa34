package core

import (
	"errors"
	"testing"

	"github.com/yggmesh/ygg/src/actor"
	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/crypto"
	"github.com/yggmesh/ygg/src/firewall"
)

// The session firewall decides at session creation, in both directions:
// c refuses sessions from non-peers, so a (two hops away) cannot reach it,
// while b (a direct peer) can, and c may still open sessions itself.
func TestFirewallOnSessions(t *testing.T) {
	tn, recs := lineOf3(t)
	a, b, c := tn.nodes[0], tn.nodes[1], tn.nodes[2]
	c.SetFirewall(firewall.New(config.SessionFirewall{
		Enable: true, AllowFromDirect: true, AllowFromRemote: false, AlwaysAllowOutbound: true,
	}))
	// a's ping reaches c, which ignores it: the dial times out,
	// handshakeTimeout after the search found c.
	start := tn.ex.Now()
	if _, err := dialSync(tn, a.Core, c.NodeID(), fullMask); !errors.Is(err, ErrHandshakeTimeout) {
		t.Fatalf("remote dial: %v, want %v", err, ErrHandshakeTimeout)
	}
	if took, lo, hi := tn.ex.Now().Sub(start), handshakeTimeout, handshakeTimeout+4*tn.latency; took < lo || took > hi {
		t.Fatalf("remote dial failed after %v, want %v to %v", took, lo, hi)
	}
	if s, err := dialSync(tn, b.Core, c.NodeID(), fullMask); err != nil {
		t.Fatalf("direct peer refused: %v", err)
	} else {
		s.Send(nil, []byte("from b"), 0)
		recs[2].expect(tn, []byte("from b"))
	}
	// Outbound is allowed, and the session it opens carries traffic back.
	s, err := dialSync(tn, c.Core, a.NodeID(), fullMask)
	if err != nil {
		t.Fatalf("outbound refused: %v", err)
	}
	s.Send(nil, []byte("from c"), 0)
	recs[0].expect(tn, []byte("from c"))

	// A blacklisted key is refused even outbound.
	c.SetFirewall(firewall.New(config.SessionFirewall{
		Enable: true, AllowFromDirect: true, AllowFromRemote: true, AlwaysAllowOutbound: true,
		BlacklistEncryptionPublicKeys: []string{b.BoxPub().String()},
	}))
	for _, sess := range c.Sessions() {
		if sess.BoxPub == b.BoxPub() {
			// Existing sessions are not re-checked; close it to test a new one.
			c.closeSession(b.BoxPub())
		}
	}
	tn.ex.RunUntilIdle()
	if _, err := dialSync(tn, c.Core, b.NodeID(), fullMask); !errors.Is(err, ErrSessionNotAllowed) {
		t.Fatalf("blacklisted outbound: %v, want %v", err, ErrSessionNotAllowed)
	}
}

// closeSession closes the session with key, if any (tests).
func (c *Core) closeSession(key crypto.BoxPubKey) {
	var s *session
	actor.Block(c.router, func() { s = c.router.sessions[key] })
	if s != nil {
		actor.Block(s, s._close)
	}
}

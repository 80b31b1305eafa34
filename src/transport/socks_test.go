package transport

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/logging"
	"github.com/yggmesh/ygg/src/logging/logbuf"
	"github.com/yggmesh/ygg/src/transport/socks5test"
)

func TestSOCKS(t *testing.T) {
	l := listenT(t, "tcp://127.0.0.1:0", nil)
	peerPort := portOf(l.Addr())
	l6 := listenT(t, "tcp://[::1]:0", nil)
	peerPort6 := portOf(l6.Addr())

	tests := []struct {
		name, proxyNet, proxyAddr, user, pass string
		target                                string // peer part of the URI
		userinfo                              string // user info in the URI
		listener                              *Listener
		wantMethods                           []byte
		wantTarget, wantRemote                string
	}{
		{name: "no auth, IPv4 target", proxyNet: "tcp4", proxyAddr: "127.0.0.1:0",
			target: "127.0.0.1:" + peerPort, listener: l, wantMethods: []byte{0},
			wantTarget: "1:127.0.0.1:" + peerPort, wantRemote: "127.0.0.1"},
		{name: "host name sent as a domain name", proxyNet: "tcp4", proxyAddr: "127.0.0.1:0",
			target: "peer.invalid:" + peerPort, listener: l, wantMethods: []byte{0},
			wantTarget: "3:peer.invalid:" + peerPort, wantRemote: "127.0.0.1"},
		{name: "user and password", proxyNet: "tcp4", proxyAddr: "127.0.0.1:0", user: "alice", pass: "s3cret",
			userinfo: "alice:s3cret@", target: "127.0.0.1:" + peerPort, listener: l, wantMethods: []byte{0, 2},
			wantTarget: "1:127.0.0.1:" + peerPort, wantRemote: "127.0.0.1"},
		{name: "IPv6 proxy and target", proxyNet: "tcp6", proxyAddr: "[::1]:0",
			target: "[::1]:" + peerPort6, listener: l6, wantMethods: []byte{0},
			wantTarget: "4:[::1]:" + peerPort6, wantRemote: "::1"},
	}
	for _, tt := range tests {
		proxy := socks5test.New(t, tt.proxyNet, tt.proxyAddr, tt.user, tt.pass)
		proxy.Hosts["peer.invalid"] = "127.0.0.1"
		uri := "socks://" + tt.userinfo + proxy.Addr().String() + "/" + tt.target
		c, info := dialT(t, uri, "")
		s, sinfo := acceptT(t, tt.listener)
		pingPong(t, c, s)

		methods, targets := proxy.Record()
		if len(methods) != 1 || !bytes.Equal(methods[0], tt.wantMethods) {
			t.Errorf("%s: methods offered %v, want %v", tt.name, methods, tt.wantMethods)
		}
		if len(targets) != 1 || targets[0] != tt.wantTarget {
			t.Errorf("%s: CONNECT %v, want %s", tt.name, targets, tt.wantTarget)
		}
		want := LinkInfo{Proto: "socks", Local: tt.wantRemote, Remote: tt.wantRemote,
			Name: "socks://" + proxy.Addr().String() + "/" + tt.target}
		if info != want {
			t.Errorf("%s: info %+v, want %+v", tt.name, info, want)
		}
		// The far side sees the proxy, not us.
		if sinfo.Remote != tt.wantRemote || sinfo.Proto != "tcp" || !sinfo.Inbound {
			t.Errorf("%s: accepted info %+v", tt.name, sinfo)
		}
	}
}

func TestSOCKSAuthFailures(t *testing.T) {
	l := listenT(t, "tcp://127.0.0.1:0", nil)
	proxy := socks5test.New(t, "tcp", "127.0.0.1:0", "alice", "s3cret")
	for _, userinfo := range []string{"alice:wrong@", "mallory:s3cret@", ""} {
		u, err := ParsePeerURI("socks://" + userinfo + proxy.Addr().String() + "/" + l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := NewDialer(nil).Dial(t.Context(), u, "")
		if err == nil {
			c.Close()
			t.Errorf("%q: dial through the proxy succeeded", userinfo)
			continue
		}
		if strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: error shows the password: %v", userinfo, err)
		}
	}
	if _, targets := proxy.Record(); len(targets) != 0 {
		t.Errorf("CONNECT sent without authentication: %v", targets)
	}
}

// socksURI is a socks:// URI through proxy to the peer at target.
func socksURI(t *testing.T, userinfo string, proxy, target net.Addr) PeerURI {
	t.Helper()
	u, err := ParsePeerURI("socks://" + userinfo + proxy.String() + "/" + target.String())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A CONNECT that takes longer than a TCP connect is given its own time: the
// short DialTimeout bounds only the connect to the proxy, and the caller's
// context only cancels.
func TestSOCKSSlowConnect(t *testing.T) {
	l := listenT(t, "tcp://127.0.0.1:0", nil)
	proxy := socks5test.New(t, "tcp", "127.0.0.1:0", "", "")
	proxy.DelayConnect(time.Second)
	d := &Dialer{DialTimeout: 200 * time.Millisecond}
	c, _, err := d.Dial(t.Context(), socksURI(t, "", proxy.Addr(), l.Addr()), "")
	if err != nil {
		t.Fatalf("dial through a slow proxy: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	s, _ := acceptT(t, l)
	pingPong(t, c, s)
}

// A CONNECT that takes longer than SOCKSConnectTimeout fails as a timeout.
func TestSOCKSConnectTimeout(t *testing.T) {
	l := listenT(t, "tcp://127.0.0.1:0", nil)
	proxy := socks5test.New(t, "tcp", "127.0.0.1:0", "", "")
	proxy.DelayConnect(time.Minute) // cut short when the test ends
	d := &Dialer{SOCKSConnectTimeout: 200 * time.Millisecond}
	c, _, err := d.Dial(t.Context(), socksURI(t, "", proxy.Addr(), l.Addr()), "")
	if err == nil {
		c.Close()
		t.Fatal("dial succeeded without a CONNECT answer")
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), "SOCKS proxy did not answer within 200ms") {
		t.Errorf("error %v, want a SOCKS timeout", err)
	}
	if _, targets := proxy.Record(); len(targets) != 1 {
		t.Errorf("CONNECTs received: %v, want the one that timed out", targets)
	}
}

// However a dial through a proxy with a password fails, neither the error
// nor the log shows the password.
func TestSOCKSErrorsHidePassword(t *testing.T) {
	const pass = "hunter2-secret"
	l := listenT(t, "tcp://127.0.0.1:0", nil)
	closedPort := func() net.Addr {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln.Close()
		return ln.Addr()
	}
	wrongPass := socks5test.New(t, "tcp", "127.0.0.1:0", "alice", "other")
	hangsUp := socks5test.New(t, "tcp", "127.0.0.1:0", "alice", pass)
	hangsUp.HangUpAtConnect()
	slow := socks5test.New(t, "tcp", "127.0.0.1:0", "alice", pass)
	slow.DelayConnect(time.Minute)
	good := socks5test.New(t, "tcp", "127.0.0.1:0", "alice", pass)
	closes := rawServer(t, func(c net.Conn) { c.Close() })

	tests := []struct {
		name          string
		proxy, target net.Addr
	}{
		{"proxy refuses the password", wrongPass.Addr(), l.Addr()},
		{"proxy hangs up at CONNECT", hangsUp.Addr(), l.Addr()},
		{"proxy closes at once", closes, l.Addr()},
		{"proxy unreachable", closedPort(), l.Addr()},
		{"CONNECT times out", slow.Addr(), l.Addr()},
		{"peer unreachable from the proxy", good.Addr(), closedPort()},
	}
	var logs logbuf.Buffer
	d := NewDialer(logging.New(&logs, logging.LevelTrace))
	d.SOCKSConnectTimeout = 200 * time.Millisecond
	for _, tt := range tests {
		c, _, err := d.Dial(t.Context(), socksURI(t, "alice:"+pass+"@", tt.proxy, tt.target), "")
		if err == nil {
			c.Close()
			t.Errorf("%s: dial succeeded", tt.name)
			continue
		}
		t.Logf("%s: %v", tt.name, err)
		if strings.Contains(err.Error(), pass) || !strings.Contains(err.Error(), "socks://alice:xxxxx@") {
			t.Errorf("%s: error %q, want the URI with the password masked", tt.name, err)
		}
	}
	if strings.Contains(logs.String(), pass) {
		t.Errorf("log shows the password: %s", logs.String())
	}
}

package transport

import (
	"bytes"
	"strings"
	"testing"

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

package transport

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// socksServer is a minimal SOCKS5 proxy (RFC 1928, RFC 1929) that records
// what clients ask of it.
type socksServer struct {
	ln         net.Listener
	user, pass string            // username/password required when user != ""
	hosts      map[string]string // the proxy's own name resolution

	mu      sync.Mutex
	methods [][]byte // methods offered, per connection
	targets []string // CONNECT targets, "atyp:host:port"
}

func newSOCKSServer(t *testing.T, network, addr, user, pass string) *socksServer {
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &socksServer{ln: ln, user: user, pass: pass, hosts: map[string]string{}}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *socksServer) serve(c net.Conn) {
	defer c.Close()
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(c, hdr); err != nil || hdr[0] != 5 {
		return
	}
	methods := make([]byte, hdr[1])
	if _, err := io.ReadFull(c, methods); err != nil {
		return
	}
	s.mu.Lock()
	s.methods = append(s.methods, methods)
	s.mu.Unlock()
	want := byte(0)
	if s.user != "" {
		want = 2
	}
	if !bytes.Contains(methods, []byte{want}) {
		c.Write([]byte{5, 0xff})
		return
	}
	c.Write([]byte{5, want})
	if want == 2 && !s.checkPassword(c) {
		return
	}
	req := make([]byte, 4)
	if _, err := io.ReadFull(c, req); err != nil || req[1] != 1 {
		return
	}
	var host string
	switch req[3] {
	case 1, 4:
		ip := make(net.IP, map[byte]int{1: 4, 4: 16}[req[3]])
		io.ReadFull(c, ip)
		host = ip.String()
	case 3:
		n := make([]byte, 1)
		io.ReadFull(c, n)
		name := make([]byte, n[0])
		io.ReadFull(c, name)
		host = string(name)
	}
	port := make([]byte, 2)
	if _, err := io.ReadFull(c, port); err != nil {
		return
	}
	p := strconv.Itoa(int(binary.BigEndian.Uint16(port)))
	s.mu.Lock()
	s.targets = append(s.targets, strconv.Itoa(int(req[3]))+":"+net.JoinHostPort(host, p))
	s.mu.Unlock()
	if ip, ok := s.hosts[host]; ok {
		host = ip
	}
	up, err := net.Dial("tcp", net.JoinHostPort(host, p))
	if err != nil {
		c.Write([]byte{5, 4, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	defer up.Close()
	c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0})
	go io.Copy(up, c)
	io.Copy(c, up)
}

func (s *socksServer) checkPassword(c net.Conn) bool {
	field := func() string {
		n := make([]byte, 1)
		io.ReadFull(c, n)
		b := make([]byte, n[0])
		io.ReadFull(c, b)
		return string(b)
	}
	ver := make([]byte, 1)
	io.ReadFull(c, ver)
	user, pass := field(), field()
	if ver[0] != 1 || user != s.user || pass != s.pass {
		c.Write([]byte{1, 1})
		return false
	}
	c.Write([]byte{1, 0})
	return true
}

func (s *socksServer) record() ([][]byte, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.methods, s.targets
}

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
		proxy := newSOCKSServer(t, tt.proxyNet, tt.proxyAddr, tt.user, tt.pass)
		proxy.hosts["peer.invalid"] = "127.0.0.1"
		uri := "socks://" + tt.userinfo + proxy.ln.Addr().String() + "/" + tt.target
		c, info := dialT(t, uri, "")
		s, sinfo := acceptT(t, tt.listener)
		pingPong(t, c, s)

		methods, targets := proxy.record()
		if len(methods) != 1 || !bytes.Equal(methods[0], tt.wantMethods) {
			t.Errorf("%s: methods offered %v, want %v", tt.name, methods, tt.wantMethods)
		}
		if len(targets) != 1 || targets[0] != tt.wantTarget {
			t.Errorf("%s: CONNECT %v, want %s", tt.name, targets, tt.wantTarget)
		}
		want := LinkInfo{Proto: "socks", Local: tt.wantRemote, Remote: tt.wantRemote,
			Name: "socks://" + proxy.ln.Addr().String() + "/" + tt.target}
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
	proxy := newSOCKSServer(t, "tcp", "127.0.0.1:0", "alice", "s3cret")
	for _, userinfo := range []string{"alice:wrong@", "mallory:s3cret@", ""} {
		u, err := ParsePeerURI("socks://" + userinfo + proxy.ln.Addr().String() + "/" + l.Addr().String())
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
	if _, targets := proxy.record(); len(targets) != 0 {
		t.Errorf("CONNECT sent without authentication: %v", targets)
	}
}

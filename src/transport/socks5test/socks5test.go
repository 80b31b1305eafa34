// Package socks5test is a minimal SOCKS5 proxy (RFC 1928, RFC 1929) for
// tests: it records the methods clients offer and the targets they CONNECT
// to, and relays the streams. It can also answer CONNECT slowly, as a proxy
// into Tor does, or hang up instead of answering.
package socks5test

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Server is the proxy.
type Server struct {
	ln         net.Listener
	user, pass string            // username/password required when user != ""
	Hosts      map[string]string // the proxy's own name resolution; set before use

	done chan struct{} // closed when the test ends; cuts delays short

	mu           sync.Mutex
	methods      [][]byte      // methods offered, per connection
	targets      []string      // CONNECT targets, "atyp:host:port"
	connectDelay time.Duration // wait before answering a CONNECT
	hangUp       bool          // close instead of answering a CONNECT
}

// New starts a proxy on network/addr that requires user/pass when user is
// not empty; it stops when the test ends.
func New(t *testing.T, network, addr, user, pass string) *Server {
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{ln: ln, user: user, pass: pass, Hosts: map[string]string{}, done: make(chan struct{})}
	t.Cleanup(func() {
		close(s.done)
		ln.Close()
	})
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

func (s *Server) serve(c net.Conn) {
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
	delay, hangUp := s.connectDelay, s.hangUp
	s.mu.Unlock()
	select {
	case <-time.After(delay):
	case <-s.done:
		return
	}
	if hangUp {
		return
	}
	if ip, ok := s.Hosts[host]; ok {
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

func (s *Server) checkPassword(c net.Conn) bool {
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

// Record returns the methods offered per connection and the CONNECT
// targets, as "atyp:host:port".
func (s *Server) Record() ([][]byte, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.methods, s.targets
}

// DelayConnect makes the proxy wait d before answering each CONNECT.
func (s *Server) DelayConnect(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.connectDelay = d
}

// HangUpAtConnect makes the proxy close each connection when its CONNECT
// arrives, without answering it.
func (s *Server) HangUpAtConnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangUp = true
}

// Addr is the proxy's listening address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

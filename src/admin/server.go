// Package admin is the node's admin socket: a JSON request/response server
// on a unix or TCP socket that yggdrasilctl v0.3.16 talks to. It owns the
// listener, the connections and the envelope, error and keepalive rules of
// spec 03 §5; the node's modules plug their handlers into it.
//
// Flow: one accept goroutine hands each connection to its own goroutine,
// which decodes one request object at a time, runs the handler (handlers
// reach the node's actors themselves, typically with phony.Block), writes
// the indented envelope and either waits for the next request (keepalive)
// or closes. Blocking I/O is fine here because every connection has its
// own goroutine and bounded deadlines; a client can only ever stall itself.
//
// Bounds, chosen so no client can exhaust the node or starve another:
//   - a request may take at most maxRequestBytes of input (128 KiB, ample
//     for the largest real request, a NodeInfo-sized object); more gets
//     the generic error and a close;
//   - each request must arrive within idleTimeout (5 min) of the previous
//     response (or of the connection opening), and each response must be
//     taken by the client within writeTimeout (30 s);
//   - at most maxConns (256) connections are served at once; further ones
//     wait in the kernel's accept queue until a slot frees, so a burst of
//     scripts is served late rather than refused, and clients already being
//     served are not affected.
package admin

import (
	"errors"
	"net"
	"os"
	"sync"
	"time"

	"github.com/yggmesh/ygg/src/logging"
)

const (
	maxRequestBytes     = 128 << 10
	defaultIdleTimeout  = 5 * time.Minute
	defaultWriteTimeout = 30 * time.Second
	defaultMaxConns     = 256
)

// Server is an admin socket server. Create it with New, register handlers
// with AddHandler, then Start it; Stop shuts it down.
type Server struct {
	log *logging.Logger

	hmu      sync.RWMutex // guards handlers and secrets
	handlers map[string]entry
	secrets  [][]byte // texts no response may contain (see NeverSend)

	// Bounds; fixed before Start (tests in this package shorten them).
	idleTimeout  time.Duration
	writeTimeout time.Duration
	maxConns     int

	mu       sync.Mutex // guards the fields below
	started  bool
	stopped  bool
	ln       net.Listener
	addr     string // what Addr reports
	sockFile string // unix socket file to remove on Stop; "" if none
	conns    map[net.Conn]struct{}

	quit  chan struct{}  // closed by Stop
	slots chan struct{}  // one token per connection being served
	wg    sync.WaitGroup // accept loop and connection goroutines
}

// New makes a server with only the built-in "list" handler registered.
func New(log *logging.Logger) *Server {
	if log == nil {
		log = logging.Discard()
	}
	s := &Server{
		log:          log,
		handlers:     make(map[string]entry),
		idleTimeout:  defaultIdleTimeout,
		writeTimeout: defaultWriteTimeout,
		maxConns:     defaultMaxConns,
		conns:        make(map[net.Conn]struct{}),
		quit:         make(chan struct{}),
	}
	// Cannot fail on an empty table.
	_ = s.AddHandler("list", nil, s.handleList)
	return s
}

// Start listens on the AdminListen value listen and serves in the
// background. "none" and "" disable the socket (nil error, no log line).
// Failures are logged with the §5.1 texts and returned with the same text;
// the node exits 1 on them.
func (s *Server) Start(listen string) error {
	s.mu.Lock()
	if s.started || s.stopped {
		s.mu.Unlock()
		return errors.New("admin: Start called twice or after Stop")
	}
	s.started = true
	s.mu.Unlock()

	network, address, err := parseListen(listen)
	if err != nil {
		s.log.Errorf("%v", err)
		return err
	}
	if network == "" {
		return nil
	}
	var ln net.Listener
	var sockFile string
	if network == "unix" {
		ln, sockFile, err = s.listenUnix(address)
	} else {
		ln, err = s.listenTCP(address)
	}
	if err != nil {
		s.log.Errorf("%v", err)
		return err
	}

	s.mu.Lock()
	if s.stopped { // Stop raced with us; undo.
		s.mu.Unlock()
		ln.Close()
		removeSocketFile(s.log, sockFile)
		return errors.New("admin: stopped during Start")
	}
	s.ln, s.sockFile = ln, sockFile
	s.addr = address
	if network == "tcp" {
		s.addr = ln.Addr().String()
	}
	s.slots = make(chan struct{}, s.maxConns)
	s.wg.Add(1)
	s.mu.Unlock()
	go s.acceptLoop(ln)
	return nil
}

// Addr is where the server listens: the socket path (with a leading @ for
// an abstract socket) or the TCP ip:port; "" if not listening.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Stop closes the listener and every open connection, waits for the
// connection goroutines (and so for any handler still running) to finish,
// and removes the unix socket file. It is safe to call more than once.
func (s *Server) Stop() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		s.wg.Wait()
		return
	}
	s.stopped = true
	close(s.quit)
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	sockFile := s.sockFile
	s.mu.Unlock()

	s.wg.Wait()
	removeSocketFile(s.log, sockFile)
}

// acceptLoop takes a connection slot before each Accept, so beyond
// maxConns new clients queue in the kernel instead of being refused.
func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	backoff := 5 * time.Millisecond
	for {
		select {
		case s.slots <- struct{}{}:
		case <-s.quit:
			return
		}
		c, err := ln.Accept()
		if err != nil {
			<-s.slots
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Typically EMFILE: back off rather than spin, and keep going.
			s.log.Warnf("Admin socket accept error: %v", err)
			select {
			case <-time.After(backoff):
			case <-s.quit:
				return
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		if !s.track(c) {
			c.Close()
			<-s.slots
			return
		}
		go s.serve(c)
	}
}

// track records c so Stop can close it; false if Stop already ran.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

// serve runs one connection to the end and releases everything it held.
func (s *Server) serve(c net.Conn) {
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		<-s.slots
		s.wg.Done()
	}()
	s.session(c)
}

// removeSocketFile deletes the unix socket file we created, if any.
func removeSocketFile(log *logging.Logger, path string) {
	if path == "" {
		return
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Warnf("Admin socket %s could not be removed: %v", path, err)
	}
}

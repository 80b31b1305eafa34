// Package admin is the node's admin socket: a JSON request/response server
// on a unix or TCP socket that yggdrasilctl v0.3.16 talks to. It owns the
// listener, the connections and the envelope, error and keepalive rules of
// spec 03 §5; the node's modules plug their handlers into it.
//
// Flow: one accept goroutine hands each connection to its own goroutine,
// which decodes one request object at a time, runs the handler (handlers
// reach the node's actors themselves, typically with actor.Block), writes
// the indented envelope and either waits for the next request (keepalive)
// or closes (half-close, drain, close: see below). Blocking I/O is fine
// here because every connection has its own goroutine and bounded
// deadlines, and the connection table (slots.go) makes room for a new
// client by evicting one that makes the server wait.
//
// Bounds, chosen so no client can exhaust the node or starve another:
//   - a request may take at most maxRequestBytes of input (128 KiB, ample
//     for the largest real request, a NodeInfo-sized object) and nest at
//     most maxRequestDepth deep (requests are flat objects); more gets the
//     generic error and a close. The echo of a request in its reply is so
//     at most about 8 times its size (HTML escaping alone makes 6);
//   - the first request must arrive within firstRequestTimeout (30 s) of
//     the connection opening, each later one within idleTimeout (5 min) of
//     the previous response, and each response must be taken by the client
//     within writeTimeout (30 s);
//   - at most maxConns (256) connections are served at once. When all are
//     in use, a new connection takes the slot of the one the server has
//     waited on longest: for its next request, or for it to take a reply
//     it has left unread for stallGrace (2 s); Stats counts evictions. A
//     connection whose handler is running is never evicted; if every one
//     is, the new connection waits for the next to finish (and further
//     ones wait in the kernel's accept queue), and keepalive connections
//     close after their answer until it is in. So holding connections open
//     locks no one out.
//   - after its last reply the server half-closes a connection and discards
//     what the client still sends, up to lingerBytes (1 MiB) for at most
//     lingerTimeout (2 s), so that closing with unread input does not reset
//     the connection and destroy the reply; such connections are the first
//     evicted.
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
	maxRequestBytes            = 128 << 10
	maxRequestDepth            = 5
	lingerBytes                = 1 << 20
	defaultFirstRequestTimeout = 30 * time.Second
	defaultIdleTimeout         = 5 * time.Minute
	defaultWriteTimeout        = 30 * time.Second
	defaultStallGrace          = 2 * time.Second
	defaultLingerTimeout       = 2 * time.Second
	defaultMaxConns            = 256
)

// Server is an admin socket server. Create it with New, register handlers
// with AddHandler, then Start it; Stop shuts it down.
type Server struct {
	log       *logging.Logger
	evictLog  *logging.Limited // eviction lines
	clientLog *logging.Limited // other lines any client can trigger

	hmu      sync.RWMutex // guards handlers and secrets
	handlers map[string]entry
	secrets  [][]byte // texts no response may contain (see NeverSend)

	// Bounds; fixed before Start (tests in this package change them).
	firstRequestTimeout time.Duration
	idleTimeout         time.Duration
	writeTimeout        time.Duration
	stallGrace          time.Duration
	lingerTimeout       time.Duration
	maxConns            int

	mu       sync.Mutex // guards the fields below
	started  bool
	stopped  bool
	ln       net.Listener
	addr     string                // what Addr reports
	sockFile string                // unix socket file to remove on Stop; "" if none
	conns    map[net.Conn]*tracked // the connection table (slots.go)
	waiting  bool                  // the accept goroutine waits for a slot
	// Counters for Stats.
	evictions uint64
	rejected  uint64

	quit    chan struct{}  // closed by Stop
	changed chan struct{}  // wakes a waiting admit; buffered, never blocks
	wg      sync.WaitGroup // accept loop and connection goroutines
}

// New makes a server with only the built-in "list" handler registered.
func New(log *logging.Logger) *Server {
	if log == nil {
		log = logging.Discard()
	}
	s := &Server{
		log: log,
		// A few lines a second is plenty to see what is going on.
		evictLog:            log.Limited(2, 4, nil),
		clientLog:           log.Limited(5, 10, nil),
		handlers:            make(map[string]entry),
		firstRequestTimeout: defaultFirstRequestTimeout,
		idleTimeout:         defaultIdleTimeout,
		writeTimeout:        defaultWriteTimeout,
		stallGrace:          defaultStallGrace,
		lingerTimeout:       defaultLingerTimeout,
		maxConns:            defaultMaxConns,
		conns:               make(map[net.Conn]*tracked),
		quit:                make(chan struct{}),
		changed:             make(chan struct{}, 1),
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

// acceptLoop admits each new connection before accepting the next, so
// while it waits for a slot further clients queue in the kernel instead of
// being refused, and at most maxConns+1 connections are ever open.
func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	backoff := 5 * time.Millisecond
	for {
		c, err := ln.Accept()
		if err != nil {
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
		t, ok := s.admit(c)
		if !ok {
			c.Close()
			return
		}
		go s.serve(c, t)
	}
}

// serve runs one connection to the end and releases everything it held.
func (s *Server) serve(c net.Conn, t *tracked) {
	defer s.release(c)
	if s.session(c, t) {
		s.linger(c, t)
	}
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

package main

// The opt-in debug listener: Go's pprof handlers over HTTP, for soak runs
// that watch a node's goroutines and heap from outside. It is off unless the
// environment asks for it, so a node never opens a port nobody configured.

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/yggmesh/ygg/src/logging"
)

// debugListenEnv names the environment variable that turns the debug
// listener on; its value is the TCP address to listen on, such as
// 127.0.0.1:6060. The handlers answer anyone who can connect, so it is
// meant for loopback.
const debugListenEnv = "YGG_DEBUG_LISTEN"

// debugHeaderTimeout bounds how long a client may take to send its request
// headers; profiles themselves may run as long as they ask to.
const debugHeaderTimeout = 10 * time.Second

// startDebugListener serves the pprof handlers under /debug/pprof/ on addr,
// and logs one line saying where. An empty addr leaves it off. A bad
// address is returned as an error, for the node to refuse to start. The
// returned function closes the listener and any connection open on it.
func startDebugListener(addr string, log *logging.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug listener %s=%q: %w", debugListenEnv, addr, err)
	}
	srv := &http.Server{Handler: debugMux(), ReadHeaderTimeout: debugHeaderTimeout}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Errorf("Debug listener on %s stopped: %v", ln.Addr(), err)
		}
	}()
	log.Infof("Debug listener (pprof) on http://%s/debug/pprof/ because %s is set", ln.Addr(), debugListenEnv)
	return func() { _ = srv.Close() }, nil
}

// debugMux routes the pprof handlers on a mux of its own rather than on
// http.DefaultServeMux, so nothing else registered there is ever served.
func debugMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // named profiles: goroutine, heap, ...
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

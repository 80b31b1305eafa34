package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// stream is what a session needs of a connection; net.Conn has it, and the
// fuzz test supplies an in-memory one.
type stream interface {
	io.ReadWriter
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// genericError is the reply to input of the wrong JSON type, an oversized
// request, ErrBadInput from a handler or a panicking handler; the
// connection is closed after it.
func genericError() Info {
	return Info{"error": ErrBadInput.Error(), "status": "error"}
}

// session serves requests on c until it should close; the caller closes c.
// It reports whether the server ended the connection after a reply, so
// that the caller should linger before closing.
func (s *Server) session(c stream, t *tracked) (answered bool) {
	in := newRequestReader(c)
	timeout := s.firstRequestTimeout
	for {
		if !s.enter(t, phaseReading) {
			return false
		}
		c.SetReadDeadline(time.Now().Add(timeout))
		timeout = s.idleTimeout
		req, err := in.next()
		if err != nil {
			// Input that is not a JSON object (syntax error, array, string,
			// number) gets no answer, as in v0.3.16, but unlike v0.3.16 the
			// connection is closed instead of left hanging.
			if errors.Is(err, errTooLarge) {
				s.countRejected()
				s.clientLog.Debugf("Admin socket request over %d bytes, closing", maxRequestBytes)
				return s.reply(c, t, genericError())
			} else if !errors.Is(err, io.EOF) {
				s.clientLog.Debugf("Admin socket JSON decode error: %v", err)
			}
			return false
		}
		if !s.enter(t, phaseRunning) {
			return false
		}
		if depth(req) > maxRequestDepth {
			// Not a request any handler takes, and its indented echo would
			// grow with the square of the depth.
			s.countRejected()
			s.clientLog.Debugf("Admin socket request nested over %d deep, closing", maxRequestDepth)
			return s.reply(c, t, genericError())
		}
		resp, fatal := s.dispatch(req)
		// req is not used past this point, so while a client leaves its
		// reply unread only the encoded reply is kept, not the decoded
		// request, which can take ten times the request's bytes.
		keep := keepaliveOf(req)
		if !s.reply(c, t, resp) {
			return false
		}
		if fatal || !s.keepAlive(c, t, keep) {
			return true
		}
	}
}

// keepalive is what a request's "keepalive" key asks for.
type keepalive int

const (
	keepaliveAbsent keepalive = iota
	keepaliveTrue
	keepaliveFalse
	keepaliveNotBool
)

func keepaliveOf(req Info) keepalive {
	v, present := req["keepalive"]
	b, isBool := v.(bool)
	switch {
	case !present:
		return keepaliveAbsent
	case !isBool:
		return keepaliveNotBool
	case b:
		return keepaliveTrue
	}
	return keepaliveFalse
}

// keepAlive reports whether the client asked for, and may have, another
// request on this connection.
func (s *Server) keepAlive(c stream, t *tracked, keep keepalive) bool {
	if keep == keepaliveNotBool {
		// Quirk kept from v0.3.16 (spec 03 §5.2, MAY copy): a non-boolean
		// keepalive gets the normal answer, then the generic error, then
		// a close. It tells the client what was wrong.
		s.reply(c, t, genericError())
		return false
	}
	return keep == keepaliveTrue && !s.yieldSlot(t)
}

func (s *Server) countRejected() {
	s.mu.Lock()
	s.rejected++
	s.mu.Unlock()
}

// dispatch runs the request and builds the envelope to send; fatal means
// close the connection after sending it.
func (s *Server) dispatch(req Info) (resp Info, fatal bool) {
	// null decodes to a nil map: no request name, like a missing one.
	name, ok := req["request"].(string)
	if !ok {
		return genericError(), true
	}
	e, found := s.lookup(name)
	if !found {
		return Info{
			"error":   fmt.Sprintf("Unknown action '%s', try 'list' for help", name),
			"request": req,
			"status":  "error",
		}, false
	}
	if arg, missing := e.missingArg(req); missing {
		// No request echo in this shape, exactly as the reference.
		return Info{
			"error":     "Expected field missing: " + arg,
			"expecting": arg,
			"status":    "error",
		}, false
	}
	out, err := s.call(name, e.fn, req)
	if errors.Is(err, ErrBadInput) {
		s.clientLog.Debugf("Admin socket request %q: %v", name, err)
		return genericError(), true
	}
	if out == nil {
		// Never send a null or missing "response": stock yggdrasilctl calls
		// that a malformed response.
		out = Info{}
	}
	if err != nil {
		return Info{"error": err.Error(), "request": req, "response": out, "status": "error"}, false
	}
	return Info{"request": req, "response": out, "status": "success"}, false
}

// errPanicked marks a handler that panicked; it wraps ErrBadInput so the
// client gets the generic error and a close, as the reference's recover does.
var errPanicked = fmt.Errorf("%w: handler panicked", ErrBadInput)

// call runs a handler, turning a panic into errPanicked so one bad request
// cannot take the node down.
func (s *Server) call(name string, h Handler, req Info) (out Info, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logError("Admin socket handler %q panicked: %v", name, r)
			out, err = nil, errPanicked
		}
	}()
	return h(req)
}

// reply writes v as one 2-space-indented JSON object with sorted keys, HTML
// escaping on and a trailing newline, the reference's encoding. A response
// that cannot be encoded or would reveal a NeverSend text (a handler bug)
// is logged and replaced by the generic error. It reports whether the
// connection may carry on: the write succeeded and v itself was sent.
// Nothing uses v once it is encoded, so it can be collected during a
// stalled write.
func (s *Server) reply(c stream, t *tracked, v Info) bool {
	ok := true
	b, err := encode(v)
	if err != nil {
		s.logError("Admin socket could not encode a response: %v", err)
	} else if s.leaks(b) {
		s.log.Errorf("Admin socket response withheld: it contained a private key")
		err = errors.New("withheld")
	}
	if err != nil {
		ok = false
		if b, err = encode(genericError()); err != nil {
			return false
		}
	}
	return s.send(c, t, b) && ok
}

// writeChunk is how much of a reply is written between two notes of
// progress: a client that keeps taking its reply is never stalled.
const writeChunk = 64 << 10

// send writes b within writeTimeout, noting progress so that a client that
// stops reading can be evicted.
func (s *Server) send(c stream, t *tracked, b []byte) bool {
	c.SetWriteDeadline(time.Now().Add(s.writeTimeout))
	for len(b) > 0 {
		if !s.enter(t, phaseWriting) {
			return false
		}
		n := min(len(b), writeChunk)
		if _, err := c.Write(b[:n]); err != nil {
			return false
		}
		b = b[n:]
	}
	return true
}

// encode marshals v, treating a panic in a handler-supplied MarshalJSON as
// an error.
func encode(v Info) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("panic while encoding: %v", r)
		}
	}()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// logError logs a line that may quote handler-supplied text (a panic
// value, an encoding error), dropping the detail if it holds a NeverSend
// text.
func (s *Server) logError(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if s.leaks([]byte(msg)) {
		msg = "Admin socket error withheld from the log: it contained a private key"
	}
	s.log.Errorf("%s", msg)
}

// linger ends a connection the server chose to close after replying: it
// half-closes so the reply is followed by an orderly end of stream, then
// discards what the client still sends (a pipelined request, the rest of
// an oversized one) for a bounded time and amount. Closing with that input
// unread would make the kernel reset the connection, and a reset can
// destroy the reply before the client reads it. The connection keeps its
// slot meanwhile but is the first to be evicted.
func (s *Server) linger(c net.Conn, t *tracked) {
	hc, ok := c.(interface{ CloseWrite() error })
	if !ok || !s.enter(t, phaseClosing) || hc.CloseWrite() != nil {
		return
	}
	c.SetReadDeadline(time.Now().Add(s.lingerTimeout))
	io.CopyN(io.Discard, c, lingerBytes)
}

package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// stream is what a session needs of a connection; net.Conn has it, and the
// fuzz test supplies an in-memory one.
type stream interface {
	io.ReadWriter
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

var errTooLarge = errors.New("admin request too large")

// limitReader fails with errTooLarge once n bytes have been read. The
// session refills n before each request. The JSON decoder reads ahead, so a
// request of up to n bytes always fits, and none larger than 2n gets in.
type limitReader struct {
	r io.Reader
	n int
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errTooLarge
	}
	if len(p) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= n
	return n, err
}

// genericError is the reply to input of the wrong JSON type, an oversized
// request, ErrBadInput from a handler or a panicking handler; the
// connection is closed after it.
func genericError() Info {
	return Info{"error": ErrBadInput.Error(), "status": "error"}
}

// session serves requests on c until it should close; the caller closes c.
func (s *Server) session(c stream) {
	lr := &limitReader{r: c}
	dec := json.NewDecoder(lr)
	for {
		lr.n = maxRequestBytes
		c.SetReadDeadline(time.Now().Add(s.idleTimeout))
		var req Info
		if err := dec.Decode(&req); err != nil {
			// Input that is not a JSON object (syntax error, array, string,
			// number) gets no answer, as in v0.3.16, but unlike v0.3.16 the
			// connection is closed instead of left hanging.
			if errors.Is(err, errTooLarge) {
				s.log.Debugf("Admin socket request over %d bytes, closing", maxRequestBytes)
				s.reply(c, genericError())
			} else if !errors.Is(err, io.EOF) {
				s.log.Debugf("Admin socket JSON decode error: %v", err)
			}
			return
		}
		resp, fatal := s.dispatch(req)
		if !s.reply(c, resp) || fatal {
			return
		}
		keep, present := req["keepalive"]
		if !present {
			return
		}
		b, isBool := keep.(bool)
		if !isBool {
			// Quirk kept from v0.3.16 (spec 03 §5.2, MAY copy): a non-boolean
			// keepalive gets the normal answer, then the generic error, then
			// a close. It tells the client what was wrong.
			s.reply(c, genericError())
			return
		}
		if !b {
			return
		}
	}
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
		s.log.Debugf("Admin socket request %q: %v", name, err)
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
// is logged and replaced by the generic error. It reports whether the connection may carry on: the write
// succeeded and v itself was sent.
func (s *Server) reply(c stream, v Info) bool {
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
	c.SetWriteDeadline(time.Now().Add(s.writeTimeout))
	if _, err := c.Write(b); err != nil {
		return false
	}
	return ok
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

package admin

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Info is a JSON object as the admin protocol carries it: a request as
// decoded (numbers are float64) or a handler's response.
type Info map[string]any

// Handler answers one request. req is the whole decoded request object,
// arguments included as top-level keys; changes a handler makes to req
// (such as dhtPing filling in a default) are echoed back to the client.
//
// A nil error gives a success envelope around resp. A non-nil error gives a
// "Handler failed" envelope with err.Error() as the text and resp (or {}) as
// the response, unless the error is or wraps ErrBadInput, which gives the
// generic type-error shape and closes the connection.
type Handler func(req Info) (Info, error)

// entry is one registered handler with the argument list it declared.
type entry struct {
	args []string
	fn   Handler
}

// AddHandler registers h under name. args are the declared arguments in the
// form "list" reports them: a plain name is required (the key must be
// present in the request, with any value), a name in [brackets] is optional.
// Names match case-insensitively, so registering a name that differs from an
// existing one only by case is a duplicate and an error.
func (s *Server) AddHandler(name string, args []string, h Handler) error {
	if name == "" {
		return errors.New("admin: empty handler name")
	}
	if h == nil {
		return fmt.Errorf("admin: nil handler for %q", name)
	}
	for _, a := range args {
		if a == "" || a == "[]" {
			return fmt.Errorf("admin: handler %q declares an empty argument name", name)
		}
	}
	key := strings.ToLower(name)
	s.hmu.Lock()
	defer s.hmu.Unlock()
	if _, dup := s.handlers[key]; dup {
		return fmt.Errorf("admin: handler %q already registered", name)
	}
	s.handlers[key] = entry{args: append([]string(nil), args...), fn: h}
	return nil
}

// lookup finds the handler for a request name, case-insensitively.
func (s *Server) lookup(name string) (entry, bool) {
	s.hmu.RLock()
	defer s.hmu.RUnlock()
	e, ok := s.handlers[strings.ToLower(name)]
	return e, ok
}

// missingArg returns the first required argument of e that req lacks.
func (e entry) missingArg(req Info) (string, bool) {
	for _, a := range e.args {
		if isOptional(a) {
			continue
		}
		if _, ok := req[a]; !ok {
			return a, true
		}
	}
	return "", false
}

func isOptional(arg string) bool {
	return len(arg) >= 2 && strings.HasPrefix(arg, "[") && strings.HasSuffix(arg, "]")
}

// handleList is the built-in "list" handler: every registered name,
// lowercased, with its declared arguments. "fields" is always an array,
// never null, because the reference prints [] for handlers without
// arguments and yggdrasilctl's table shows it.
func (s *Server) handleList(Info) (Info, error) {
	s.hmu.RLock()
	defer s.hmu.RUnlock()
	list := make(Info, len(s.handlers))
	for name, e := range s.handlers {
		fields := make([]string, len(e.args))
		copy(fields, e.args)
		list[name] = Info{"fields": fields}
	}
	return Info{"list": list}, nil
}

// Names returns the registered handler names, lowercased and sorted.
func (s *Server) Names() []string {
	s.hmu.RLock()
	defer s.hmu.RUnlock()
	names := make([]string, 0, len(s.handlers))
	for n := range s.handlers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NeverSend arms a last line of defence for "no handler ever returns a
// private key": any response whose encoding contains one of texts (e.g.
// the hex of the node's private keys, in each case the node might print
// them) is not sent; the client gets the generic error and the log says a
// response was withheld, without quoting it. Empty texts are ignored.
func (s *Server) NeverSend(texts ...string) {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	for _, t := range texts {
		if t != "" {
			s.secrets = append(s.secrets, []byte(t))
		}
	}
}

// leaks reports whether b contains a text registered with NeverSend.
func (s *Server) leaks(b []byte) bool {
	s.hmu.RLock()
	defer s.hmu.RUnlock()
	for _, secret := range s.secrets {
		if bytes.Contains(b, secret) {
			return true
		}
	}
	return false
}

package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// requestReader decodes a connection's requests one object at a time,
// within maxRequestBytes each.
type requestReader struct {
	lim limitReader
	src io.Reader // lim, after whatever earlier decoders read ahead
}

func newRequestReader(r io.Reader) *requestReader {
	in := &requestReader{lim: limitReader{r: r}}
	in.src = &in.lim
	return in
}

// next decodes the next request. Each request gets a fresh decoder, and
// only what it read ahead (pipelined requests) is kept for the next one:
// a json.Decoder never shrinks its buffer, so a connection that is idle or
// slow to take its reply would otherwise hold one as large as its largest
// request.
func (in *requestReader) next() (Info, error) {
	in.lim.n = maxRequestBytes
	dec := json.NewDecoder(in.src)
	var req Info
	err := dec.Decode(&req)
	if rest, _ := io.ReadAll(dec.Buffered()); len(rest) > 0 {
		in.src = io.MultiReader(bytes.NewReader(rest), in.src)
	}
	return req, err
}

var errTooLarge = errors.New("admin request too large")

// limitReader fails with errTooLarge once n bytes have been read. The
// session refills n before each request. The JSON decoder reads ahead, so a
// request of up to n bytes always fits, and none much larger than 2n gets
// in (what was read ahead for one request counts for the next).
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

// depth is how deep a decoded JSON value nests: 0 for a scalar, 1 for a
// flat object or array.
func depth(v any) int {
	inner := 0
	switch v := v.(type) {
	case Info:
		return depth(map[string]any(v))
	case map[string]any:
		for _, e := range v {
			inner = max(inner, depth(e))
		}
	case []any:
		for _, e := range v {
			inner = max(inner, depth(e))
		}
	default:
		return 0
	}
	return inner + 1
}

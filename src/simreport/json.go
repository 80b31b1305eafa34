package simreport

import (
	"encoding/json"
	"io"
)

// WriteJSON writes r as indented JSON, fields in declaration order, ending
// with a newline.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Deterministic returns the JSON of r with Host zeroed: the bytes that two
// runs of the same simulation must agree on.
func (r *Report) Deterministic() ([]byte, error) {
	c := *r
	c.Host = Host{}
	return marshal(&c)
}

func marshal(r *Report) ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

package simreport

import (
	"bytes"
	"encoding/xml"
	"io"
	"slices"
	"testing"
)

func TestSVG(t *testing.T) {
	var a, b bytes.Buffer
	if err := sample().WriteSVG(&a); err != nil {
		t.Fatal(err)
	}
	r := sample()
	r.Host = Host{GoVersion: "other"}
	if err := r.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same report, different SVG")
	}
	r.Series[5].Converged = 0.9
	b.Reset()
	r.WriteSVG(&b)
	if bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("changed series, same SVG")
	}
	if err := wellFormed(a.Bytes()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Convergence: fc00-2017-08-12.txt, kill 2", "Stretch", "virtual time (s)"} {
		if !bytes.Contains(a.Bytes(), []byte(want)) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	// An empty report still draws.
	b.Reset()
	if err := (&Report{}).WriteSVG(&b); err != nil || wellFormed(b.Bytes()) != nil {
		t.Fatalf("empty report: %v", err)
	}
}

func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{0, 30, []string{"0", "5", "10", "15", "20", "25", "30"}},
		{0, 29.9, []string{"0", "5", "10", "15", "20", "25"}},
		{0, 1, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{2.5, 3.1, []string{"2.5", "2.6", "2.7", "2.8", "2.9", "3.0", "3.1"}},
		{0, 3125, []string{"0", "500", "1000", "1500", "2000", "2500", "3000"}},
		{4, 4, []string{"4"}},
	} {
		var got []string
		for _, tick := range (niceTicks{}).Ticks(tc.lo, tc.hi) {
			if tick.Label != "" {
				got = append(got, tick.Label)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v to %v: labels %v, want %v", tc.lo, tc.hi, got, tc.want)
		}
	}
}

package simreport

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/report.json")

// sample is a report with every section filled, as the driver would after a
// kill-2 run.
func sample() *Report {
	r := &Report{
		Input: Input{Topology: "fc00-2017-08-12.txt", Nodes: 598, Links: 1593, Seed: 42, Pairs: 200,
			Scenario: "kill 2", MaxTime: Duration(300 * time.Second),
			LatencyMin: Duration(time.Millisecond), LatencyMax: Duration(100 * time.Millisecond)},
		Converge: Converge{Time: Duration(12345 * time.Millisecond), Root: "633", DepthMax: 7, DepthMean: 3.412},
		Reach:    NewReach(200, 198),
		Search: SummarizeDurations([]time.Duration{40 * time.Millisecond, 45200 * time.Microsecond,
			300 * time.Millisecond}),
		SessionSetup: SummarizeDurations([]time.Duration{80 * time.Millisecond, 95 * time.Millisecond}),
		Control:      NewControl(59800, 9568000, 598, 10*time.Second),
		Fault: &Fault{At: Duration(20 * time.Second), NodesStopped: 2, Reconverge: Duration(2500 * time.Millisecond),
			Root: "633", Reach: NewReach(190, 187), Sessions: 40,
			Recovery:       SummarizeDurations([]time.Duration{time.Second, 1500 * time.Millisecond}),
			NeverRecovered: 1, RecoveryBound: Duration(30 * time.Second)},
		Host: NewHost(3*time.Second, 1_500_000, 598*40_000, 200<<20, 598),
	}
	r.SetStretch([]float64{1, 1, 1, 1.25, 4.0 / 3, 1.5, 2, 2, 3.5})
	for i := range 31 {
		r.Series = append(r.Series, Sample{T: Duration(time.Duration(i) * time.Second),
			Converged: min(1, float64(i)/12), CoordsChanges: max(0, 600-50*i)})
	}
	return r
}

func TestJSONRoundTrip(t *testing.T) {
	want := sample()
	var buf bytes.Buffer
	if err := want.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got Report
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Fatalf("round trip changed the report:\n%+v\n%+v", got, *want)
	}
	// No fault section at all when there is no scenario.
	want.Fault = nil
	buf.Reset()
	want.WriteJSON(&buf)
	if strings.Contains(buf.String(), `"fault"`) {
		t.Fatal("nil Fault written")
	}
}

// TestJSONGolden pins field names, order and number formats; run with
// -update after a deliberate change and review the diff.
func TestJSONGolden(t *testing.T) {
	got, err := sample().Deterministic()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("testdata/report.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/report.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("JSON differs from testdata/report.json:\n%s", got)
	}
}

func TestDeterministicLeavesOutHost(t *testing.T) {
	a, b := sample(), sample()
	b.Host = NewHost(9*time.Second, 7, 1, 2, 3)
	da, err := a.Deterministic()
	if err != nil {
		t.Fatal(err)
	}
	db, _ := b.Deterministic()
	if !bytes.Equal(da, db) {
		t.Fatal("Host changed the deterministic bytes")
	}
	if a.Host.Events != 1_500_000 {
		t.Fatal("Deterministic cleared the caller's Host")
	}
	var full bytes.Buffer
	a.WriteJSON(&full)
	if bytes.Equal(full.Bytes(), da) || !strings.Contains(full.String(), `"events": 1500000`) {
		t.Fatal("WriteJSON should include Host")
	}
	b.Converge.Time++
	if db, _ = b.Deterministic(); bytes.Equal(da, db) {
		t.Fatal("a 1 ns change in convergence time did not show")
	}
}

func TestTable(t *testing.T) {
	var buf bytes.Buffer
	if err := sample().WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"fc00-2017-08-12.txt", "kill 2", "12.345s", "633", "max 7, mean 3.412",
		"198 of 200 (99.000 %)", "187 of 190 (98.421 %)",
		"10.000 (over 10.000s)", "1600.000", // control: 59800 msgs / 598 nodes / 10 s
		"1.620", "1.333", "3.500", // stretch mean, p50 (5th of 9), max
		"45.200ms", "300.000ms", "never recovered", "1 (within 30.000s)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	host := strings.Index(out, "host (varies run to run)")
	if host < 0 || host < strings.Index(out, "after the fault") || !strings.Contains(out[host:], "1500000 (500000/s)") {
		t.Errorf("host section missing, misplaced or wrong:\n%s", out)
	}
	if t.Failed() {
		t.Log("\n" + out)
	}
	r := sample()
	r.Fault = nil
	buf.Reset()
	r.WriteTable(&buf)
	if strings.Contains(buf.String(), "after the fault") || strings.Contains(buf.String(), "recovery") {
		t.Fatal("fault rows without a fault")
	}
}

func TestConstructors(t *testing.T) {
	if r := NewReach(3, 1); r.Percent != 33.333333 {
		t.Errorf("reach %v", r)
	}
	if r := NewReach(0, 0); r.Percent != 0 {
		t.Errorf("empty reach %v", r)
	}
	c := NewControl(300, 3000, 10, 2*time.Second)
	if c.MessagesPerNodeSec != 15 || c.BytesPerNodeSec != 150 || c.Window != Duration(2*time.Second) {
		t.Errorf("control %+v", c)
	}
	if c := NewControl(1, 1, 0, 0); c.MessagesPerNodeSec != 0 {
		t.Errorf("control with no nodes %+v", c)
	}
	h := NewHost(2*time.Second, 1000, 4000, 5, 4)
	if h.EventsPerSec != 500 || h.HeapBytesPerNode != 1000 || h.GoVersion == "" || h.CPUs < 1 {
		t.Errorf("host %+v", h)
	}
}

package simreport

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestSummarizeNearestRank(t *testing.T) {
	var one20 []float64
	for i := 1; i <= 20; i++ {
		one20 = append(one20, float64(i))
	}
	for _, tc := range []struct {
		in   []float64
		want Dist
	}{
		// rank ceil(0.5·20) = 10, ceil(0.95·20) = 19.
		{one20, Dist{N: 20, Mean: 10.5, P50: 10, P95: 19, Max: 20}},
		// rank ceil(1.5) = 2, ceil(2.85) = 3.
		{[]float64{3, 1, 2}, Dist{N: 3, Mean: 2, P50: 2, P95: 3, Max: 3}},
		{[]float64{7}, Dist{N: 1, Mean: 7, P50: 7, P95: 7, Max: 7}},
		{[]float64{1, 2}, Dist{N: 2, Mean: 1.5, P50: 1, P95: 2, Max: 2}},
		{[]float64{1, 4.0 / 3, math.NaN(), math.Inf(1)}, Dist{N: 2, Mean: 1.166667, P50: 1, P95: 1.333333, Max: 1.333333}},
		{nil, Dist{}},
	} {
		if got := Summarize(tc.in); got != tc.want {
			t.Errorf("Summarize(%v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	// 100 values: p95 is the 95th smallest exactly, where a float
	// computation of 0.95·100 could land on 95.00000000000001 and pick the
	// 96th.
	var h []float64
	for i := 1; i <= 100; i++ {
		h = append(h, float64(i))
	}
	if d := Summarize(h); d.P95 != 95 || d.P50 != 50 {
		t.Errorf("1..100: %+v", d)
	}
}

// TestSummarizeOrderFree: a driver collecting values from many goroutines
// gets them in varying order; the summary must not move, down to the bit.
func TestSummarizeOrderFree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, 1000)
	for i := range vals {
		vals[i] = 1 + rng.Float64()*math.Pow(10, float64(rng.IntN(12)))
	}
	want := Summarize(vals)
	wb, _ := json.Marshal(want)
	for range 20 {
		rng.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
		got := Summarize(vals)
		gb, _ := json.Marshal(got)
		if got != want || string(gb) != string(wb) {
			t.Fatalf("order changed the summary: %s vs %s", gb, wb)
		}
	}
}

func TestSummarizeDurations(t *testing.T) {
	ms := time.Millisecond
	in := []time.Duration{50 * ms, 10 * ms, 40 * ms, 20 * ms, 30 * ms, 7}
	got := SummarizeDurations(in)
	want := DurationDist{N: 6, Mean: Duration((150*ms + 7) / 6), P50: Duration(20 * ms), P95: Duration(50 * ms), Max: Duration(50 * ms)}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if !slices.Equal(in, []time.Duration{50 * ms, 10 * ms, 40 * ms, 20 * ms, 30 * ms, 7}) {
		t.Fatal("input reordered")
	}
	if (SummarizeDurations(nil) != DurationDist{}) {
		t.Fatal("empty sample")
	}
}

func TestHistogram(t *testing.T) {
	h := NewHistogram([]float64{1, 1, 1.25, 1.3, 2, 2.5, math.NaN()})
	want := Histogram{Width: 0.25, Bins: []Bin{{1, 2}, {1.25, 2}, {1.5, 0}, {1.75, 0}, {2, 1}, {2.25, 0}, {2.5, 1}}}
	if h.Width != want.Width || !slices.Equal(h.Bins, want.Bins) {
		t.Fatalf("got %+v, want %+v", h, want)
	}
	// 1..100 at 0.25 or 1 would take more than 64 bins; 2 takes 51.
	h = NewHistogram([]float64{1, 100})
	if h.Width != 2 || len(h.Bins) != 51 || h.Bins[0] != (Bin{0, 1}) || h.Bins[50] != (Bin{100, 1}) {
		t.Fatalf("wide sample: width %v, %d bins, first %v, last %v", h.Width, len(h.Bins), h.Bins[0], h.Bins[len(h.Bins)-1])
	}
	if h := NewHistogram(nil); len(h.Bins) != 0 {
		t.Fatalf("empty sample gave bins %v", h.Bins)
	}
	total := 0
	for _, b := range NewHistogram([]float64{1e9, -3, 0.1, 7}).Bins {
		total += b.Count
	}
	if total != 4 {
		t.Fatalf("counted %d of 4", total)
	}
}

func TestDurationText(t *testing.T) {
	for _, tc := range []struct {
		d           time.Duration
		json, short string
	}{
		{12345 * time.Millisecond, `"12.345s"`, "12.345s"},
		{3 * time.Second, `"3.000s"`, "3.000s"},
		{0, `"0.000s"`, "0ns"},
		{812345, `"0.000812345s"`, "812.345µs"},
		{45200 * time.Microsecond, `"0.0452s"`, "45.200ms"},
		{-500 * time.Millisecond, `"-0.500s"`, "-500.000ms"},
		{90 * time.Minute, `"5400.000s"`, "5400.000s"},
	} {
		b, err := json.Marshal(Duration(tc.d))
		if err != nil || string(b) != tc.json {
			t.Errorf("%v: JSON %s, want %s", tc.d, b, tc.json)
		}
		if s := Duration(tc.d).Short(); s != tc.short {
			t.Errorf("%v: Short %s, want %s", tc.d, s, tc.short)
		}
		var back Duration
		if err := json.Unmarshal(b, &back); err != nil || back != Duration(tc.d) {
			t.Errorf("%v: read back %v, %v", tc.d, back, err)
		}
	}
	var d Duration
	if err := json.Unmarshal([]byte(`"1m2.5s"`), &d); err != nil || d != Duration(62500*time.Millisecond) {
		t.Errorf("1m2.5s: %v %v", d, err)
	}
	for _, bad := range []string{`"fast"`, `12`, `null`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if Duration(1500*time.Millisecond).Milliseconds() != 1500 {
		t.Error("Milliseconds")
	}
}

package simreport

import (
	"math"
	"slices"
	"time"
)

// Dist summarises a sample of numbers. Values are rounded to 6 decimals so
// that their JSON text is short and stable; the mean is summed in sorted
// order, so it depends on the values and not on the order they came in
// (which, for a concurrent driver, may vary run to run).
type Dist struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	Max  float64 `json:"max"`
}

// Summarize returns the Dist of values, ignoring NaN and infinities (a pair
// with no route has no stretch, and should not be passed, but must not poison
// the mean either). Percentiles are nearest-rank: the p-th is the smallest
// value with at least p % of the sample at or below it, always a value of
// the sample. An empty sample gives the zero Dist.
func Summarize(values []float64) Dist {
	s := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			s = append(s, v)
		}
	}
	if len(s) == 0 {
		return Dist{}
	}
	slices.Sort(s)
	sum := 0.0
	for _, v := range s {
		sum += v
	}
	return Dist{
		N:    len(s),
		Mean: round6(sum / float64(len(s))),
		P50:  round6(s[rankIndex(len(s), 50)]),
		P95:  round6(s[rankIndex(len(s), 95)]),
		Max:  round6(s[len(s)-1]),
	}
}

// DurationDist summarises a sample of durations, as Summarize does numbers.
// The mean is rounded down to the nanosecond.
type DurationDist struct {
	N    int      `json:"n"`
	Mean Duration `json:"mean"`
	P50  Duration `json:"p50"`
	P95  Duration `json:"p95"`
	Max  Duration `json:"max"`
}

// SummarizeDurations returns the DurationDist of values, with nearest-rank
// percentiles as in Summarize. An empty sample gives the zero DurationDist.
func SummarizeDurations(values []time.Duration) DurationDist {
	if len(values) == 0 {
		return DurationDist{}
	}
	s := slices.Clone(values)
	slices.Sort(s)
	// Integer sum: exact and order-free. Overflow needs 10^6 samples of
	// 2.5 hours each, far past any simulated run.
	var sum time.Duration
	for _, v := range s {
		sum += v
	}
	return DurationDist{
		N:    len(s),
		Mean: Duration(sum / time.Duration(len(s))),
		P50:  Duration(s[rankIndex(len(s), 50)]),
		P95:  Duration(s[rankIndex(len(s), 95)]),
		Max:  Duration(s[len(s)-1]),
	}
}

// rankIndex is the 0-based index of the nearest-rank p-th percentile in a
// sorted sample of n >= 1: rank ceil(p·n/100), in integers to avoid float
// rounding at exact ranks.
func rankIndex(n, p int) int {
	return max((p*n+99)/100, 1) - 1
}

func round6(x float64) float64 {
	return math.Round(x*1e6) / 1e6
}

// Histogram counts a sample in equal bins. Bin edges are multiples of Width,
// and Width is a power of two times 0.25 (exact in binary, so a stretch of
// exactly 1.25 lands in the bin that starts there on every machine).
type Histogram struct {
	Width float64 `json:"width"`
	Bins  []Bin   `json:"bins"`
}

// Bin counts the values v with Lo <= v < Lo + Width.
type Bin struct {
	Lo    float64 `json:"lo"`
	Count int     `json:"count"`
}

// maxBins bounds the histogram so one wild value cannot make it huge.
const maxBins = 64

// NewHistogram bins values, ignoring NaN and infinities. Width starts at
// 0.25, which separates the common stretches (1, 1.25, 1.5, 2), and doubles
// until at most maxBins bins span the sample. Empty bins between the lowest
// and highest value are kept, so the bins are contiguous.
func NewHistogram(values []float64) Histogram {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if lo > hi {
		return Histogram{Width: 0.25}
	}
	w := 0.25
	for (math.Floor(hi/w)-math.Floor(lo/w))+1 > maxBins {
		w *= 2
	}
	first := math.Floor(lo / w)
	bins := make([]Bin, int(math.Floor(hi/w)-first)+1)
	for i := range bins {
		bins[i].Lo = (first + float64(i)) * w
	}
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			bins[int(math.Floor(v/w)-first)].Count++
		}
	}
	return Histogram{Width: w, Bins: bins}
}

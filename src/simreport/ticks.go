package simreport

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// niceTicks labels an axis at multiples of 1, 2 or 5 times a power of ten,
// four to eight of them, with unlabelled ticks between. gonum's default ticker
// can label as few as two points ("0.00", "25.00") on a 0-30 s axis.
type niceTicks struct{}

// Ticks implements plot.Ticker.
func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 6, 64)}}
	}
	mag := math.Pow(10, math.Floor(math.Log10(hi-lo)))
	step := mag
	for _, m := range []float64{0.1, 0.2, 0.5, 1, 2, 5} {
		if (hi-lo)/(m*mag) <= 8 {
			step = m * mag
			break
		}
	}
	// Decimals enough to tell ticks one step apart.
	prec := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	minor := step / 5
	if s := strconv.FormatFloat(step, 'f', -1, 64); s[0] == '2' {
		minor = step / 4
	}
	for i := math.Ceil(lo / minor); i*minor <= hi+minor*1e-9; i++ {
		v := i * minor
		t := plot.Tick{Value: v}
		// Major when v is a whole number of steps (within rounding).
		if k := v / step; math.Abs(k-math.Round(k)) < 1e-6 {
			t.Label = strconv.FormatFloat(math.Round(k)*step, 'f', prec, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

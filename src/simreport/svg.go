package simreport

import (
	"image/color"
	"io"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// WriteSVG draws two panels, one above the other: the fraction of nodes
// agreeing on the root over virtual time (with the convergence time and the
// fault marked), and the histogram of stretch. It uses only fields that are
// in the JSON, so a saved report can be drawn again, and Host is not drawn,
// so the same report gives the same bytes.
func (r *Report) WriteSVG(w io.Writer) error {
	conv, err := r.convergencePlot()
	if err != nil {
		return err
	}
	stretch, err := r.stretchPlot()
	if err != nil {
		return err
	}
	c := vgsvg.New(16*vg.Centimeter, 20*vg.Centimeter)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Millimeter * 3, PadBottom: vg.Millimeter * 3,
		PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 5, PadY: vg.Centimeter}
	canvases := plot.Align([][]*plot.Plot{{conv}, {stretch}}, tiles, draw.New(c))
	conv.Draw(canvases[0][0])
	stretch.Draw(canvases[1][0])
	_, err = c.WriteTo(w)
	return err
}

var (
	blue  = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	grey  = color.Gray{Y: 0x80}
	red   = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	light = color.RGBA{R: 0x9e, G: 0xc5, B: 0xe0, A: 0xff}
)

func (r *Report) convergencePlot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Convergence"
	if r.Input.Topology != "" {
		p.Title.Text += ": " + r.Input.Topology
	}
	if r.Input.Scenario != "" {
		p.Title.Text += ", " + r.Input.Scenario
	}
	p.X.Label.Text = "virtual time (s)"
	p.X.Tick.Marker = niceTicks{}
	p.Y.Label.Text = "nodes agreeing on the root"
	p.Y.Tick.Marker = niceTicks{}
	p.Y.Min, p.Y.Max = 0, 1
	p.Add(plotter.NewGrid()) // first, so the data is drawn over it
	end := r.Input.MaxTime.Seconds()
	if n := len(r.Series); n > 0 {
		end = r.Series[n-1].T.Seconds()
		pts := make(plotter.XYs, n)
		for i, s := range r.Series {
			pts[i] = plotter.XY{X: s.T.Seconds(), Y: s.Converged}
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		line.Color = blue
		line.Width = vg.Points(1.5)
		p.Add(line)
	}
	// Keep the marks inside the axes even if the series stops early.
	end = max(end, r.Converge.Time.Seconds(), 1e-3)
	if r.Fault != nil {
		end = max(end, r.Fault.At.Seconds())
	}
	p.X.Min, p.X.Max = 0, end
	if t := r.Converge.Time.Seconds(); t > 0 {
		if err := mark(p, t, 1, grey, "converged"); err != nil {
			return nil, err
		}
	}
	if f := r.Fault; f != nil {
		if err := mark(p, f.At.Seconds(), 1, red, "fault"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// mark draws a dashed vertical line at x from 0 to top, named in the legend.
func mark(p *plot.Plot, x, top float64, c color.Color, name string) error {
	l, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: top}})
	if err != nil {
		return err
	}
	l.Color = c
	l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(l)
	p.Legend.Add(name, l)
	p.Legend.Left = false
	p.Legend.Top = false
	return nil
}

func (r *Report) stretchPlot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Stretch (overlay hops / shortest hops)"
	p.X.Label.Text = "stretch"
	p.Y.Label.Text = "pairs"
	p.Y.Tick.Marker = niceTicks{}
	h := r.StretchHist
	if len(h.Bins) == 0 {
		p.X.Min, p.X.Max = 1, 2
		p.Y.Min, p.Y.Max = 0, 1
		return p, nil
	}
	bins := make([]plotter.HistogramBin, len(h.Bins))
	most := 0
	for i, b := range h.Bins {
		bins[i] = plotter.HistogramBin{Min: b.Lo, Max: b.Lo + h.Width, Weight: float64(b.Count)}
		most = max(most, b.Count)
	}
	p.Add(&plotter.Histogram{Bins: bins, Width: h.Width, FillColor: light, LineStyle: plotter.DefaultLineStyle})
	// Headroom above the bars for the legend, which the marks stop short of.
	p.Y.Min, p.Y.Max = 0, float64(most)*1.25
	p.X.Tick.Marker = edgeTicks(h)
	if r.Stretch.N > 0 {
		top := float64(most)
		p50 := "p50 " + strconv.FormatFloat(r.Stretch.P50, 'f', 3, 64)
		if err := mark(p, r.Stretch.P50, top, grey, p50); err != nil {
			return nil, err
		}
		p95 := "p95 " + strconv.FormatFloat(r.Stretch.P95, 'f', 3, 64)
		if err := mark(p, r.Stretch.P95, top, red, p95); err != nil {
			return nil, err
		}
		p.Legend.Top = true
	}
	return p, nil
}

// edgeTicks labels bin edges, every one while there are few bins and every
// k-th edge past that, so the labels line up with the bars (the default
// ticker's round numbers need not).
func edgeTicks(h Histogram) plot.ConstantTicks {
	n := len(h.Bins)
	step := (n + 11) / 12
	var ticks plot.ConstantTicks
	for i := 0; i <= n; i++ {
		x := h.Bins[0].Lo + float64(i)*h.Width
		label := ""
		if i%step == 0 {
			label = strconv.FormatFloat(x, 'f', -1, 64)
		}
		ticks = append(ticks, plot.Tick{Value: x, Label: label})
	}
	return ticks
}

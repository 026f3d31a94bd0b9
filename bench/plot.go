package bench

import (
	"fmt"
	"image/color"
	"io"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// series colours: regular p50, regular p99, precomputed p50, precomputed p99.
var palette = map[string][2]color.RGBA{
	Regular:     {{31, 119, 180, 255}, {158, 202, 225, 255}},
	Precomputed: {{214, 39, 40, 255}, {252, 174, 145, 255}},
}

// Chart size in pixels.
const plotWidth, plotHeight, plotDPI = 900, 540, 96

// Plot draws latency (p50 and p99, milliseconds) against batch size (log
// scale) for every path as a PNG.
func Plot(w io.Writer, title string, results []Latency) error {
	if len(results) == 0 {
		return fmt.Errorf("plot: no latency results")
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "entities per request (batch size)"
	p.Y.Label.Text = "latency (ms)"
	p.X.Scale = plot.LogScale{}
	p.Y.Min = 0
	p.Legend.Top, p.Legend.Left = true, true // small batches are fast: the top left stays empty
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(12), -vg.Points(6)
	p.Add(plotter.NewGrid())

	var batches []int
	for _, path := range []string{Regular, Precomputed} {
		for q, pick := range []func(Stats) time.Duration{func(s Stats) time.Duration { return s.P50 }, func(s Stats) time.Duration { return s.P99 }} {
			var xys plotter.XYs
			for _, r := range results {
				if r.Path == path {
					xys = append(xys, plotter.XY{X: float64(r.Batch), Y: float64(pick(r.Stats)) / 1e6})
					batches = append(batches, r.Batch)
				}
			}
			if len(xys) == 0 {
				continue
			}
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return fmt.Errorf("plot: %w", err)
			}
			line.Color, line.Width = palette[path][q], vg.Points(2)
			points.Color, points.Shape = palette[path][q], draw.CircleGlyph{}
			p.Add(line, points)
			p.Legend.Add(path+[]string{" p50", " p99"}[q], line)
		}
	}
	slices.Sort(batches)
	var ticks []plot.Tick
	for _, b := range slices.Compact(batches) {
		ticks = append(ticks, plot.Tick{Value: float64(b), Label: strconv.Itoa(b)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)

	c := vgimg.NewWith(vgimg.UseWH(vg.Length(plotWidth)*vg.Inch/plotDPI, vg.Length(plotHeight)*vg.Inch/plotDPI), vgimg.UseDPI(plotDPI))
	p.Draw(draw.New(c))
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

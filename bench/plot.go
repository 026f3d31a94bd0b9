package bench

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// series colours: regular p50, regular p99, precomputed p50, precomputed p99.
var palette = map[string][2]color.RGBA{
	Regular:     {{31, 119, 180, 255}, {158, 202, 225, 255}},
	Precomputed: {{214, 39, 40, 255}, {252, 174, 145, 255}},
}

// Plot draws latency (p50 and p99, milliseconds) against batch size (log
// scale) for every path as a PNG.
func Plot(w io.Writer, title string, results []Latency) error {
	const width, height = 900, 540
	const left, right, top, bottom = 70, 170, 40, 50
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	if len(results) == 0 {
		return fmt.Errorf("plot: no latency results")
	}
	minB, maxB, maxMs := math.Inf(1), math.Inf(-1), 0.0
	for _, r := range results {
		minB, maxB = math.Min(minB, float64(r.Batch)), math.Max(maxB, float64(r.Batch))
		maxMs = math.Max(maxMs, msf(r.Stats.P99))
	}
	maxMs = niceCeil(maxMs)
	lx0, lx1 := math.Log10(minB), math.Log10(maxB)
	if lx1 == lx0 {
		lx1 = lx0 + 1
	}
	px := func(batch float64) int {
		return left + int((math.Log10(batch)-lx0)/(lx1-lx0)*float64(width-left-right))
	}
	py := func(v float64) int { return height - bottom - int(v/maxMs*float64(height-top-bottom)) }

	grey, black := color.RGBA{220, 220, 220, 255}, color.RGBA{0, 0, 0, 255}
	for i := 0; i <= 5; i++ { // horizontal grid and y ticks
		v := maxMs * float64(i) / 5
		y := py(v)
		line(img, left, y, width-right, y, grey, 1)
		text(img, 8, y+4, fmt.Sprintf("%7.3g ms", v), black)
	}
	seen := map[int]bool{}
	for _, r := range results { // x ticks at the measured batch sizes
		if !seen[r.Batch] {
			seen[r.Batch] = true
			x := px(float64(r.Batch))
			line(img, x, top, x, height-bottom, grey, 1)
			text(img, x-8, height-bottom+18, fmt.Sprint(r.Batch), black)
		}
	}
	line(img, left, height-bottom, width-right, height-bottom, black, 1)
	line(img, left, top, left, height-bottom, black, 1)
	text(img, left, 22, title, black)
	text(img, (width-right)/2-30, height-12, "batch size (entities per request, log scale)", black)

	legendY := top + 10
	for _, path := range []string{Regular, Precomputed} {
		for k, q := range []string{"p50", "p99"} {
			var pts [][2]int
			for _, r := range results {
				if r.Path != path {
					continue
				}
				v := r.Stats.P50
				if q == "p99" {
					v = r.Stats.P99
				}
				pts = append(pts, [2]int{px(float64(r.Batch)), py(msf(v))})
			}
			if len(pts) == 0 {
				continue
			}
			c := palette[path][k]
			for i := 1; i < len(pts); i++ {
				line(img, pts[i-1][0], pts[i-1][1], pts[i][0], pts[i][1], c, 3)
			}
			for _, p := range pts {
				draw.Draw(img, image.Rect(p[0]-3, p[1]-3, p[0]+4, p[1]+4), &image.Uniform{c}, image.Point{}, draw.Src)
			}
			line(img, width-right+12, legendY, width-right+36, legendY, c, 3)
			text(img, width-right+42, legendY+4, path+" "+q, black)
			legendY += 20
		}
	}
	return png.Encode(w, img)
}

func msf(d time.Duration) float64 { return float64(d) / 1e6 }

// niceCeil rounds up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func text(img *image.RGBA, x, y int, s string, c color.Color) {
	d := &font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// line draws a line of the given thickness (Bresenham, squares as pen).
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.Color, thick int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for range dx - dy + 1 {
		half := thick / 2
		draw.Draw(img, image.Rect(x0-half, y0-half, x0-half+thick, y0-half+thick), &image.Uniform{c}, image.Point{}, draw.Src)
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x0 += sx
		} else {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/feast-go/feast-go/bench"
)

// printBench streams a status record per measurement, then the summary.
func (e *Env) printBench(rep *bench.Report) error {
	for _, l := range rep.Latency {
		if err := e.Printer.Status("bench", map[string]any{"phase": "latency", "path": l.Path, "batch_size": l.Batch, "latency": l.Stats.JSON()}); err != nil {
			return err
		}
	}
	for _, t := range rep.Throughput {
		if err := e.Printer.Status("bench", map[string]any{"phase": "throughput", "throughput": t, "latency": t.Stats.JSON()}); err != nil {
			return err
		}
	}
	return e.Printer.Summary("bench", benchReport{rep})
}

// benchReport prints a bench report as text.
type benchReport struct{ *bench.Report }

func (r benchReport) WriteText(w io.Writer) error {
	_, err := io.WriteString(w, formatBench(r.Report))
	return err
}

// formatBench renders the report as Feast's tuning post lays it out: per
// batch size, each path's percentiles, and the precomputed speed-up.
func formatBench(rep *bench.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "feature service %s: %d views, %d features; %d entities from the %s\n", rep.Service, rep.Views, rep.Features, rep.Entities, rep.Source)
	if c := rep.Check; c != nil {
		fmt.Fprintf(&b, "correctness check: %d entities × %d features read both ways: identical\n", c.Entities, c.Features)
		if c.IgnoredAge {
			b.WriteString("  (PRESENT and OUTSIDE_MAX_AGE compared as equal: Feast's server applies ttl on its precomputed path only)\n")
		}
	}
	fmt.Fprintf(&b, "\nLATENCY (ms; %d timed requests per row after %d warm-up)\n", rep.Iterations, rep.Warmup)
	fmt.Fprintf(&b, "%6s  %-12s %9s %9s %9s %9s   %s\n", "BATCH", "PATH", "P50", "P95", "P99", "MEAN", "SPEED-UP (p50, p99)")
	regular := map[int]bench.Stats{}
	for _, l := range rep.Latency {
		if l.Path == bench.Regular {
			regular[l.Batch] = l.Stats
		}
	}
	for _, l := range rep.Latency {
		j := l.Stats.JSON()
		speed := ""
		if r, ok := regular[l.Batch]; ok && l.Path == bench.Precomputed && l.Stats.P50 > 0 && l.Stats.P99 > 0 {
			speed = fmt.Sprintf("%.2fx, %.2fx", float64(r.P50)/float64(l.Stats.P50), float64(r.P99)/float64(l.Stats.P99))
		}
		line := fmt.Sprintf("%6d  %-12s %9.3f %9.3f %9.3f %9.3f   %s", l.Batch, l.Path, j.P50ms, j.P95ms, j.P99ms, j.MeanMs, speed)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	if len(rep.Throughput) > 0 {
		t0 := rep.Throughput[0]
		fmt.Fprintf(&b, "\nTHROUGHPUT (%d workers, %d entities per request)\n", t0.Concurrency, t0.Batch)
		fmt.Fprintf(&b, "%-12s %8s %12s %14s %9s %9s %7s\n", "PATH", "SECONDS", "REQUESTS/S", "ENTITY ROWS/S", "P50 ms", "P99 ms", "ERRORS")
		for _, t := range rep.Throughput {
			j := t.Stats.JSON()
			fmt.Fprintf(&b, "%-12s %8.1f %12.0f %14.0f %9.3f %9.3f %7d\n", t.Path, t.Seconds, t.RequestsPS, t.RowsPS, j.P50ms, j.P99ms, t.Errors)
		}
		for _, t := range rep.Throughput {
			if t.FirstError != "" {
				fmt.Fprintf(&b, "%s path, first error: %s\n", t.Path, t.FirstError)
			}
		}
	}
	if h := rep.HTTP; h != nil {
		ka := "pooled (keep-alive)"
		if rep.KeepAlive != nil && !*rep.KeepAlive {
			ka = "no keep-alive"
		}
		fmt.Fprintf(&b, "\nHTTP: %d requests, %d retries, %d connections opened, %s\n", h.Requests, h.Retries, h.Dials, ka)
	}
	if rep.PlotWritten != "" {
		fmt.Fprintf(&b, "\nchart: %s\n", rep.PlotWritten)
	}
	return b.String()
}

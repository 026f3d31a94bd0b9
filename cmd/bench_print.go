package cmd

import (
	"fmt"
	"strings"

	"github.com/feast-go/feast-go/bench"
)

// latencyRow is one latency measurement in the JSON summary.
type latencyRow struct {
	Path  string `json:"path"`
	Batch int    `json:"batch_size"`
	bench.StatsJSON
}

func (e *Env) printBench(rep *benchReport) error {
	if e.Printer.JSON {
		for _, l := range rep.Latency {
			rec := map[string]any{"message_type": "status", "command": "bench", "phase": "latency", "path": l.Path, "batch_size": l.Batch, "latency": l.Stats.JSON()}
			if err := e.Printer.Record(rec); err != nil {
				return err
			}
		}
		for _, t := range rep.Throughput {
			rec := map[string]any{"message_type": "status", "command": "bench", "phase": "throughput", "throughput": t, "latency": t.Stats.JSON()}
			if err := e.Printer.Record(rec); err != nil {
				return err
			}
		}
		rep.LatencyJSON = make([]latencyRow, len(rep.Latency))
		for i, l := range rep.Latency {
			rep.LatencyJSON[i] = latencyRow{Path: l.Path, Batch: l.Batch, StatsJSON: l.Stats.JSON()}
		}
		rep.ThroughputJSON = rep.Throughput
		return e.Printer.Summary("bench", rep, nil)
	}
	_, err := fmt.Fprint(e.IO.Out, formatBench(rep))
	return err
}

// formatBench renders the report as Feast's tuning post lays it out: per
// batch size, each path's percentiles, and the precomputed speed-up.
func formatBench(rep *benchReport) string {
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

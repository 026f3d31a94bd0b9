package bench

import (
	"math"
	"slices"
	"time"
)

// Stats summarize latency samples. Percentiles are nearest-rank: the
// smallest sample with at least p% of the samples at or below it.
type Stats struct {
	N    int
	P50  time.Duration
	P95  time.Duration
	P99  time.Duration
	Mean time.Duration
	Min  time.Duration
	Max  time.Duration
}

// Summarize computes Stats; samples are sorted in place.
func Summarize(samples []time.Duration) Stats {
	if len(samples) == 0 {
		return Stats{}
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, s := range samples {
		sum += s
	}
	return Stats{
		N: len(samples), Min: samples[0], Max: samples[len(samples)-1],
		P50: Percentile(samples, 50), P95: Percentile(samples, 95), P99: Percentile(samples, 99),
		Mean: sum / time.Duration(len(samples)),
	}
}

// Percentile is the nearest-rank p-th percentile of sorted samples.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// ms renders a duration in milliseconds for JSON.
func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// StatsJSON is Stats in milliseconds.
type StatsJSON struct {
	N      int     `json:"n"`
	P50ms  float64 `json:"p50_ms"`
	P95ms  float64 `json:"p95_ms"`
	P99ms  float64 `json:"p99_ms"`
	MeanMs float64 `json:"mean_ms"`
	MinMs  float64 `json:"min_ms"`
	MaxMs  float64 `json:"max_ms"`
}

// JSON converts to milliseconds, rounded to the microsecond.
func (s Stats) JSON() StatsJSON {
	return StatsJSON{N: s.N, P50ms: ms(s.P50), P95ms: ms(s.P95), P99ms: ms(s.P99), MeanMs: ms(s.Mean), MinMs: ms(s.Min), MaxMs: ms(s.Max)}
}

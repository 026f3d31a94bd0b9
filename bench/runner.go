package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// Defaults of a Config (and of `feast-go bench`'s flags).
const (
	DefaultIterations      = 200
	DefaultWarmup          = 30
	DefaultConcurrency     = 10
	DefaultDuration        = 15 * time.Second
	DefaultThroughputBatch = 10
	DefaultCheckSample     = 100
)

// DefaultBatchSizes are the entities per request measured by default.
var DefaultBatchSizes = []int{1, 5, 10, 50, 100, 500}

// Config is what to measure. Zero values take the defaults.
type Config struct {
	BatchSizes      []int         // DefaultBatchSizes
	Iterations      int           // timed requests per batch size and path
	Warmup          int           // untimed requests first
	Concurrency     int           // throughput workers
	Duration        time.Duration // throughput phase per path (negative: skip)
	ThroughputBatch int           // entities per throughput request
	CheckSample     int           // entities read both ways by Check
	// CheckIgnoresAge compares PRESENT and OUTSIDE_MAX_AGE as equal (HTTP:
	// Feast's regular path never reports OUTSIDE_MAX_AGE).
	CheckIgnoresAge bool
	Seed            uint64
}

func (c *Config) defaults() {
	if len(c.BatchSizes) == 0 {
		c.BatchSizes = DefaultBatchSizes
	}
	c.Iterations = cmp.Or(max(c.Iterations, 0), DefaultIterations)
	c.Warmup = max(c.Warmup, 0)
	c.Concurrency = cmp.Or(max(c.Concurrency, 0), DefaultConcurrency)
	c.Duration = cmp.Or(c.Duration, DefaultDuration)
	c.ThroughputBatch = cmp.Or(max(c.ThroughputBatch, 0), DefaultThroughputBatch)
	c.CheckSample = cmp.Or(max(c.CheckSample, 0), DefaultCheckSample)
}

// Runner runs the phases over the same entity pool.
type Runner struct {
	Paths    []Path
	Entities []Entity
	Config   Config
	// Now is the clock of the measurements (a fake in tests).
	Now func() time.Time
	// Step, when set, is told each step as it starts (for progress).
	Step func(what string)
}

// Latency is one (batch size, path) measurement.
type Latency struct {
	Path  string
	Batch int
	Stats Stats
}

// MarshalJSON flattens the statistics beside the path and batch size.
func (l Latency) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Path  string `json:"path"`
		Batch int    `json:"batch_size"`
		StatsJSON
	}{l.Path, l.Batch, l.Stats.JSON()})
}

// Throughput is one path's throughput phase.
type Throughput struct {
	Path        string  `json:"path"`
	Concurrency int     `json:"concurrency"`
	Batch       int     `json:"batch_size"`
	Seconds     float64 `json:"seconds"`
	Requests    int64   `json:"requests"`
	Errors      int64   `json:"errors"`
	RequestsPS  float64 `json:"requests_per_second"`
	RowsPS      float64 `json:"entity_rows_per_second"`
	Stats       Stats   `json:"-"`
	FirstError  string  `json:"first_error,omitempty"`
}

// ErrNoEntities is a bench without entities to read.
var ErrNoEntities = errors.New("no entities to read")

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) step(format string, args ...any) {
	if r.Step != nil {
		r.Step(fmt.Sprintf(format, args...))
	}
}

// batch draws n entities at random (with replacement when the pool is smaller).
func (r *Runner) batch(rng *rand.Rand, n int) []Entity {
	out := make([]Entity, n)
	if n <= len(r.Entities) {
		for i, j := range rng.Perm(len(r.Entities))[:n] {
			out[i] = r.Entities[j]
		}
		return out
	}
	for i := range out {
		out[i] = r.Entities[rng.IntN(len(r.Entities))]
	}
	return out
}

// Latency times Iterations requests per batch size and path after Warmup
// untimed ones. Each iteration sends the same entities down every path, one
// path after the other, so the paths see the same keys and the same moment.
func (r *Runner) Latency(ctx context.Context) ([]Latency, error) {
	r.Config.defaults()
	if len(r.Entities) == 0 {
		return nil, ErrNoEntities
	}
	rng := rand.New(rand.NewPCG(r.Config.Seed, 1))
	var out []Latency
	for _, size := range r.Config.BatchSizes {
		r.step("latency, batch size %d", size)
		samples := make([][]time.Duration, len(r.Paths))
		for it := range r.Config.Warmup + r.Config.Iterations {
			b := r.batch(rng, size)
			for pi, p := range r.Paths {
				start := r.now()
				if _, err := p.Read(ctx, b); err != nil {
					return out, fmt.Errorf("%s path, batch size %d: %w", p.Name(), size, err)
				}
				if it >= r.Config.Warmup {
					samples[pi] = append(samples[pi], r.now().Sub(start))
				}
			}
		}
		for pi, p := range r.Paths {
			out = append(out, Latency{Path: p.Name(), Batch: size, Stats: Summarize(samples[pi])})
		}
	}
	return out, nil
}

// Throughput runs Concurrency workers per path for Duration, each sending
// requests of ThroughputBatch entities back to back.
func (r *Runner) Throughput(ctx context.Context) ([]*Throughput, error) {
	r.Config.defaults()
	if len(r.Entities) == 0 {
		return nil, ErrNoEntities
	}
	if r.Config.Duration < 0 {
		return nil, nil
	}
	var out []*Throughput
	for _, p := range r.Paths {
		r.step("throughput, %s path, %d workers for %s", p.Name(), r.Config.Concurrency, r.Config.Duration)
		t, err := r.throughput(ctx, p)
		if err != nil {
			return out, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (r *Runner) throughput(ctx context.Context, p Path) (*Throughput, error) {
	res := &Throughput{Path: p.Name(), Concurrency: r.Config.Concurrency, Batch: r.Config.ThroughputBatch}
	runCtx, cancel := context.WithTimeout(ctx, r.Config.Duration)
	defer cancel()
	var requests, errs atomic.Int64
	var firstErr atomic.Value
	var mu sync.Mutex
	var all []time.Duration
	g := errgroup.Group{}
	start := r.now()
	for w := range r.Config.Concurrency {
		g.Go(func() error {
			rng := rand.New(rand.NewPCG(r.Config.Seed, uint64(w)+2))
			var mine []time.Duration
			for runCtx.Err() == nil {
				b := r.batch(rng, r.Config.ThroughputBatch)
				t0 := r.now()
				_, err := p.Read(runCtx, b)
				if runCtx.Err() != nil {
					break // the phase ended mid-request: not counted
				}
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				mine = append(mine, r.now().Sub(t0))
				requests.Add(1)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	res.Seconds = r.now().Sub(start).Seconds()
	res.Requests, res.Errors = requests.Load(), errs.Load()
	if s, ok := firstErr.Load().(string); ok {
		res.FirstError = s
	}
	if res.Seconds > 0 {
		res.RequestsPS = float64(res.Requests) / res.Seconds
		res.RowsPS = res.RequestsPS * float64(res.Batch)
	}
	res.Stats = Summarize(all)
	if res.Requests == 0 && res.Errors > 0 {
		return res, fmt.Errorf("%s path: every request failed: %s", p.Name(), res.FirstError)
	}
	return res, nil
}

package cmd

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/feast-go/feast-go/bench"
	"github.com/feast-go/feast-go/onlinestore/remote"
	"github.com/spf13/cobra"
)

// BenchOptions are the options of bench.
type BenchOptions struct {
	Service     string        `opt:"feature-service"`
	Features    []string      `opt:"features"`
	Entities    string        `opt:"entities"`
	Sample      int           `opt:"sample,min=1"`
	BatchSizes  []int         `opt:"batch-sizes"`
	Iterations  int           `opt:"iterations,min=1"`
	Warmup      int           `opt:"warmup"`
	Paths       []string      `opt:"paths"`
	Concurrency int           `opt:"concurrency,min=1"`
	Duration    time.Duration `opt:"duration"`
	TPBatch     int           `opt:"throughput-batch-size,min=1"`
	CheckSample int           `opt:"check-sample,min=1"`
	NoCheck     bool          `opt:"no-check"`
	Plot        string        `opt:"plot"`
	Seed        uint64        `opt:"seed"`
	Target      string        `opt:"target"`
	PoolSize    int           `opt:"pool-size,min=1"`
	IdleTimeout time.Duration `opt:"idle-timeout"`
	Retries     int           `opt:"retries"`
	Cert        string        `opt:"cert"`
	NoKeepAlive bool          `opt:"no-keepalive"`
}

func newBenchCmd(e *Env) *cobra.Command {
	o := &BenchOptions{}
	c := &cobra.Command{
		Use:   "bench --feature-service NAME | --features VIEW:FEATURE,...",
		Short: "Measure online read latency and throughput, regular vs precomputed",
		Long: `bench answers "what p99 will my models see, and what does precompute buy me?".

Entities are sampled from the online store (--sample of them) or read from --entities FILE
(CSV with a header, JSON lines or Parquet holding the join keys). For each batch size, every
timed request sends the same random entities down each path: regular (every view of the
service read in one round trip, Feast's per-view path) and precomputed (one vector per entity;
by default when the service has precompute_online). Then each path runs --concurrency workers
for --duration (0 skips it) and reports requests and entity rows per second.

Before timing, a sample of entities is read both ways and compared value by value: any
difference means the vectors are stale, and bench stops with an error naming the entities.

--target http(s)://host:port benchmarks a running Feast feature server's /get-online-features
(the regular path names the features, the precomputed path the service) through a pooled
HTTP client; --no-keepalive opens a connection per request, the unpooled baseline. Entities are
still sampled from the configured online store unless --entities is given.`,
		Example: `  feast-go bench --feature-service driver_activity
  feast-go bench --feature-service driver_activity --batch-sizes 1,10,100 --plot latency.png
  feast-go bench --features driver_hourly_stats:conv_rate --duration 0 --json
  feast-go bench --feature-service driver_activity --target http://localhost:6566 --pool-size 20`,
		Args:        noArgs,
		Annotations: map[string]string{needsRepo: "true"},
		RunE:        command(e, o, nil, runBench),
	}
	f := c.Flags()
	f.String("feature-service", "", "feature service to read")
	f.StringSlice("features", nil, "features to read instead of a service (view:feature,...)")
	f.String("entities", "", "read entity rows from this `FILE` (csv, jsonl or parquet) instead of sampling the store")
	f.Int("sample", 10000, "entities sampled from the online store")
	f.IntSlice("batch-sizes", bench.DefaultBatchSizes, "entities per request, one latency measurement each")
	f.Int("iterations", bench.DefaultIterations, "timed requests per batch size and path")
	f.Int("warmup", bench.DefaultWarmup, "untimed requests before each batch size")
	f.StringSlice("paths", nil, "paths to measure: regular, precomputed (default: both when the service precomputes)")
	f.Int("concurrency", bench.DefaultConcurrency, "throughput workers")
	f.Duration("duration", bench.DefaultDuration, "throughput phase per path (0 skips it)")
	f.Int("throughput-batch-size", bench.DefaultThroughputBatch, "entities per throughput request")
	f.Int("check-sample", bench.DefaultCheckSample, "entities read both ways by the correctness check")
	f.Bool("no-check", false, "skip the correctness check")
	f.String("plot", "", "write a PNG chart of latency vs batch size to `FILE`")
	f.Uint64("seed", 1, "random seed of the entity batches")
	f.String("target", "", "benchmark a Feast feature server at this http(s) `URL` instead of the store")
	f.Int("pool-size", remote.DefaultPoolSize, "HTTP connections kept open (--target)")
	f.Duration("idle-timeout", remote.DefaultIdleTimeout, "close idle HTTP connections after this (0 = never)")
	f.Int("retries", remote.DefaultRetries, "HTTP retries on connection errors and 5xx, with exponential backoff")
	f.String("cert", "", "PEM certificate to trust for an https target")
	f.Bool("no-keepalive", false, "a new HTTP connection per request (the unpooled baseline)")
	return c
}

func runBench(ctx context.Context, e *Env, o *BenchOptions) error {
	if (o.Service == "") == (len(o.Features) == 0) {
		return usageErrorf("give --feature-service NAME or --features VIEW:FEATURE,... (one of them)")
	}
	repo, err := e.repo(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = repo.Close() }()
	dur := o.Duration
	if dur == 0 {
		dur = -1 // bench.Config: negative skips the phase
	}
	set, stop := e.stepLine("bench")
	defer stop()
	rep, err := bench.Run(ctx, repo, bench.Options{
		Service: o.Service, Features: o.Features, EntitiesFile: o.Entities, Sample: o.Sample, Paths: o.Paths,
		NoCheck: o.NoCheck, Plot: o.Plot, Target: o.Target,
		HTTP: remote.Options{Cert: o.Cert, PoolSize: o.PoolSize, IdleTimeout: o.IdleTimeout, Retries: o.Retries, NoKeepAlive: o.NoKeepAlive},
		Config: bench.Config{BatchSizes: o.BatchSizes, Iterations: o.Iterations, Warmup: o.Warmup, Concurrency: o.Concurrency,
			Duration: dur, ThroughputBatch: o.TPBatch, CheckSample: o.CheckSample, Seed: o.Seed},
		Log: e.Log,
	}, set)
	stop()
	var oe *bench.OptionError
	switch {
	case errors.As(err, &oe):
		return usageErrorf("--%s: %w", oe.Option, oe.Err)
	case errors.Is(err, context.Canceled) && rep != nil && len(rep.Latency) > 0:
		// Interrupted: what was measured is still worth printing.
		return cmp.Or(e.printBench(rep), err)
	case err != nil:
		return err
	}
	return e.printBench(rep)
}

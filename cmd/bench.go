package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/feast-go/feast-go/bench"
	"github.com/feast-go/feast-go/ingest"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/remote"
	"github.com/feast-go/feast-go/precompute"
	"github.com/feast-go/feast-go/registry"
	"github.com/spf13/cobra"
)

// BenchOptions are the flags of bench.
type BenchOptions struct {
	Service     string
	Features    []string
	Entities    string
	Sample      int
	BatchSizes  []int
	Iterations  int
	Warmup      int
	Paths       []string
	Concurrency int
	Duration    time.Duration
	TPBatch     int
	CheckSample int
	NoCheck     bool
	Plot        string
	Seed        uint64
	Target      string
	PoolSize    int
	IdleTimeout time.Duration
	Retries     int
	Cert        string
	NoKeepAlive bool
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
		RunE: func(c *cobra.Command, _ []string) error {
			return runBench(c.Context(), e, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.Service, "feature-service", "", "feature service to read")
	f.StringSliceVar(&o.Features, "features", nil, "features to read instead of a service (view:feature,...)")
	f.StringVar(&o.Entities, "entities", "", "read entity rows from this `FILE` (csv, jsonl or parquet) instead of sampling the store")
	f.IntVar(&o.Sample, "sample", 10000, "entities sampled from the online store")
	f.IntSliceVar(&o.BatchSizes, "batch-sizes", []int{1, 5, 10, 50, 100, 500}, "entities per request, one latency measurement each")
	f.IntVar(&o.Iterations, "iterations", 200, "timed requests per batch size and path")
	f.IntVar(&o.Warmup, "warmup", 30, "untimed requests before each batch size")
	f.StringSliceVar(&o.Paths, "paths", nil, "paths to measure: regular, precomputed (default: both when the service precomputes)")
	f.IntVar(&o.Concurrency, "concurrency", 10, "throughput workers")
	f.DurationVar(&o.Duration, "duration", 15*time.Second, "throughput phase per path (0 skips it)")
	f.IntVar(&o.TPBatch, "throughput-batch-size", 10, "entities per throughput request")
	f.IntVar(&o.CheckSample, "check-sample", 100, "entities read both ways by the correctness check")
	f.BoolVar(&o.NoCheck, "no-check", false, "skip the correctness check")
	f.StringVar(&o.Plot, "plot", "", "write a PNG chart of latency vs batch size to `FILE`")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed of the entity batches")
	f.StringVar(&o.Target, "target", "", "benchmark a Feast feature server at this http(s) `URL` instead of the store")
	f.IntVar(&o.PoolSize, "pool-size", 50, "HTTP connections kept open (--target)")
	f.DurationVar(&o.IdleTimeout, "idle-timeout", 300*time.Second, "close idle HTTP connections after this (0 = never)")
	f.IntVar(&o.Retries, "retries", 3, "HTTP retries on connection errors and 5xx, with exponential backoff")
	f.StringVar(&o.Cert, "cert", "", "PEM certificate to trust for an https target")
	f.BoolVar(&o.NoKeepAlive, "no-keepalive", false, "a new HTTP connection per request (the unpooled baseline)")
	return c
}

// benchReport is everything bench prints.
type benchReport struct {
	Service     string              `json:"feature_service"`
	Features    int                 `json:"features"`
	Views       int                 `json:"views"`
	Source      string              `json:"source"`
	Entities    int                 `json:"entities"`
	Iterations  int                 `json:"iterations"`
	Warmup      int                 `json:"warmup"`
	Check       *bench.Check        `json:"check,omitempty"`
	Latency     []bench.Latency     `json:"-"`
	Throughput  []*bench.Throughput `json:"-"`
	HTTP        *remote.Stats       `json:"http,omitempty"`
	KeepAlive   *bool               `json:"keepalive,omitempty"`
	PlotWritten string              `json:"plot,omitempty"`

	LatencyJSON    []latencyRow        `json:"latency"`
	ThroughputJSON []*bench.Throughput `json:"throughput,omitempty"`
}

func runBench(ctx context.Context, e *Env, o *BenchOptions) error {
	if (o.Service == "") == (len(o.Features) == 0) {
		return usageError{errors.New("give --feature-service NAME or --features VIEW:FEATURE,... (one of them)")}
	}
	for _, b := range o.BatchSizes {
		if b <= 0 {
			return usageError{fmt.Errorf("--batch-sizes: %d is not a positive size", b)}
		}
	}
	cfg, _, objs, err := e.project(ctx)
	if err != nil {
		return err
	}
	svc, err := benchService(objs, o)
	if err != nil {
		return usageError{err}
	}
	paths, err := benchPaths(svc, o.Paths)
	if err != nil {
		return usageError{err}
	}
	primary, err := objs.FeatureView(svc.Projections[0].View)
	if err != nil {
		return err
	}
	target := o.Target
	if target == "" && cfg.OnlineStore.Type == registry.OnlineStoreRemote {
		target = cfg.OnlineStore.Remote.Path
	}
	rep := &benchReport{Service: svc.Name, Views: len(svc.Projections), Iterations: o.Iterations, Warmup: o.Warmup}
	for _, p := range svc.Projections {
		rep.Features += len(p.Features)
	}

	// Entities: a file, or a sample of the online store.
	var store onlinestore.Store
	if o.Entities == "" || target == "" {
		if store, err = e.openReadStore(ctx, cfg, objs, o.Concurrency+2); err != nil {
			return err
		}
		defer func() { _ = store.Close() }()
	}
	var ents []bench.Entity
	if o.Entities != "" {
		ents, err = benchEntitiesFile(o.Entities, primary, cfg.EntityKeySerializationVersion)
		rep.Source = o.Entities
	} else {
		scanner, ok := store.(onlinestore.KeyScanner)
		if !ok {
			return usageError{fmt.Errorf("the %s online store cannot list entities; give --entities FILE", cfg.OnlineStore.Type)}
		}
		ents, err = bench.SampleEntities(ctx, scanner, onlinestore.View{Name: primary.Name, JoinKeys: primary.JoinKeys()}, o.Sample)
		rep.Source = cfg.OnlineStore.Type + " online store"
	}
	if err != nil {
		return err
	}
	if len(ents) == 0 {
		return fmt.Errorf("no entities found for feature view %q in the %s: materialize or push rows first, or give --entities FILE", primary.Name, rep.Source)
	}
	rep.Entities = len(ents)

	var pathImpls []bench.Path
	var client *remote.Client
	if target != "" {
		client, err = remote.New(remote.Options{URL: target, Cert: o.Cert, PoolSize: o.PoolSize, IdleTimeout: o.IdleTimeout,
			Retries: retriesOption(o.Retries), NoKeepAlive: o.NoKeepAlive})
		if err != nil {
			return usageError{err}
		}
		defer client.Close()
		keepAlive := !o.NoKeepAlive
		rep.KeepAlive = &keepAlive
		rep.Source += ", read through " + target
		for _, p := range paths {
			pathImpls = append(pathImpls, &bench.HTTP{Client: client, Service: svc, Precomputed: p == bench.Precomputed, JoinKeys: primary.JoinKeys()})
		}
	} else {
		reader := &precompute.Reader{Store: store, Objects: objs}
		for _, p := range paths {
			pathImpls = append(pathImpls, &bench.Direct{Reader: reader, Service: svc, Precomputed: p == bench.Precomputed})
		}
	}
	dur := o.Duration
	if dur == 0 {
		dur = -1
	}
	runner := &bench.Runner{Paths: pathImpls, Entities: ents, Config: bench.Config{
		BatchSizes: o.BatchSizes, Iterations: o.Iterations, Warmup: o.Warmup, Concurrency: o.Concurrency,
		Duration: dur, ThroughputBatch: o.TPBatch, CheckSample: o.CheckSample, Seed: o.Seed, CheckIgnoresAge: target != ""}}
	steps := e.stepLine("bench")
	runner.Step = steps.set
	defer steps.done()

	if len(pathImpls) == 2 && !o.NoCheck {
		steps.set("correctness check")
		rep.Check, err = runner.Check(ctx, pathImpls[0], pathImpls[1], svc.Name, func(en bench.Entity) string { return onlinestore.DescribeKey(en.Key) })
		if err != nil {
			return err
		}
	}
	if rep.Latency, err = runner.Latency(ctx); err != nil {
		return err
	}
	if rep.Throughput, err = runner.Throughput(ctx); err != nil {
		return err
	}
	steps.done()
	if client != nil {
		st := client.Stats()
		rep.HTTP = &st
	}
	if o.Plot != "" {
		if err := writePlot(o.Plot, svc.Name, rep.Latency); err != nil {
			return err
		}
		rep.PlotWritten = o.Plot
	}
	return e.printBench(rep)
}

// retriesOption maps the flag (0 = none) to remote.Options (0 = default, <0 = none).
func retriesOption(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

func writePlot(path, title string, lat []bench.Latency) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if err := bench.Plot(f, "feature service "+title+": latency vs batch size", lat); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// benchService is the named service, or an ad-hoc one for --features.
func benchService(objs *registry.Objects, o *BenchOptions) (*registry.FeatureService, error) {
	if o.Service != "" {
		return objs.FeatureService(o.Service)
	}
	svc := &registry.FeatureService{Name: "(--features)"}
	for _, ref := range o.Features {
		view, feat, ok := strings.Cut(ref, ":")
		if !ok {
			return nil, fmt.Errorf("--features %q: expected VIEW:FEATURE", ref)
		}
		fv, err := objs.FeatureView(view)
		if err != nil {
			return nil, fmt.Errorf("--features %q: %w", ref, err)
		}
		f, ok := fv.Feature(feat)
		if !ok {
			return nil, fmt.Errorf("--features %q: feature view %q has no feature %q", ref, view, feat)
		}
		var p *registry.Projection
		for i := range svc.Projections {
			if svc.Projections[i].View == view {
				p = &svc.Projections[i]
			}
		}
		if p == nil {
			svc.Projections = append(svc.Projections, registry.Projection{View: view})
			p = &svc.Projections[len(svc.Projections)-1]
		}
		p.Features = append(p.Features, f)
	}
	for _, p := range svc.Projections[1:] {
		a, _ := objs.FeatureView(svc.Projections[0].View)
		b, _ := objs.FeatureView(p.View)
		if strings.Join(a.JoinKeys(), ",") != strings.Join(b.JoinKeys(), ",") {
			return nil, fmt.Errorf("--features: views %q and %q have different join keys", a.Name, b.Name)
		}
	}
	return svc, nil
}

// benchPaths picks the paths: as asked, or both when the service precomputes.
func benchPaths(svc *registry.FeatureService, asked []string) ([]string, error) {
	if len(asked) == 0 {
		if svc.PrecomputeOnline {
			return []string{bench.Regular, bench.Precomputed}, nil
		}
		return []string{bench.Regular}, nil
	}
	var out []string
	for _, p := range asked {
		switch p {
		case bench.Regular:
		case bench.Precomputed:
			if !svc.PrecomputeOnline {
				return nil, fmt.Errorf("--paths precomputed: feature service %q does not precompute (precompute_online: false), so it has no vectors", svc.Name)
			}
		default:
			return nil, fmt.Errorf("--paths %q: expected regular or precomputed", p)
		}
		out = append(out, p)
	}
	return out, nil
}

func benchEntitiesFile(path string, fv *registry.FeatureView, version int) ([]bench.Entity, error) {
	format, err := ingest.DetectFormat(path, "")
	if err != nil {
		return nil, usageError{fmt.Errorf("--entities: %w", err)}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--entities: %w", err)
	}
	defer func() { _ = f.Close() }()
	return bench.ReadEntities(f, format, path, fv, version)
}

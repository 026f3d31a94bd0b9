package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/internal/gctune"
	"github.com/feast-go/feast-go/materialize"
	"github.com/feast-go/feast-go/onlinestore/open"
	"github.com/feast-go/feast-go/precompute"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/tracing"
	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"
)

// MaterializeOptions are the options of materialize and materialize-incremental.
type MaterializeOptions struct {
	Start, End      string // positional; START only for materialize
	Incremental     bool
	Views           []string `opt:"views"`
	Parallel        int      `opt:"parallel,min=1"`
	WriteConns      int      `opt:"write-connections,min=1"`
	PipelineSize    int      `opt:"pipeline-size,min=1"`
	ScanConcurrency int      `opt:"scan-concurrency,min=1"`
	ScanBatchSize   int      `opt:"scan-batch-size"`
	ReadOnce        bool     `opt:"read-once"`
	Force           bool     `opt:"force"`
	Shard           string   `opt:"shard"`
	RunID           string   `opt:"run-id"`
	ReportOptions
}

const materializeExit = `
EXIT STATUS
  0 every view landed · 1 error (nothing recorded) · 2 usage error
  3 some views failed, others landed and were recorded
  5 run lock held: another run is materializing every view asked for · 130 interrupted (nothing half-recorded)

SHARDS
  --shard I/N makes the run shard I of N (I from JOB_COMPLETION_INDEX with --shard /N), for a
  Kubernetes Indexed Job: each shard keeps the entities whose key hashes to I, the first shard
  to start stores the plan under --run-id, and the last to finish records the intervals. Any N
  writes the same bytes as one process. A shard that finished exits 0; N, the command and
  its arguments must be the same in every shard of a run (exit 2 otherwise).`

func newMaterializeCmd(e *Env) *cobra.Command {
	opts := &MaterializeOptions{}
	c := &cobra.Command{
		Use:   "materialize START END",
		Short: "Materialize the window [START, END] of every online feature view into the online store",
		Long: `materialize reads each online feature view's rows with START <= event time <= END (both
inclusive, as Feast) from its Iceberg source, keeps the latest row per entity (event time, then
created time), writes it to the online store in Feast's format, and records [START, END] in the
registry once every write of that view was acknowledged. A row older than the stored one never
overwrites it. Times: RFC 3339 / ISO 8601 (no zone = UTC), a date, now, or -1h / -2d.` + materializeExit,
		Example: `  feast-go materialize 2026-11-01T00:00:00 2026-11-23T00:00:00
  feast-go materialize -2d now --views driver_hourly_stats --json`,
		Args:        exactArgs("START", "END"),
		Annotations: map[string]string{needsRepo: "true"},
		RunE:        command(e, opts, func(o *MaterializeOptions, args []string) { o.Start, o.End = args[0], args[1] }, runMaterialize),
	}
	addMaterializeFlags(c)
	return c
}

func newMaterializeIncrementalCmd(e *Env) *cobra.Command {
	opts := &MaterializeOptions{Incremental: true}
	c := &cobra.Command{
		Use:   "materialize-incremental END",
		Short: "Materialize each online feature view from its last materialized time to END",
		Long: `materialize-incremental materializes each online feature view from the end of its last
recorded interval (or now − ttl; now − 52 weeks without a ttl, as Feast) to END. It is the
command to run from cron: a failed or interrupted run records nothing for the views that did
not land, so the next run starts where the data really ends.` + materializeExit,
		Example: `  feast-go materialize-incremental now
  feast-go materialize-incremental "$(date -u +%Y-%m-%dT%H:%M:%S)" --json`,
		Args:        exactArgs("END"),
		Annotations: map[string]string{needsRepo: "true"},
		RunE:        command(e, opts, func(o *MaterializeOptions, args []string) { o.End = args[0] }, runMaterialize),
	}
	addMaterializeFlags(c)
	return c
}

func addMaterializeFlags(c *cobra.Command) {
	f := c.Flags()
	f.StringSlice("views", nil, "materialize only these feature `views`")
	f.Int("parallel", materialize.DefaultParallel, "feature views materialized at once")
	addWriteFlags(c)
	f.Int("scan-concurrency", 1, "Iceberg file readers per view (each holds about one data file in memory)")
	f.Int("scan-batch-size", catalog.DefaultBatchSize, "rows per Arrow batch (0: iceberg-go's default, 131072: more memory, a slightly faster scan)")
	f.Bool("read-once", false, "read each view's files once and hold its newest rows in memory (about 100 B more an entity), instead of reading them twice")
	f.Bool("force", false, "materialize views another run seems to hold (the run lock), for a run known to be gone")
	f.String("shard", "", "run as shard `I/N` of a sharded run (/N: I from JOB_COMPLETION_INDEX)")
	f.String("run-id", "", "the `id` every shard of one run shares (an Indexed Job's name)")
	addReportFlags(c)
}

// addWriteFlags adds the online write flags materialize and push share.
func addWriteFlags(c *cobra.Command) {
	c.Flags().Int("write-connections", materialize.DefaultWriters, "concurrent write pipelines per view")
	c.Flags().Int("pipeline-size", open.DefaultPipelineSize, "rows per online store pipeline")
}

func runMaterialize(ctx context.Context, e *Env, opts *MaterializeOptions) (err error) {
	report := e.startReport(opts.ReportOptions)
	defer func() { err = report.finish(ctx, err) }()
	sharding, err := shardingOf(e, opts)
	if err != nil {
		return err
	}
	repo, err := e.repo(ctx)
	if err != nil {
		return err
	}
	report.repo = repo
	plan, err := planMaterialize(ctx, e, opts, repo)
	if err != nil {
		return err
	}

	tuneGC(e.LookupEnv)
	online, err := open.Open(ctx, repo.Config, e.tuning(opts.WriteConns, opts.PipelineSize))
	if err != nil {
		return err
	}
	report.store = online // the report closes it, after writing the history
	cache := catalog.NewCache()
	defer func() { _ = cache.Close() }()
	track, stop := e.viewsLine(e.command)
	runner := &materialize.Runner{
		Repo: repo, Store: online, Catalogs: cache, Env: e.flowEnv(),
		Options: materialize.Options{Parallel: opts.Parallel, Writers: opts.WriteConns,
			Scan: catalog.ScanOptions{Concurrency: opts.ScanConcurrency, BatchSize: opts.ScanBatchSize}, ReadOnce: opts.ReadOnce, Force: opts.Force,
			Sharding: sharding},
		Progress: track,
		OnView:   func(v materialize.ViewResult) { _ = e.Printer.Status(e.command, map[string]any{"view": v}) },
	}
	sum, err := runner.Run(ctx, plan)
	stop()
	report.rec.AddMaterialize(sum)
	if perr := e.Printer.Summary(e.command, materializeReport{sum}); perr != nil && err == nil {
		err = perr
	}
	return err
}

// shardingOf reads --shard and --run-id. One shard of one (--shard 0/1
// without --run-id) is a plain run.
func shardingOf(e *Env, opts *MaterializeOptions) (materialize.Sharding, error) {
	if opts.Shard == "" {
		if opts.RunID != "" {
			return materialize.Sharding{}, usageErrorf("--run-id %q: only a sharded run (--shard I/N) has a run id", opts.RunID)
		}
		return materialize.Sharding{}, nil
	}
	jobIndex, _ := e.LookupEnv("JOB_COMPLETION_INDEX")
	shard, err := materialize.ParseShard(opts.Shard, jobIndex)
	if err != nil {
		return materialize.Sharding{}, usageErrorf("%s: %w", e.origin("shard"), err)
	}
	switch {
	case opts.RunID == "" && shard.Count > 1:
		return materialize.Sharding{}, usageErrorf("--shard %s: a sharded run needs --run-id (or FEAST_GO_RUN_ID), the same in every shard; in a Kubernetes Indexed Job, the Job's name from the downward API", shard)
	case opts.RunID == "":
		return materialize.Sharding{}, nil
	case !validRunID(opts.RunID):
		return materialize.Sharding{}, usageErrorf("%s %q: expected 1 to 200 letters, digits, '.', '-', '_' or ':'", e.origin("run-id"), opts.RunID)
	}
	req := []string{e.command}
	if !opts.Incremental {
		req = append(req, opts.Start)
	}
	req = append(req, opts.End)
	if len(opts.Views) > 0 {
		req = append(req, "--views", strings.Join(opts.Views, ","))
	}
	return materialize.Sharding{Shard: shard, Run: opts.RunID, Request: strings.Join(req, " ")}, nil
}

func validRunID(id string) bool {
	if id == "" || len(id) > 200 {
		return false
	}
	return strings.IndexFunc(id, func(c rune) bool {
		return (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && !strings.ContainsRune(".-_:", c)
	}) < 0
}

// planMaterialize picks the views and their windows.
func planMaterialize(ctx context.Context, e *Env, opts *MaterializeOptions, repo *registry.Repo) (plan *materialize.Plan, err error) {
	_, span := tracing.Start(ctx, "plan")
	defer func() { tracing.End(span, err) }()
	now := e.Now()
	end, err := parseTime(opts.End, now)
	if err != nil {
		return nil, err
	}
	views, skipped, err := materialize.SelectViews(repo.Objects, opts.Views)
	switch {
	case err != nil && len(opts.Views) > 0:
		return nil, usageErrorf("--views: %w", err)
	case err != nil:
		return nil, fmt.Errorf("registry %s: %w", displayPath(repo.Config.Dir, repo.Registry.Location()), err)
	}
	if opts.Incremental {
		plan = materialize.PlanIncremental(views, end, now)
	} else {
		start, err := parseTime(opts.Start, now)
		if err != nil {
			return nil, err
		}
		if plan, err = materialize.PlanWindow(views, start, end); err != nil {
			return nil, usageError{err}
		}
	}
	plan.Skipped = append(skipped, plan.Skipped...)
	span.SetAttributes(attribute.Int("feast_go.views", len(plan.Tasks)))
	return plan, nil
}

// tuning sizes the online store for conns concurrent writers (and room for
// the vector rebuild beside them).
func (e *Env) tuning(conns, pipeline int) open.Tuning {
	return open.Tuning{Connections: conns + 2, PipelineSize: pipeline, Log: e.Log}
}

// materializeGCPercent and materializeGCFloor are the garbage collector's
// target during materialization unless GOGC or GOMEMLIMIT say otherwise: 15%
// of the live heap, and at least 16 MB above it (gctune). The per-entity
// state is pointer-free, so collections are cheap and the heap stays close to
// the live set: 1M rows over 1M entities × 10 features peak at ~235 MB RSS
// instead of ~330 MB at Go's default of 100. The floor keeps a small heap
// from being collected every few MB: one shard of 8 of 10M rows took 2.9 s
// with it and 4.4 s without, for 17 MB more (BENCHMARKS.md).
const (
	materializeGCPercent = 15
	materializeGCFloor   = 16 << 20
)

func tuneGC(lookup func(string) (string, bool)) {
	if _, ok := lookup("GOGC"); ok {
		return
	}
	if _, ok := lookup("GOMEMLIMIT"); ok {
		return
	}
	gctune.Target(materializeGCPercent, materializeGCFloor)
}

// materializeReport prints a materialization summary: a table per view.
type materializeReport struct{ *materialize.Summary }

func (r materializeReport) WriteText(w io.Writer) error {
	sum := r.Summary
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %-41s %12s %10s %10s %9s %8s  %s\n", "VIEW", "WINDOW", "ROWS", "ENTITIES", "WRITTEN", "OLDER", "SECONDS", "STATUS")
	for _, v := range sum.Views {
		status := "ok"
		if v.Error != "" {
			status = "FAILED: " + v.Error
		}
		fmt.Fprintf(&b, "%-28s %-41s %12d %10d %10d %9d %8.2f  %s\n", v.View,
			v.Start.Format(time.RFC3339)+" .. "+v.End.Format(time.RFC3339), v.RowsScanned, v.Entities, v.Written, v.SkippedOlder, v.Seconds, status)
	}
	for _, v := range sum.Views {
		if v.OutOfRange > 0 {
			fmt.Fprintf(&b, "%-28s %s skipped: event or created time out of range (1677-09-21 to 2262-04-11)\n", v.View, plural(v.OutOfRange, "row"))
		}
	}
	for _, s := range sum.Skipped {
		fmt.Fprintf(&b, "%-28s skipped: %s\n", s.View, s.Reason)
	}
	writeShard(&b, sum.Shard)
	writeVectorStats(&b, "%-28s precomputed vectors: %d written for %d entities in %.2fs", sum.Precompute)
	writePendingVectors(&b, sum.VectorsPending)
	fmt.Fprintf(&b, "\n%s in %.2fs, %.0f rows/s; catalog loads %d, table loads %d\n",
		plural(int64(len(sum.Views)), "view"), sum.Seconds, sum.RowsPerSec, sum.Catalog.CatalogLoads, sum.Catalog.TableLoads)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeShard says how a shard's part in its run went.
func writeShard(b *strings.Builder, sh *materialize.ShardReport) {
	if sh == nil {
		return
	}
	fmt.Fprintf(b, "shard %d/%d of run %s", sh.Index, sh.Count, sh.Run)
	if sh.PlanMade {
		b.WriteString(": stored the run's plan")
	}
	if sh.Repeat {
		b.WriteString(": had finished before, nothing to do")
	}
	fmt.Fprintf(b, "; %d of %d shards done", len(sh.Done), sh.Count)
	switch {
	case sh.CommittedHere:
		b.WriteString("; committed: the intervals are recorded\n")
	case sh.Committed:
		b.WriteString("; the run committed before\n")
	default:
		b.WriteString("; the last shard to finish records the intervals\n")
	}
	if sh.OtherRows > 0 {
		fmt.Fprintf(b, "%s of other shards' entities skipped\n", plural(sh.OtherRows, "row"))
	}
}

// writePendingVectors says which services' vectors a run left behind, and
// the command that rebuilds them.
func writePendingVectors(b *strings.Builder, services []string) {
	for _, svc := range services {
		fmt.Fprintf(b, "%-28s precomputed vectors NOT rebuilt for the entities written: the next materialize or push rebuilds them, or run `feast-go precompute %s`\n", svc, svc)
	}
}

// writeVectorStats adds a line per rebuilt service (format takes service,
// written, entities, seconds, and has no newline).
func writeVectorStats(b *strings.Builder, format string, stats []precompute.Stats) {
	for _, p := range stats {
		fmt.Fprintf(b, format, p.Service, p.Written, p.Entities, p.Seconds)
		if p.Healed {
			b.WriteString(", in full: an earlier run stopped before finishing them")
		}
		b.WriteString("\n")
	}
}

package materialize

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/precompute"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/tracing"
	"go.opentelemetry.io/otel/attribute"
	"golang.org/x/sync/errgroup"
)

// Options tune a run; zero values take the defaults.
type Options struct {
	Parallel  int // views materialized at once; 0 = DefaultParallel
	Writers   int // concurrent write pipelines per view; 0 = DefaultWriters
	ChunkSize int // rows handed to one pipeline at a time; 0 = DefaultChunkSize
	Scan      catalog.ScanOptions
	// ReadOnce holds every view's newest rows in memory, reading its files
	// once, where a view's writes would otherwise read them a second time
	// (stream.go).
	ReadOnce bool
	// Force materializes views that another run seems to hold (the run
	// lock): for a run that is known to be gone.
	Force bool
	// Sharding, when its Run is set, makes the run one shard of a sharded
	// run (shardrun.go).
	Sharding Sharding
}

// Runner executes plans: scan, keep the latest row per entity, write,
// record the interval, then rebuild the vectors of the entities written.
// Repo, Store and Catalogs are required.
type Runner struct {
	Repo     *registry.Repo
	Store    onlinestore.Store
	Catalogs *catalog.Cache
	Options  Options
	Env
	// Progress, when set, is called with every view's live counters once when the view starts.
	Progress func(*ViewProgress)
	// OnView, when set, is called with each view's result as soon as it is known.
	OnView func(ViewResult)
}

// ViewProgress are one view's live counters (updated atomically while it runs).
type ViewProgress struct {
	View            string
	RowsScanned     atomic.Int64
	EntitiesWritten atomic.Int64
	Entities        atomic.Int64 // distinct entities found, known once the scan ends
}

// ViewResult is how one view's materialization went.
type ViewResult struct {
	View         string    `json:"view"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	RowsScanned  int64     `json:"rows_scanned"`
	NullKeys     int64     `json:"null_keys_skipped"`
	OutOfRange   int64     `json:"out_of_range_skipped"` // event or created time outside 1677–2262
	OtherShards  int64     `json:"rows_of_other_shards,omitempty"`
	Entities     int64     `json:"entities"`
	Written      int64     `json:"written"`
	SkippedOlder int64     `json:"skipped_older"`
	FilesPlanned int       `json:"files_planned"`
	FilesTotal   int       `json:"files_total"`
	BytesPlanned int64     `json:"bytes_planned"` // sizes of the data files scanned
	Reads        int       `json:"reads"`         // of those files: 2 when the rows were streamed (stream.go)
	Seconds      float64   `json:"seconds"`
	Recorded     bool      `json:"interval_recorded"`
	Error        string    `json:"error,omitempty"`
}

// Summary is a whole run.
type Summary struct {
	Views   []ViewResult  `json:"views"`
	Skipped []Skipped     `json:"skipped,omitempty"`
	Catalog catalog.Stats `json:"catalog"`
	// Precompute holds the vector rebuilds of the entities the run wrote;
	// VectorsPending names the services whose rebuild did not finish
	// (interrupted or failed): `feast-go precompute SERVICE` completes it.
	Precompute     []precompute.Stats `json:"precompute,omitempty"`
	VectorsPending []string           `json:"vectors_pending,omitempty"`
	// Shard is this shard's part in a sharded run.
	Shard      *ShardReport `json:"shard,omitempty"`
	Seconds    float64      `json:"seconds"`
	RowsPerSec float64      `json:"rows_per_second"`
}

// Failed names the views that did not land.
func (s *Summary) Failed() []string {
	var out []string
	for _, v := range s.Views {
		if v.Error != "" {
			out = append(out, v.View)
		}
	}
	return out
}

// ErrViewsFailed wraps the first view error when some (or all) views failed.
var ErrViewsFailed = errors.New("materialization failed")

// ErrPartial marks a run that landed some of its work and not the rest:
// some views failed, or the vectors could not be rebuilt after the rows
// landed (push: the offline append failed after the online write).
var ErrPartial = errors.New("partly landed")

// Run materializes every task, views in parallel up to Options.Parallel, then
// rebuilds the precomputed vectors of the entities written, also after a
// partial run. A view that fails does not stop the others and records
// nothing. The summary is returned in every case; the error wraps
// ErrViewsFailed and, when some work landed, ErrPartial (or it is the
// context's error when interrupted). A shard of a sharded run follows its
// run's plan instead of plan, records nothing itself, and fails as a whole.
func (r *Runner) Run(ctx context.Context, plan *Plan) (*Summary, error) {
	var sh *shardRun
	if r.Options.Sharding.Run != "" {
		var err error
		if sh, plan, err = r.joinShard(ctx, plan); err != nil {
			return &Summary{}, err
		}
		if sh.report.Committed || sh.doneHere() {
			return sh.idle(ctx, plan)
		}
	}
	log := r.Logger()
	began := r.Clock()
	sum := &Summary{Views: make([]ViewResult, len(plan.Tasks)), Skipped: plan.Skipped}
	lk, err := r.claim(ctx, plan.Tasks, sh)
	if err != nil {
		return sum, err
	}
	defer lk.release()
	tracker := precompute.NewTracker(r.Repo.Objects, r.Store)
	tracker.NoHeal = sh != nil
	defer tracker.Release()
	var views []string
	for _, task := range plan.Tasks {
		if lk.refused(task.View.Name) == nil {
			views = append(views, task.View.Name)
		}
	}
	// Noted before any row lands: if this run dies before its vectors are
	// rebuilt, the next run that writes rebuilds them.
	if err := tracker.Claim(ctx, views); err != nil {
		return sum, err
	}
	w := &Writer{Store: r.Store, Writers: r.Options.Writers, ChunkSize: r.Options.ChunkSize, Tracker: tracker, Now: r.Clock}
	var g errgroup.Group
	g.SetLimit(cmp.Or(max(r.Options.Parallel, 0), DefaultParallel))
	var mu sync.Mutex
	var firstErr error
	after := waitFor(plan.Tasks, tracker.Carriers(views))
	done := make([]chan struct{}, len(plan.Tasks))
	for i := range done {
		done[i] = make(chan struct{})
	}
	for i, task := range plan.Tasks {
		g.Go(func() error {
			defer close(done[i])
			for _, j := range after[i] { // started before this one, so never waiting on it
				select {
				case <-done[j]:
				case <-ctx.Done():
				}
			}
			res, err := ViewResult{View: task.View.Name, Start: task.Start, End: task.End}, lk.refused(task.View.Name)
			if err == nil {
				res, err = r.runView(ctx, task, w, log, sh == nil)
				lk.done(ctx, task.View.Name, res.Recorded)
			}
			if err != nil {
				res.Error = err.Error()
				log.Error("feature view failed", "view", task.View.Name, "error", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			sum.Views[i] = res
			if r.OnView != nil {
				r.OnView(res)
			}
			return nil
		})
	}
	_ = g.Wait()
	slices.SortFunc(sum.Views, func(a, b ViewResult) int { return strings.Compare(a.View, b.View) })
	var vecErr error
	if ctx.Err() == nil {
		log.Debug("rebuilding precomputed vectors", "phase", "vectors")
		vctx, vspan := tracing.Start(ctx, "vectors")
		sum.Precompute, vecErr = tracker.Finish(vctx, r.Clock)
		tracing.End(vspan, vecErr)
	}
	var shardErr error
	if sh != nil {
		sum.Shard = sh.report
		for _, v := range sum.Views {
			sh.report.OtherRows += v.OtherShards
		}
		if ctx.Err() == nil && firstErr == nil && vecErr == nil {
			// The claims end before the shard is noted done, so that no
			// renewal outlives the commit that settles them.
			lk.hold.Abandon()
			shardErr = sh.finish(ctx, sum, tracker)
		}
	}
	tracker.Release()
	sum.VectorsPending = tracker.Pending()
	if sh == nil {
		if lostErr := r.lostAfterRecording(ctx, sum); lostErr != nil && firstErr == nil {
			firstErr = lostErr
		}
	}
	sum.Seconds = r.Clock().Sub(began).Seconds()
	var rows int64
	for _, v := range sum.Views {
		rows += v.RowsScanned
	}
	if sum.Seconds > 0 {
		sum.RowsPerSec = float64(rows) / sum.Seconds
	}
	sum.Catalog = r.Catalogs.Stats()
	failed := len(sum.Failed())
	switch {
	case ctx.Err() != nil:
		return sum, ctx.Err()
	case failed > 0 && failed == len(lk.busy) && failed == len(sum.Views):
		return sum, fmt.Errorf("%w: %d of %d feature views are held by another run: %w", ErrLockHeld, failed, len(sum.Views), firstErr)
	case sh != nil && firstErr != nil: // a shard records nothing: it failed as a whole
		return sum, fmt.Errorf("%w: %d of %d feature views; shard %s of run %s is not done: %w", ErrViewsFailed, failed, len(sum.Views), sh.cfg.Shard, sh.cfg.Run, firstErr)
	case sh != nil && vecErr != nil:
		return sum, fmt.Errorf("shard %s of run %s: feature rows landed, but rebuilding precomputed vectors failed, so the shard is not done: %w", sh.cfg.Shard, sh.cfg.Run, vecErr)
	case shardErr != nil:
		return sum, shardErr
	case firstErr != nil && failed < len(sum.Views):
		return sum, Partial(fmt.Errorf("%w: %d of %d feature views: %w", ErrViewsFailed, failed, len(sum.Views), firstErr))
	case firstErr != nil:
		return sum, fmt.Errorf("%w: %d of %d feature views: %w", ErrViewsFailed, failed, len(sum.Views), firstErr)
	case vecErr != nil:
		return sum, Partial(fmt.Errorf("feature rows landed, but rebuilding precomputed vectors failed: %w", vecErr))
	}
	return sum, nil
}

// waitFor turns carriers (view -> the views it waits for) into task
// indexes: after[i] are the earlier tasks task i starts after, so that the
// view carrying a service's vectors is written once the service's other
// views are (the tasks start in order, so a wait is on a running or
// finished task).
func waitFor(tasks []Task, carriers map[string][]string) [][]int {
	after := make([][]int, len(tasks))
	if len(carriers) == 0 {
		return after
	}
	idx := map[string]int{}
	for i, t := range tasks {
		idx[t.View.Name] = i
	}
	for i, t := range tasks {
		for _, v := range carriers[t.View.Name] {
			if j, ok := idx[v]; ok && j < i {
				after[i] = append(after[i], j)
			}
		}
	}
	return after
}

// runView materializes one view; record says whether it records the
// interval (a shard leaves that to its run's commit).
func (r *Runner) runView(ctx context.Context, task Task, w *Writer, log *slog.Logger, record bool) (res ViewResult, err error) {
	fv := task.View
	res = ViewResult{View: fv.Name, Start: task.Start, End: task.End}
	ctx, span := tracing.Start(ctx, "view "+fv.Name, attribute.String("feast.feature_view", fv.Name))
	defer func() {
		span.SetAttributes(attribute.Int64("feast_go.rows_scanned", res.RowsScanned), attribute.Int64("feast_go.written", res.Written))
		tracing.End(span, err)
	}()
	began := r.Clock()
	defer func() { res.Seconds = r.Clock().Sub(began).Seconds() }()
	prog := &ViewProgress{View: fv.Name}
	if r.Progress != nil {
		r.Progress(prog)
	}
	if fv.BatchSource == nil || fv.BatchSource.Iceberg == nil {
		return res, fmt.Errorf("feature view %q: batch source %q is not an Iceberg source; feast-go materializes Iceberg sources", fv.Name, fv.BatchSource.DisplayName())
	}
	log.Debug("scanning", "phase", "scan", "view", fv.Name, "start", task.Start, "end", task.End)
	stream := !r.Options.ReadOnce && w.Streams(fv)
	lt, vs, err := r.scan(ctx, task, &res, prog, stream)
	if err != nil {
		return res, err
	}
	res.Reads = 1
	res.RowsScanned, res.NullKeys, res.OutOfRange, res.Entities = lt.scanned, lt.nullKeys, lt.outOfRange, int64(lt.Entities())
	res.OtherShards = lt.others
	if res.OutOfRange > 0 {
		log.Warn("rows skipped: event or created time out of range (1677-09-21 to 2262-04-11)", "view", fv.Name, "rows", res.OutOfRange)
	}
	prog.Entities.Store(res.Entities)
	log.Debug("writing", "phase", "write", "view", fv.Name, "rows", res.RowsScanned, "entities", res.Entities, "files", res.FilesPlanned)

	wctx, wspan := tracing.Start(ctx, "write")
	var st onlinestore.WriteStats
	if stream {
		res.Reads = 2
		st, err = w.Stream(wctx, fv, lt, vs.Read(), prog)
	} else {
		st, err = w.Write(wctx, fv, lt, prog)
	}
	tracing.End(wspan, err)
	res.Written, res.SkippedOlder = st.Written, st.SkippedOlder
	if err != nil || !record {
		return res, err
	}
	log.Debug("recording the interval", "phase", "record", "view", fv.Name, "written", res.Written, "skipped_older", res.SkippedOlder)
	rctx, rspan := tracing.Start(ctx, "record")
	err = r.record(rctx, task)
	tracing.End(rspan, err)
	if err != nil {
		return res, err
	}
	res.Recorded = true
	return res, nil
}

// scan reads the view's window into the latest row per entity (with
// keysOnly, which row: the writes read the files again, vs.Read).
func (r *Runner) scan(ctx context.Context, task Task, res *ViewResult, prog *ViewProgress, keysOnly bool) (lt *Latest, vs *catalog.ViewScan, err error) {
	ctx, span := tracing.Start(ctx, "scan")
	defer func() { tracing.End(span, err) }()
	fv := task.View
	cfg, err := catalog.ConfigFor(fv.BatchSource, r.Repo.Config.Dir, r.Lookup)
	if err != nil {
		return nil, nil, err
	}
	vs, err = r.Catalogs.ScanView(ctx, fv, cfg, task.Start, task.End, r.Options.Scan)
	if err != nil {
		return nil, nil, err
	}
	res.FilesPlanned, res.FilesTotal, res.BytesPlanned = vs.FilesPlanned, vs.FilesTotal, vs.BytesPlanned
	span.SetAttributes(attribute.Int("feast_go.files_planned", vs.FilesPlanned), attribute.String("iceberg.table", vs.Table))
	lt = NewLatest(fv, vs.Columns, r.Repo.Config.EntityKeySerializationVersion)
	lt.Only(r.Options.Sharding.Shard)
	if keysOnly {
		lt.KeysOnly()
	}
	for rec, err := range vs.Read(lt.Columns()...) {
		if err != nil {
			return nil, nil, err
		}
		err = lt.Add(rec)
		prog.RowsScanned.Add(rec.NumRows())
		rec.Release()
		if err != nil {
			return nil, nil, err
		}
	}
	return lt, vs, nil
}

// record moves the view's watermark, once every write is acknowledged and
// the server still holds them (it did not restart without persistence meanwhile).
func (r *Runner) record(ctx context.Context, task Task) error {
	fv := task.View
	if err := r.Store.Continuity(ctx); err != nil {
		return fmt.Errorf("feature view %q: %w; its interval is not recorded", fv.Name, err)
	}
	err := r.Repo.Registry.Update(ctx, func(reg *registry.Registry) error {
		return reg.RecordMaterialization(r.Repo.Config.Project, fv.Name, task.Start, task.End, r.Clock())
	})
	if err != nil {
		return fmt.Errorf("feature view %q: record interval: %w", fv.Name, err)
	}
	return nil
}

// lostAfterRecording checks, at the end of the run, that the store still
// holds what it acknowledged. A restart after some views recorded their
// intervals cannot be caught before the record: those intervals are then
// withdrawn, so that the watermark is never ahead of the data and the next
// run rewrites the windows, and the run fails naming the views.
func (r *Runner) lostAfterRecording(ctx context.Context, sum *Summary) error {
	if ctx.Err() != nil {
		return nil
	}
	err := r.Store.Continuity(ctx)
	if err == nil {
		return nil
	}
	var recorded []*ViewResult
	var names []string
	for i := range sum.Views {
		if v := &sum.Views[i]; v.Recorded {
			recorded = append(recorded, v)
			names = append(names, v.View)
		}
	}
	if len(recorded) == 0 {
		return err
	}
	werr := r.Repo.Registry.Update(ctx, func(reg *registry.Registry) error {
		for _, v := range recorded {
			if _, err := reg.WithdrawMaterialization(r.Repo.Config.Project, v.View, v.Start, v.End); err != nil {
				return err
			}
		}
		return nil
	})
	if werr != nil {
		for _, v := range recorded {
			v.Error = "its rows may be lost: the online store restarted after they were written"
		}
		return fmt.Errorf("%w; withdrawing the intervals of %s failed (%w): rewrite them with `materialize START END --views ...`", err, strings.Join(names, ", "), werr)
	}
	for _, v := range recorded {
		v.Recorded = false
		v.Error = "its rows may be lost: the online store restarted after they were written; its interval is withdrawn and the next run rewrites it"
	}
	return fmt.Errorf("%w; the intervals of %s are withdrawn, so the next run rewrites them", err, strings.Join(names, ", "))
}

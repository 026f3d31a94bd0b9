package materialize

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/precompute"
	"github.com/feast-go/feast-go/registry"
	"golang.org/x/sync/errgroup"
)

// Runner executes plans. Every field but Log and Progress is required.
type Runner struct {
	Store      onlinestore.Store
	Catalogs   *catalog.Cache
	Registry   *registry.FileStore
	Project    string
	RepoDir    string
	LookupEnv  func(string) (string, bool)
	KeyVersion int
	Scan       catalog.ScanOptions
	Writers    int // concurrent write pipelines per view; 0 = 4
	ChunkSize  int // rows handed to one writer at a time; 0 = 2000
	Parallel   int // views materialized at once; 0 = 2
	Now        func() time.Time
	Log        *slog.Logger
	// Progress, when set, is called with every view's live counters once when the view starts.
	Progress func(*ViewProgress)
	// Written, when set, is called (from several goroutines) with the entity
	// keys of every acknowledged write; the keys are only valid during the call.
	Written func(view string, keys [][]byte)
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
	Entities     int64     `json:"entities"`
	Written      int64     `json:"written"`
	SkippedOlder int64     `json:"skipped_older"`
	FilesPlanned int       `json:"files_planned"`
	FilesTotal   int       `json:"files_total"`
	Seconds      float64   `json:"seconds"`
	Recorded     bool      `json:"interval_recorded"`
	Error        string    `json:"error,omitempty"`
}

// Summary is a whole run.
type Summary struct {
	Views   []ViewResult  `json:"views"`
	Skipped []Skipped     `json:"skipped,omitempty"`
	Catalog catalog.Stats `json:"catalog"`
	// Precompute holds the vector rebuilds the caller ran after the views landed.
	Precompute []precompute.Stats `json:"precompute,omitempty"`
	Seconds    float64            `json:"seconds"`
	RowsPerSec float64            `json:"rows_per_second"`
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

// Run materializes every task; views run in parallel up to Parallel. A view
// that fails does not stop the others; the returned error then wraps
// ErrViewsFailed (or the context's error when interrupted). The summary is
// returned in every case.
func (r *Runner) Run(ctx context.Context, plan *Plan) (*Summary, error) {
	now := r.Now
	if now == nil {
		now = time.Now
	}
	log := r.logger()
	began := now()
	sum := &Summary{Views: make([]ViewResult, len(plan.Tasks)), Skipped: plan.Skipped}
	var g errgroup.Group
	parallel := r.Parallel
	if parallel <= 0 {
		parallel = 2
	}
	g.SetLimit(parallel)
	var mu sync.Mutex
	var firstErr error
	for i, task := range plan.Tasks {
		g.Go(func() error {
			res, err := r.runView(ctx, task, log)
			if err != nil {
				res.Error = err.Error()
				log.Error("feature view failed", "view", task.View.Name, "error", err)
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
			sum.Views[i] = res
			return nil
		})
	}
	_ = g.Wait()
	sum.Seconds = now().Sub(began).Seconds()
	var rows int64
	for _, v := range sum.Views {
		rows += v.RowsScanned
	}
	if sum.Seconds > 0 {
		sum.RowsPerSec = float64(rows) / sum.Seconds
	}
	sum.Catalog = r.Catalogs.Stats()
	switch {
	case ctx.Err() != nil:
		return sum, ctx.Err()
	case firstErr != nil:
		return sum, fmt.Errorf("%w: %d of %d feature views: %w", ErrViewsFailed, len(sum.Failed()), len(sum.Views), firstErr)
	}
	return sum, nil
}

func (r *Runner) runView(ctx context.Context, task Task, log *slog.Logger) (res ViewResult, err error) {
	fv := task.View
	res = ViewResult{View: fv.Name, Start: task.Start, End: task.End}
	began := time.Now()
	defer func() { res.Seconds = time.Since(began).Seconds() }()
	prog := &ViewProgress{View: fv.Name}
	if r.Progress != nil {
		r.Progress(prog)
	}
	if fv.BatchSource == nil || fv.BatchSource.Iceberg == nil {
		return res, fmt.Errorf("feature view %q: batch source %q is not an Iceberg source; feast-go materializes Iceberg sources", fv.Name, sourceName(fv.BatchSource))
	}
	cfg, err := catalog.ConfigFor(fv.BatchSource, r.RepoDir, r.LookupEnv)
	if err != nil {
		return res, err
	}
	vs, err := r.Catalogs.ScanView(ctx, fv, cfg, task.Start, task.End, r.Scan)
	if err != nil {
		return res, err
	}
	res.FilesPlanned, res.FilesTotal = vs.FilesPlanned, vs.FilesTotal
	lt := newLatest(fv, vs.Columns, r.KeyVersion)
	for rec, err := range vs.Batches {
		if err != nil {
			return res, err
		}
		err = lt.add(rec)
		prog.RowsScanned.Add(rec.NumRows())
		rec.Release()
		if err != nil {
			return res, err
		}
	}
	res.RowsScanned, res.NullKeys, res.Entities = lt.scanned, lt.nullKeys, int64(lt.entities())
	prog.Entities.Store(res.Entities)
	log.Debug("scanned", "view", fv.Name, "rows", res.RowsScanned, "entities", res.Entities, "files", vs.FilesPlanned)

	st, err := r.write(ctx, fv, lt, prog)
	res.Written, res.SkippedOlder = st.Written, st.SkippedOlder
	if err != nil {
		return res, err
	}
	// Every write is acknowledged: only now may the watermark move.
	err = r.Registry.Update(ctx, func(reg *registry.Registry) error {
		return reg.RecordMaterialization(r.Project, fv.Name, task.Start, task.End, r.now())
	})
	if err != nil {
		return res, fmt.Errorf("feature view %q: record interval: %w", fv.Name, err)
	}
	res.Recorded = true
	return res, nil
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// write hands chunks of the kept rows to Writers concurrent pipelines.
func (r *Runner) write(ctx context.Context, fv *registry.FeatureView, lt *latest, prog *ViewProgress) (onlinestore.WriteStats, error) {
	view := onlinestore.View{Name: fv.Name, JoinKeys: fv.JoinKeys()}
	for _, f := range fv.Features {
		view.Features = append(view.Features, f.Name)
	}
	writers := r.Writers
	if writers <= 0 {
		writers = 4
	}
	chunkSize := r.ChunkSize
	if chunkSize <= 0 {
		chunkSize = 2000
	}
	g, gctx := errgroup.WithContext(ctx)
	ch := make(chan []onlinestore.Row)
	var mu sync.Mutex
	var total onlinestore.WriteStats
	for range writers {
		g.Go(func() error {
			for rows := range ch {
				st, err := r.Store.WriteView(gctx, view, rows)
				mu.Lock()
				total.Add(st)
				mu.Unlock()
				prog.EntitiesWritten.Add(int64(len(rows)))
				if err != nil {
					return err
				}
				if r.Written != nil {
					keys := make([][]byte, len(rows))
					for i := range rows {
						keys[i] = rows[i].Key
					}
					r.Written(fv.Name, keys)
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(ch)
		return lt.chunks(chunkSize, func(rows []onlinestore.Row) error {
			select {
			case ch <- rows:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	})
	err := g.Wait()
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return total, err
}

func sourceName(ds *registry.DataSource) string {
	if ds == nil {
		return "(none)"
	}
	return ds.Name
}

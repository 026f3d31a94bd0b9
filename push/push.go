package push

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/ingest"
	"github.com/feast-go/feast-go/materialize"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/precompute"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/tracing"
	"golang.org/x/sync/errgroup"
)

// Runner pushes rows. Repo and Catalogs are required; Store is required
// unless the target is offline only.
type Runner struct {
	Repo     *registry.Repo
	Store    onlinestore.Store
	Catalogs *catalog.Cache
	Writers  int // concurrent write pipelines per view; 0 = materialize.DefaultWriters
	Parallel int // views written at once; 0 = materialize.DefaultParallel
	materialize.Env
	// Progress, when set, is called with every view's live counters once when the view starts.
	Progress func(*materialize.ViewProgress)
}

// Request is one push: rows for the views a push source feeds.
type Request struct {
	Source *registry.DataSource    // the push source
	Views  []*registry.FeatureView // the views it feeds (PushTargets)
	To     Target
	// Open starts reading the input with the columns push needs.
	Open func(cols []ingest.Column) (*ingest.Reader, error)
	// SpoolDir holds the validated rows of an offline push until the whole
	// input was read ("" = the system's temporary directory).
	SpoolDir string
}

// Summary is how a push went.
type Summary struct {
	PushSource string         `json:"push_source"`
	To         string         `json:"to"`
	Rows       int64          `json:"rows"`
	Ignored    []string       `json:"ignored_columns,omitempty"`
	Views      []ViewResult   `json:"views"`
	Offline    *OfflineResult `json:"offline,omitempty"`
	// Precompute holds the vector rebuilds of the pushed entities;
	// VectorsPending names the services whose rebuild did not finish.
	Precompute     []precompute.Stats `json:"precompute,omitempty"`
	VectorsPending []string           `json:"vectors_pending,omitempty"`
	Seconds        float64            `json:"seconds"`
	RowsPerSec     float64            `json:"rows_per_second"`
}

// ViewResult is one view's online write.
type ViewResult struct {
	View         string `json:"view"`
	Entities     int64  `json:"entities"`
	Written      int64  `json:"written"`
	SkippedOlder int64  `json:"skipped_older"`
	Skipped      string `json:"skipped,omitempty"` // why the view was not written
	Landed       bool   `json:"landed"`
	Error        string `json:"error,omitempty"`
}

// OfflineResult is the append to the push source's Iceberg table.
type OfflineResult struct {
	Table    string `json:"table"`
	Rows     int64  `json:"rows"`
	Snapshot int64  `json:"snapshot_id,omitempty"`
	Landed   bool   `json:"landed"`
	Error    string `json:"error,omitempty"`
}

// ErrOfflinePending is a push to both targets whose online write landed and
// whose offline append did not: pushing the same input offline finishes it.
// It is also a materialize.ErrPartial.
var ErrOfflinePending = errors.New("online store written; offline append failed")

// Run pushes req and rebuilds the vectors of the entities that landed. The
// error names what was not written: it wraps materialize.ErrPartial when some
// of the push landed (some views, or online but not offline) and says
// "nothing written" when none of it did.
func (r *Runner) Run(ctx context.Context, req Request) (*Summary, error) {
	sum, err := r.run(ctx, req)
	switch {
	case err == nil:
		return sum, nil
	case sum.landed():
		return sum, materialize.Partial(err)
	}
	return sum, fmt.Errorf("push %s: nothing written: %w", req.Source.Name, err)
}

// run reads the whole input, checking every row, and only then writes: the
// latest row per entity of each online view through the same compare-and-set
// writer as materialize, then (offline) all rows to the push source's Iceberg
// table as one commit. Nothing is written when any row is bad. Online goes
// first: if it fails, the offline append is not attempted, so re-running the
// same push is safe (older-or-equal rows are skipped online).
func (r *Runner) run(ctx context.Context, req Request) (*Summary, error) {
	began := r.Clock()
	sum := &Summary{PushSource: req.Source.Name, To: req.To.String()}
	defer func() {
		sum.Seconds = r.Clock().Sub(began).Seconds()
		if sum.Seconds > 0 {
			sum.RowsPerSec = float64(sum.Rows) / sum.Seconds
		}
	}()

	var online []*registry.FeatureView
	for _, fv := range req.Views {
		switch {
		case !req.To.online():
		case fv.Disabled:
			sum.Views = append(sum.Views, ViewResult{View: fv.Name, Skipped: "disabled"})
		case !fv.Online:
			sum.Views = append(sum.Views, ViewResult{View: fv.Name, Skipped: "online: false"})
		default:
			online = append(online, fv)
		}
	}
	if req.To == Online && len(online) == 0 {
		return sum, fmt.Errorf("push source %q feeds no online, enabled feature view", req.Source.Name)
	}
	var tbl *catalog.SourceTable
	if req.To.offline() {
		cfg, err := catalog.ConfigFor(req.Source.BatchSource, r.Repo.Config.Dir, r.Lookup)
		if err != nil {
			return sum, fmt.Errorf("push source %q: %w", req.Source.Name, err)
		}
		if tbl, err = r.Catalogs.LoadSourceTable(ctx, req.Source.BatchSource, cfg, req.Views); err != nil {
			return sum, err
		}
		sum.Offline = &OfflineResult{Table: tbl.Name}
	}
	cols, err := pushColumns(req.Views, tbl)
	if err != nil {
		return sum, fmt.Errorf("push source %q: %w", req.Source.Name, err)
	}
	// Pass 1: read and check everything.
	rctx, rspan := tracing.Start(ctx, "read")
	states, progs, sp, err := r.read(rctx, req, cols, online, tbl, sum)
	tracing.End(rspan, err)
	if sp != nil {
		defer sp.remove()
	}
	if err != nil || sum.Rows == 0 {
		return sum, err
	}

	// Pass 2: write online, refresh the vectors of what landed, then append offline.
	tracker := precompute.NewTracker(r.Repo.Objects, r.Store)
	defer tracker.Release()
	wctx, wspan := tracing.Start(ctx, "write")
	onlineErr := r.pushOnline(wctx, online, states, progs, sum, tracker)
	tracing.End(wspan, onlineErr)
	if onlineErr == nil && len(online) > 0 {
		// A server that restarted without persistence meanwhile lost the rows.
		if err := r.Store.Continuity(ctx); err != nil {
			onlineErr = err
			for i := range sum.Views {
				if sum.Views[i].Landed {
					sum.Views[i].Landed, sum.Views[i].Error = false, err.Error()
				}
			}
		}
	}
	var vecErr error
	if sum.landed() && ctx.Err() == nil {
		vctx, vspan := tracing.Start(ctx, "vectors")
		sum.Precompute, vecErr = tracker.Finish(vctx, r.Clock)
		tracing.End(vspan, vecErr)
	}
	tracker.Release()
	sum.VectorsPending = tracker.Pending()
	if tbl == nil || onlineErr != nil {
		if sum.Offline != nil {
			sum.Offline.Error = "not attempted: the online write failed"
		}
		return sum, cmp.Or(onlineErr, vectorsFailed(vecErr))
	}
	actx, aspan := tracing.Start(ctx, "append offline")
	snap, err := sp.appendTo(actx, tbl, req.Source.Name, sum.Rows)
	tracing.End(aspan, err)
	if err != nil {
		sum.Offline.Error = err.Error()
		if sum.landed() {
			return sum, fmt.Errorf("%w: %w", ErrOfflinePending, err)
		}
		return sum, err
	}
	sum.Offline.Rows, sum.Offline.Snapshot, sum.Offline.Landed = sum.Rows, snap, true
	return sum, vectorsFailed(vecErr)
}

// read opens the input with cols and reads it whole, checking every row: it keeps the
// latest row per entity of each online view and spools every row for the
// offline append (tbl set). It fills the summary's row counts.
func (r *Runner) read(ctx context.Context, req Request, cols []ingest.Column, online []*registry.FeatureView, tbl *catalog.SourceTable,
	sum *Summary) ([]*materialize.Latest, []*materialize.ViewProgress, *spool, error) {
	rd, err := req.Open(cols)
	if err != nil {
		return nil, nil, nil, err
	}
	defer func() { _ = rd.Close() }()
	states := make([]*materialize.Latest, len(online))
	progs := make([]*materialize.ViewProgress, len(online))
	for i, fv := range online {
		states[i] = materialize.NewLatest(fv, catalog.ResolveColumns(fv), r.Repo.Config.EntityKeySerializationVersion)
		progs[i] = &materialize.ViewProgress{View: fv.Name}
		if r.Progress != nil {
			r.Progress(progs[i])
		}
	}
	var sp *spool
	if tbl != nil {
		if sp, err = newSpool(req.SpoolDir, tbl.Arrow); err != nil {
			return nil, nil, nil, err
		}
	}
	err = r.readPush(ctx, rd, states, progs, sp)
	sum.Rows = rd.Rows()
	if err != nil {
		return nil, nil, sp, err
	}
	sum.Ignored = rd.Ignored()
	if len(sum.Ignored) > 0 {
		r.Logger().Debug("input columns ignored: no target feature view reads them", "columns", sum.Ignored)
	}
	if sum.Rows == 0 {
		r.Logger().Warn("the input has no rows; nothing was written", "push_source", req.Source.Name)
	}
	return states, progs, sp, nil
}

func vectorsFailed(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("rows landed, but rebuilding precomputed vectors failed: %w", err)
}

// landed reports whether any view's online write landed.
func (s *Summary) landed() bool {
	for _, v := range s.Views {
		if v.Landed {
			return true
		}
	}
	return false
}

func (r *Runner) readPush(ctx context.Context, rd *ingest.Reader, states []*materialize.Latest, progs []*materialize.ViewProgress, sp *spool) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		err = func() error {
			defer rec.Release()
			for i, st := range states {
				if err := st.Add(rec); err != nil {
					return err
				}
				progs[i].RowsScanned.Add(rec.NumRows())
			}
			if sp != nil {
				return sp.write(rec)
			}
			return nil
		}()
		if err != nil {
			return err
		}
	}
}

// pushOnline writes every online view's latest rows, views in parallel.
func (r *Runner) pushOnline(ctx context.Context, views []*registry.FeatureView, states []*materialize.Latest, progs []*materialize.ViewProgress, sum *Summary, tracker *precompute.Tracker) error {
	names := make([]string, len(views))
	for i, fv := range views {
		names[i] = fv.Name
	}
	if err := tracker.Claim(ctx, names); err != nil {
		return err
	}
	w := &materialize.Writer{Store: r.Store, Writers: r.Writers, Tracker: tracker, Now: r.Clock}
	results := make([]ViewResult, len(views))
	var g errgroup.Group
	g.SetLimit(cmp.Or(max(r.Parallel, 0), materialize.DefaultParallel))
	var mu sync.Mutex
	var firstErr error
	for i, fv := range views {
		g.Go(func() error {
			res := ViewResult{View: fv.Name, Entities: int64(states[i].Entities())}
			progs[i].Entities.Store(res.Entities)
			st, err := w.Write(ctx, fv, states[i], progs[i])
			res.Written, res.SkippedOlder = st.Written, st.SkippedOlder
			if err != nil {
				res.Error = err.Error()
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("feature view %q: %w", fv.Name, err)
				}
				mu.Unlock()
			} else {
				res.Landed = true
			}
			results[i] = res
			return nil
		})
	}
	_ = g.Wait()
	sum.Views = append(sum.Views, results...)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}

package materialize

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/ingest"
	"github.com/feast-go/feast-go/precompute"
	"github.com/feast-go/feast-go/registry"
	"golang.org/x/sync/errgroup"
)

// PushRequest is one push: rows for the views a push source feeds.
type PushRequest struct {
	Source *registry.DataSource    // the push source
	Views  []*registry.FeatureView // the views it feeds (PushTargets)
	To     PushTo
	// Open starts reading the input with the columns push needs.
	Open func(cols []ingest.Column) (*ingest.Reader, error)
	// SpoolDir holds the validated rows of an offline push until the whole
	// input was read ("" = the system's temporary directory).
	SpoolDir string
}

// PushSummary is how a push went.
type PushSummary struct {
	PushSource string           `json:"push_source"`
	To         string           `json:"to"`
	Rows       int64            `json:"rows"`
	Ignored    []string         `json:"ignored_columns,omitempty"`
	Views      []PushViewResult `json:"views"`
	Offline    *OfflineResult   `json:"offline,omitempty"`
	// Precompute holds the vector rebuilds the caller ran after the rows landed.
	Precompute []precompute.Stats `json:"precompute,omitempty"`
	Seconds    float64            `json:"seconds"`
	RowsPerSec float64            `json:"rows_per_second"`
}

// PushViewResult is one view's online write.
type PushViewResult struct {
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

// Failed names the views whose online write failed.
func (s *PushSummary) Failed() []string {
	var out []string
	for _, v := range s.Views {
		if v.Error != "" {
			out = append(out, v.View)
		}
	}
	return out
}

// ErrPushPartial is a push to both targets of which only one landed.
var ErrPushPartial = errors.New("push landed partly")

// Push reads the whole input, checking every row, and only then writes: the
// latest row per entity of each online view through the same compare-and-set
// writer as materialize, then (offline) all rows to the push source's Iceberg
// table as one commit. Nothing is written when any row is bad. Online goes
// first: if it fails, the offline append is not attempted, so re-running the
// same push is safe (older-or-equal rows are skipped online).
func (r *Runner) Push(ctx context.Context, req PushRequest) (*PushSummary, error) {
	began := time.Now()
	sum := &PushSummary{PushSource: req.Source.Name, To: req.To.String()}
	defer func() {
		sum.Seconds = time.Since(began).Seconds()
		if sum.Seconds > 0 {
			sum.RowsPerSec = float64(sum.Rows) / sum.Seconds
		}
	}()

	var online []*registry.FeatureView
	for _, fv := range req.Views {
		switch {
		case !req.To.online():
		case fv.Disabled:
			sum.Views = append(sum.Views, PushViewResult{View: fv.Name, Skipped: "disabled"})
		case !fv.Online:
			sum.Views = append(sum.Views, PushViewResult{View: fv.Name, Skipped: "online: false"})
		default:
			online = append(online, fv)
		}
	}
	if req.To == PushOnline && len(online) == 0 {
		return sum, fmt.Errorf("push source %q feeds no online, enabled feature view", req.Source.Name)
	}
	var tbl *catalog.SourceTable
	if req.To.offline() {
		cfg, err := catalog.ConfigFor(req.Source.BatchSource, r.RepoDir, r.LookupEnv)
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
	rd, err := req.Open(cols)
	if err != nil {
		return sum, err
	}
	defer func() { _ = rd.Close() }()

	// Pass 1: read and check everything; keep the latest row per entity and
	// spool the rows for the offline append.
	states := make([]*latest, len(online))
	progs := make([]*ViewProgress, len(online))
	for i, fv := range online {
		states[i] = newLatest(fv, catalog.ResolveColumns(fv), r.KeyVersion)
		progs[i] = &ViewProgress{View: fv.Name}
		if r.Progress != nil {
			r.Progress(progs[i])
		}
	}
	var sp *spool
	if tbl != nil {
		if sp, err = newSpool(req.SpoolDir, tbl.Arrow); err != nil {
			return sum, err
		}
		defer sp.remove()
	}
	if err := r.readPush(ctx, rd, states, progs, sp); err != nil {
		sum.Rows = rd.Rows()
		return sum, err
	}
	sum.Rows, sum.Ignored = rd.Rows(), rd.Ignored()
	if len(sum.Ignored) > 0 {
		r.logger().Info("input columns ignored: no target feature view reads them", "columns", sum.Ignored)
	}
	if sum.Rows == 0 {
		r.logger().Warn("the input has no rows; nothing was written", "push_source", req.Source.Name)
		return sum, nil
	}

	// Pass 2: write.
	onlineErr := r.pushOnline(ctx, online, states, progs, sum)
	if tbl == nil {
		return sum, onlineErr
	}
	if onlineErr != nil {
		sum.Offline.Error = "not attempted: the online write failed"
		return sum, onlineErr
	}
	snap, err := sp.appendTo(ctx, tbl, req.Source.Name, sum.Rows)
	if err != nil {
		sum.Offline.Error = err.Error()
		if req.To.online() && len(online) > 0 {
			return sum, fmt.Errorf("%w: online store written; offline append failed (re-run with --to offline): %w", ErrPushPartial, err)
		}
		return sum, err
	}
	sum.Offline.Rows, sum.Offline.Snapshot, sum.Offline.Landed = sum.Rows, snap, true
	return sum, nil
}

func (r *Runner) logger() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (r *Runner) readPush(ctx context.Context, rd *ingest.Reader, states []*latest, progs []*ViewProgress, sp *spool) error {
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
				if err := st.add(rec); err != nil {
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
func (r *Runner) pushOnline(ctx context.Context, views []*registry.FeatureView, states []*latest, progs []*ViewProgress, sum *PushSummary) error {
	results := make([]PushViewResult, len(views))
	var g errgroup.Group
	g.SetLimit(max(r.Parallel, 1))
	var mu sync.Mutex
	var firstErr error
	for i, fv := range views {
		g.Go(func() error {
			res := PushViewResult{View: fv.Name, Entities: int64(states[i].entities())}
			progs[i].Entities.Store(res.Entities)
			st, err := r.write(ctx, fv, states[i], progs[i])
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

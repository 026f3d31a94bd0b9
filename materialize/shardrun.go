package materialize

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/precompute"
	"github.com/feast-go/feast-go/registry"
)

// A sharded run is one plan and one commit. The first shard to start
// stores the plan (the views and their windows) in the online store's run
// board under the run id; every shard follows it, whatever its own clock
// or the registry say by then. A shard that finishes notes it; the shard
// that finds every shard done commits: it heals vectors owed by writers
// that are gone, then records every view's interval in one registry update
// (which also sets AVAILABLE_ONLINE). Nothing else moves the watermark, so
// a run that never completes leaves it where it was. A shard asked again
// after it finished (Kubernetes retrying another index, a re-run) does no
// work twice: it only commits when it can.
//
// The board's fields: "plan", "owner:<owner>" (each process that held the
// run's claims), "materializing" (a shard set the views MATERIALIZING),
// "done:<index>" and "committed".

// Sharding makes a run one shard of a sharded run (Options.Sharding).
type Sharding struct {
	Shard Shard
	Run   string // the run id every shard of the run shares
	// Request is how the run was asked for (command and arguments); every
	// shard of a run must be asked the same.
	Request string
}

// ShardReport is how one shard's part of its run went.
type ShardReport struct {
	Run       string `json:"run_id"`
	Index     int    `json:"index"`
	Count     int    `json:"count"`
	PlanMade  bool   `json:"plan_made"`        // this shard stored the plan the others follow
	Repeat    bool   `json:"repeat,omitempty"` // the shard had finished before, so it did no work
	Done      []int  `json:"shards_done"`      // the shards known to have finished
	Committed bool   `json:"committed"`        // every shard finished and the intervals are recorded
	// CommittedHere is true when this shard recorded the run's intervals.
	CommittedHere bool `json:"committed_here,omitempty"`
	// OtherRows counts the rows scanned that other shards keep.
	OtherRows int64 `json:"rows_of_other_shards"`
}

// storedPlan is a run's plan as the board keeps it.
type storedPlan struct {
	Run     string     `json:"run_id"`
	Shards  int        `json:"shards"`
	Request string     `json:"request"`
	Epoch   string     `json:"store_epoch"`
	Made    time.Time  `json:"made_at"`
	Tasks   []planTask `json:"tasks"`
	Skipped []Skipped  `json:"skipped,omitempty"`
}

type planTask struct {
	View  string    `json:"view"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// shardDone is what a finished shard notes.
type shardDone struct {
	At       time.Time `json:"at"`
	Rows     int64     `json:"rows_scanned"`
	Entities int64     `json:"entities"`
	Written  int64     `json:"written"`
}

// shardRun is this process's part in a sharded run.
type shardRun struct {
	r      *Runner
	cfg    Sharding
	board  onlinestore.RunBoard
	plan   storedPlan
	report *ShardReport
}

// joinShard stores the run's plan, or adopts the one stored, and reads how
// far the run got.
func (r *Runner) joinShard(ctx context.Context, cand *Plan) (*shardRun, *Plan, error) {
	cfg := r.Options.Sharding
	board := r.Store.RunBoard()
	if board == nil {
		return nil, nil, fmt.Errorf("run %s: the online store cannot keep a sharded run's plan (redis and sqlite can)", cfg.Run)
	}
	epoch, err := board.Epoch(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("run %s: %w", cfg.Run, err)
	}
	mine := storedPlan{Run: cfg.Run, Shards: cfg.Shard.Count, Request: cfg.Request, Epoch: epoch, Made: r.Clock().UTC(), Skipped: cand.Skipped}
	for _, t := range cand.Tasks {
		mine.Tasks = append(mine.Tasks, planTask{View: t.View.Name, Start: t.Start.UTC(), End: t.End.UTC()})
	}
	raw, err := json.Marshal(mine)
	if err != nil {
		return nil, nil, err
	}
	got, err := board.Put(ctx, cfg.Run, "plan", raw, true)
	if err != nil {
		return nil, nil, fmt.Errorf("run %s: store the plan: %w", cfg.Run, err)
	}
	sh := &shardRun{r: r, cfg: cfg, board: board,
		report: &ShardReport{Run: cfg.Run, Index: cfg.Shard.Index, Count: cfg.Shard.Count, PlanMade: bytes.Equal(got, raw)}}
	if err := json.Unmarshal(got, &sh.plan); err != nil {
		return nil, nil, fmt.Errorf("run %s: the stored plan is unreadable: %w", cfg.Run, err)
	}
	switch sp := sh.plan; {
	case sp.Shards != cfg.Shard.Count:
		return nil, nil, fmt.Errorf("%w: run %s was planned for %d shards; this shard was started as %s (every shard of a run needs the same N)", ErrShardMismatch, cfg.Run, sp.Shards, cfg.Shard)
	case sp.Request != cfg.Request:
		return nil, nil, fmt.Errorf("%w: run %s was planned as `%s`; this shard was started as `%s`", ErrShardMismatch, cfg.Run, sp.Request, cfg.Request)
	case sp.Epoch != epoch:
		return nil, nil, fmt.Errorf("run %s: %w: the online store restarted since the run was planned (%s), so rows other shards wrote may be gone; the run cannot complete, and the next run starts over from the last recorded interval",
			cfg.Run, onlinestore.ErrDataLost, sp.Made.Format(time.RFC3339))
	}
	plan := &Plan{Skipped: sh.plan.Skipped}
	for _, t := range sh.plan.Tasks {
		fv, err := r.Repo.Objects.FeatureView(t.View)
		if err != nil {
			return nil, nil, fmt.Errorf("run %s: the plan's feature view %q: %w", cfg.Run, t.View, err)
		}
		plan.Tasks = append(plan.Tasks, Task{View: fv, Start: t.Start, End: t.End})
	}
	if _, err := sh.progress(ctx); err != nil {
		return nil, nil, err
	}
	return sh, plan, nil
}

// runState is what a run's record says beyond its plan.
type runState struct {
	owners        []string // the ledger names that held the run's claims
	materializing bool     // a shard of the run set its views MATERIALIZING
}

// progress reads the run's record: which shards are done (into the
// report), whether it committed, who held its claims.
func (sh *shardRun) progress(ctx context.Context) (st runState, err error) {
	rec, err := sh.board.Record(ctx, sh.cfg.Run)
	if err != nil {
		return st, fmt.Errorf("run %s: read its record: %w", sh.cfg.Run, err)
	}
	if _, ok := rec["plan"]; !ok {
		return st, fmt.Errorf("run %s: %w: its plan is gone from the online store (did the store restart?)", sh.cfg.Run, onlinestore.ErrDataLost)
	}
	sh.report.Done = sh.report.Done[:0]
	for f := range rec {
		if i, ok := strings.CutPrefix(f, "done:"); ok {
			if n, err := strconv.Atoi(i); err == nil {
				sh.report.Done = append(sh.report.Done, n)
			}
		}
		if o, ok := strings.CutPrefix(f, "owner:"); ok {
			st.owners = append(st.owners, o)
		}
	}
	slices.Sort(sh.report.Done)
	_, sh.report.Committed = rec["committed"]
	_, st.materializing = rec["materializing"]
	return st, nil
}

func (sh *shardRun) doneHere() bool { return slices.Contains(sh.report.Done, sh.cfg.Shard.Index) }
func (sh *shardRun) allDone() bool  { return len(sh.report.Done) >= sh.cfg.Shard.Count }

// join notes this process's ledger name as one of the run's, before it
// claims any view, so that the other shards see its claims as their own.
func (sh *shardRun) join(ctx context.Context, owner string) error {
	_, err := sh.board.Put(ctx, sh.cfg.Run, "owner:"+owner, []byte(strconv.Itoa(sh.cfg.Shard.Index)), false)
	if err != nil {
		return fmt.Errorf("run %s: %w", sh.cfg.Run, err)
	}
	return nil
}

// markMaterializing notes that the run's views are MATERIALIZING by its doing.
func (sh *shardRun) markMaterializing(ctx context.Context) error {
	_, err := sh.board.Put(ctx, sh.cfg.Run, "materializing", []byte("1"), true)
	return err
}

// finish notes this shard done, once its rows and vectors landed and the
// store still holds them, and commits when it is the last.
func (sh *shardRun) finish(ctx context.Context, sum *Summary, t *precompute.Tracker) error {
	if err := sh.r.Store.Continuity(ctx); err != nil {
		return fmt.Errorf("run %s, shard %s: %w; the shard is not done", sh.cfg.Run, sh.cfg.Shard, err)
	}
	if err := sh.sameEpoch(ctx); err != nil {
		return err
	}
	d := shardDone{At: sh.r.Clock().UTC()}
	for _, v := range sum.Views {
		d.Rows, d.Entities, d.Written = d.Rows+v.RowsScanned, d.Entities+v.Entities, d.Written+v.Written
	}
	raw, _ := json.Marshal(d)
	if _, err := sh.board.Put(ctx, sh.cfg.Run, "done:"+strconv.Itoa(sh.cfg.Shard.Index), raw, false); err != nil {
		return fmt.Errorf("run %s: note shard %s done: %w", sh.cfg.Run, sh.cfg.Shard, err)
	}
	return sh.commitIfLast(ctx, sum, t)
}

func (sh *shardRun) sameEpoch(ctx context.Context) error {
	epoch, err := sh.board.Epoch(ctx)
	if err != nil {
		return fmt.Errorf("run %s: %w", sh.cfg.Run, err)
	}
	if epoch != sh.plan.Epoch {
		return fmt.Errorf("run %s: %w: the online store restarted during the run, so rows its shards wrote may be gone; nothing is recorded, and the next run starts over from the last recorded interval", sh.cfg.Run, onlinestore.ErrDataLost)
	}
	return nil
}

// commitIfLast commits the run when every shard is done: vectors that gone
// writers left owed are rebuilt now that every row landed, then every
// view's interval is recorded once (a second committer finds them there),
// and the run's claims end.
func (sh *shardRun) commitIfLast(ctx context.Context, sum *Summary, t *precompute.Tracker) error {
	st, err := sh.progress(ctx)
	if err != nil || !sh.allDone() {
		return err
	}
	healed, err := t.Heal(ctx, sh.r.Clock)
	sum.Precompute = append(sum.Precompute, healed...)
	if err != nil {
		return fmt.Errorf("run %s: every shard is done, but rebuilding the vectors left owed failed, so nothing is recorded: %w", sh.cfg.Run, err)
	}
	if err := sh.sameEpoch(ctx); err != nil {
		return err
	}
	r := sh.r
	project := r.Repo.Config.Project
	err = r.Repo.Registry.Update(ctx, func(reg *registry.Registry) error {
		changed := false
		for _, task := range sh.plan.Tasks {
			if reg.HasInterval(project, task.View, task.Start, task.End) {
				// Recorded by another shard of this run, or by an earlier run
				// of the same window: the view is available again either way.
				prev, err := reg.SetViewState(project, task.View, registry.StateAvailableOnline)
				if err != nil {
					return err
				}
				changed = changed || prev != registry.StateAvailableOnline
				continue
			}
			if err := reg.RecordMaterialization(project, task.View, task.Start, task.End, r.Clock()); err != nil {
				return err
			}
			changed = true
		}
		if !changed {
			return registry.ErrNoChange
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("run %s: every shard is done, but recording the intervals failed (run any shard again to commit): %w", sh.cfg.Run, err)
	}
	if _, err := sh.board.Put(ctx, sh.cfg.Run, "committed", []byte(r.Clock().UTC().Format(time.RFC3339Nano)), true); err != nil {
		r.Logger().Warn("the run's commit is not noted on its board; a repeated shard records nothing twice", "run", sh.cfg.Run, "error", err)
	}
	sh.report.Committed, sh.report.CommittedHere = true, true
	for i := range sum.Views {
		sum.Views[i].Recorded = true
	}
	if l := r.Store.Ledger(onlinestore.ViewClaims); l != nil {
		for _, o := range st.owners {
			for _, task := range sh.plan.Tasks {
				_ = l.Settle(ctx, task.View, o) // a note left behind is taken over by the next run
			}
		}
	}
	return nil
}

// idle is a shard that has nothing to run: the run committed, or this
// shard finished before. It commits when every shard is done.
func (sh *shardRun) idle(ctx context.Context, plan *Plan) (*Summary, error) {
	sum := &Summary{Skipped: plan.Skipped, Shard: sh.report}
	sh.report.Repeat = sh.doneHere()
	for _, t := range plan.Tasks {
		sum.Views = append(sum.Views, ViewResult{View: t.View.Name, Start: t.Start, End: t.End, Recorded: sh.report.Committed})
	}
	if sh.report.Committed || !sh.allDone() {
		return sum, nil
	}
	t := precompute.NewTracker(sh.r.Repo.Objects, sh.r.Store)
	defer t.Release()
	return sum, sh.commitIfLast(ctx, sum, t)
}

package materialize

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
)

// ErrViewBusy is a feature view that another run is materializing.
var ErrViewBusy = errors.New("another run is materializing this feature view")

// ErrLockHeld is a run that did nothing because another run holds every
// feature view it was to materialize (the run lock).
var ErrLockHeld = errors.New("run lock held")

// The run lock. Before it scans, a run claims its views in the online
// store's ViewClaims ledger (a claim lives while its run does: in Redis its
// connections carry the run's name, so a killed run's claim dies at once;
// otherwise 30 s after the run stopped renewing it) and sets them
// MATERIALIZING in the registry, as Feast's feature server does. A view
// claimed by a live run, or MATERIALIZING with no feast-go claim (Feast's
// feature server is on it, or a run died before feast-go kept claims), is
// refused unless Options.Force. A success records AVAILABLE_ONLINE; a
// failure or an interruption puts the previous state back.
//
// The shards of a sharded run share its claims: each notes its ledger name
// on the run's board before it claims, so a live claim of a shard of the
// same run does not refuse another, nor do views MATERIALIZING by the
// run's doing. A shard leaves its claims dead when it ends, so that the
// next run can take over the views of a run that never completes; the
// commit settles them and moves the views on. A shard that fails puts the
// states back only when no other process holds the views (the run's other
// shards keep them MATERIALIZING while they run).
type lock struct {
	r     *Runner
	shard *shardRun // nil: not a sharded run
	hold  *onlinestore.Holding
	mu    sync.Mutex
	busy  map[string]error  // view -> why it is refused
	prev  map[string]string // view -> state before this run, for views this run set MATERIALIZING
	ended map[string]bool   // views whose state this run settled (recorded or put back)
}

// claim takes the lock on the plan's views; busy ones are named, not taken.
func (r *Runner) claim(ctx context.Context, tasks []Task, sh *shardRun) (*lock, error) {
	lk := &lock{r: r, shard: sh, busy: map[string]error{}, prev: map[string]string{}, ended: map[string]bool{}}
	claims := map[string][]onlinestore.Debt{}
	var ledger onlinestore.Ledger
	if r.Store != nil {
		ledger = r.Store.Ledger(onlinestore.ViewClaims)
	}
	if ledger != nil {
		if sh != nil {
			if err := sh.join(ctx, ledger.Owner()); err != nil {
				return nil, err
			}
		}
		ds, err := ledger.Debts(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the claims on feature views: %w", err)
		}
		for _, d := range ds {
			claims[d.Service] = append(claims[d.Service], d)
		}
	}
	var run runState // read after the claims: a shard notes its name before it claims
	if sh != nil {
		var err error
		if run, err = sh.progress(ctx); err != nil {
			return nil, err
		}
	}
	var mine []string
	for _, t := range tasks {
		name := t.View.Name
		live, dead, ours := "", []string(nil), run.materializing
		for _, d := range claims[name] {
			switch {
			case !d.Live:
				dead = append(dead, d.Owner)
			case slices.Contains(run.owners, d.Owner):
				ours = true
			default:
				live = d.Owner
			}
		}
		switch {
		case r.Options.Force:
		case live != "":
			lk.busy[name] = fmt.Errorf("feature view %q: %w (run %s holds it; wait for it, or --force if it is gone)", name, ErrViewBusy, live)
			continue
		case t.View.State == registry.StateMaterializing && len(dead) == 0 && !ours:
			lk.busy[name] = fmt.Errorf("feature view %q: %w (the registry says MATERIALIZING and no feast-go run claims it: Feast's feature server may be materializing it; --force if nothing is)", name, ErrViewBusy)
			continue
		}
		for _, owner := range dead { // a run that is gone: take its view over
			if err := ledger.Settle(ctx, name, owner); err != nil {
				return nil, fmt.Errorf("feature view %q: take over the claim of run %s: %w", name, owner, err)
			}
		}
		mine = append(mine, name)
	}
	if ledger != nil && len(mine) > 0 {
		h, err := onlinestore.Hold(ctx, ledger, mine, onlinestore.Lease)
		if err != nil {
			return nil, fmt.Errorf("claim the feature views: %w", err)
		}
		lk.hold = h
	}
	if len(mine) == 0 {
		return lk, nil
	}
	err := r.Repo.Registry.Update(ctx, func(reg *registry.Registry) error {
		for _, name := range mine {
			prev, err := reg.SetViewState(r.Repo.Config.Project, name, registry.StateMaterializing)
			if err != nil {
				return err
			}
			if prev == registry.StateMaterializing { // a dead run's, forced, or this sharded run's: what it replaced is unknown
				prev = ""
			}
			lk.prev[name] = prev
		}
		return nil
	})
	if err == nil && sh != nil {
		err = sh.markMaterializing(ctx)
	}
	if err != nil {
		lk.hold.Release()
		return nil, fmt.Errorf("mark the feature views MATERIALIZING: %w", err)
	}
	return lk, nil
}

// refused is why a view is not this run's to materialize (nil when it is).
func (lk *lock) refused(view string) error { return lk.busy[view] }

// done ends this run's hold on a view: recorded (the record set
// AVAILABLE_ONLINE) or not (the previous state goes back).
func (lk *lock) done(ctx context.Context, view string, recorded bool) {
	if lk.shard != nil { // the run's commit moves the view on
		return
	}
	lk.mu.Lock()
	_, set := lk.prev[view]
	already := lk.ended[view]
	lk.ended[view] = true
	lk.mu.Unlock()
	if set && !already && !recorded {
		lk.restore(ctx, []string{view})
	}
	lk.hold.Settle(ctx, view)
}

// release ends the run's hold on every view it still has, after an
// interruption too: states go back, claims end.
func (lk *lock) release() {
	if lk.shard != nil {
		lk.releaseShard()
		return
	}
	var open []string
	lk.mu.Lock()
	for view := range lk.prev {
		if !lk.ended[view] {
			open = append(open, view)
			lk.ended[view] = true
		}
	}
	lk.mu.Unlock()
	if len(open) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		lk.restore(ctx, open)
	}
	lk.hold.Release()
}

func (lk *lock) releaseShard() {
	lk.hold.Abandon()
	if lk.shard.doneHere() || len(lk.prev) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	views := slices.Sorted(maps.Keys(lk.prev))
	if l := lk.r.Store.Ledger(onlinestore.ViewClaims); l != nil {
		ds, err := l.Debts(ctx)
		for _, d := range ds {
			if err == nil && d.Live && d.Owner != l.Owner() && slices.Contains(views, d.Service) {
				return
			}
		}
	}
	lk.restore(ctx, views)
}

// restore puts the views' previous states back, where they still say
// MATERIALIZING (a record may have moved them on).
func (lk *lock) restore(ctx context.Context, views []string) {
	r := lk.r
	err := r.Repo.Registry.Update(context.WithoutCancel(ctx), func(reg *registry.Registry) error {
		objs, err := reg.Objects(r.Repo.Config.Project)
		if err != nil {
			return err
		}
		for _, v := range views {
			if fv, err := objs.FeatureView(v); err != nil || fv.State != registry.StateMaterializing {
				continue
			}
			if _, err := reg.SetViewState(r.Repo.Config.Project, v, lk.prev[v]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		r.Logger().Warn("the feature views' registry state was not put back", "views", views, "error", err)
	}
}

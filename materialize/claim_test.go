package materialize

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
)

// The run lock: a view held by a live run is refused (ErrLockHeld when it
// was the whole run), a dead run's view is taken over, a MATERIALIZING view
// nobody claims is refused unless forced, and the registry state is
// MATERIALIZING while the run holds a view, AVAILABLE_ONLINE after a
// success, and put back after a failure.
func TestRunLock(t *testing.T) {
	rows := []srcRow{{id: ptr[int64](1), trips: 1, ts: base, cr: base}, {id: ptr[int64](2), trips: 2, ts: base, cr: base}}
	ctx := context.Background()
	f := newFixture(t, rows, "0")
	plan := func() *Plan {
		p, err := PlanWindow([]*registry.FeatureView{f.current(t)}, base, base.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	claims := func() []onlinestore.Debt {
		ds, err := f.store.Ledger(onlinestore.ViewClaims).Debts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	setState := func(state string) {
		err := f.reg.Update(ctx, func(reg *registry.Registry) error {
			_, err := reg.SetViewState("p", "stats", state)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	// Held by a live run: refused, nothing recorded, the state untouched.
	f.store.Owner = "other"
	if err := f.store.Ledger(onlinestore.ViewClaims).Owe(ctx, []string{"stats"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	f.store.Owner = "me"
	sum, err := f.runner().Run(ctx, plan())
	if !errors.Is(err, ErrLockHeld) || !errors.Is(err, ErrViewBusy) || !strings.Contains(sum.Views[0].Error, "run other holds it") {
		t.Fatalf("a held view: err %v, view %+v", err, sum.Views[0])
	}
	if fv := f.current(t); len(fv.Intervals) != 0 || fv.State != "" {
		t.Errorf("a refused run changed the view: %d intervals, state %q", len(fv.Intervals), fv.State)
	}

	// The holder dies: its view is taken over; the state ends AVAILABLE_ONLINE
	// and no claim is left.
	f.store.Gone = map[string]bool{"other": true}
	if _, err := f.runner().Run(ctx, plan()); err != nil {
		t.Fatalf("taking over a dead run's view: %v", err)
	}
	if fv := f.current(t); len(fv.Intervals) != 1 || fv.State != registry.StateAvailableOnline {
		t.Errorf("after the takeover: %d intervals, state %q", len(fv.Intervals), fv.State)
	}
	if ds := claims(); len(ds) != 0 {
		t.Errorf("claims left: %v", ds)
	}

	// MATERIALIZING with no feast-go claim: refused, then forced.
	setState(registry.StateMaterializing)
	if _, err := f.runner().Run(ctx, plan()); !errors.Is(err, ErrLockHeld) {
		t.Errorf("MATERIALIZING without a claim: %v", err)
	}
	r := f.runner()
	r.Options.Force = true
	if _, err := r.Run(ctx, plan()); err != nil {
		t.Errorf("forced: %v", err)
	}

	// A failure puts the previous state back.
	setState(registry.StateAvailableOnline)
	f.store.FailAfter, f.store.Err = 1, errors.New("boom")
	if _, err := f.runner().Run(ctx, plan()); err == nil {
		t.Fatal("the failing run succeeded")
	}
	f.store.FailAfter = 0
	if fv := f.current(t); fv.State != registry.StateAvailableOnline {
		t.Errorf("after a failure the state is %q, want AVAILABLE_ONLINE back", fv.State)
	}

	// While a run holds the view, the registry says MATERIALIZING.
	lk, err := f.runner().claim(ctx, plan().Tasks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fv := f.current(t); fv.State != registry.StateMaterializing || len(claims()) != 1 {
		t.Errorf("while held: state %q, claims %v", fv.State, claims())
	}
	lk.release()
	if fv := f.current(t); fv.State != registry.StateAvailableOnline || len(claims()) != 0 {
		t.Errorf("after an interrupted hold: state %q, claims %v", fv.State, claims())
	}
}

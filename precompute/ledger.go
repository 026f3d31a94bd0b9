package precompute

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
)

// Claim notes in the store's ledger, before the first row of views lands,
// that the vectors of the precomputed services reading them are owed, and
// renews the note until Release. A store without a ledger notes nothing.
func (t *Tracker) Claim(ctx context.Context, views []string) error {
	l := t.ledger()
	if l == nil || t.claim != nil {
		return nil
	}
	owed := map[string]bool{}
	for _, v := range views {
		for _, fs := range t.services[v] {
			owed[fs.Name] = true
		}
	}
	if len(owed) == 0 {
		return nil
	}
	h, err := onlinestore.Hold(ctx, l, sortedKeys(owed), onlinestore.Lease)
	if err != nil {
		return fmt.Errorf("note the precomputed vectors this run may leave stale: %w", err)
	}
	t.claim = h
	return nil
}

// settleUntouched settles the claimed services the flow wrote nothing to.
func (t *Tracker) settleUntouched(ctx context.Context) {
	for _, svc := range t.claim.Names() {
		t.mu.Lock()
		pending := t.owed[svc]
		t.mu.Unlock()
		if !pending {
			t.claim.Settle(ctx, svc)
		}
	}
}

// Release ends the flow's note and lets go of the rows kept for vectors.
// What is still owed is marked dead at once, so that the next run rebuilds
// it without waiting for the lease. Call it when the flow ends, whatever
// happened; it may be called again.
func (t *Tracker) Release() {
	t.claim.Abandon()
	t.mu.Lock()
	t.kept = nil
	t.mu.Unlock()
}

// ledger is the store's ledger; nil when there is no store (an offline-only
// push) or it keeps none.
func (t *Tracker) ledger() onlinestore.Ledger {
	if t.store == nil {
		return nil
	}
	return t.store.Ledger(onlinestore.VectorDebts)
}

// Heal rebuilds in full every service whose vectors a writer that is gone
// left owed (what Finish does first unless NoHeal).
func (t *Tracker) Heal(ctx context.Context, now func() time.Time) ([]Stats, error) {
	return t.heal(ctx, &Builder{Store: t.store, Objects: t.objs, Now: now})
}

// heal rebuilds in full every service with a note whose writer is gone;
// RebuildAll settles those notes. A note of a service that no longer
// precomputes is settled without a rebuild.
func (t *Tracker) heal(ctx context.Context, b *Builder) ([]Stats, error) {
	l := t.ledger()
	if l == nil {
		return nil, nil
	}
	dead, err := gone(ctx, l)
	if err != nil {
		return nil, err
	}
	for svc, owners := range dead {
		if fs, err := t.objs.FeatureService(svc); err == nil && fs.PrecomputeOnline {
			continue
		}
		for _, owner := range owners {
			if err := l.Settle(ctx, svc, owner); err != nil {
				return nil, err
			}
		}
	}
	var out []Stats
	for _, fs := range t.objs.FeatureServices {
		if len(dead[fs.Name]) == 0 || !fs.PrecomputeOnline {
			continue
		}
		st, err := b.RebuildAll(ctx, fs, time.Time{})
		st.Healed = true
		out = append(out, st)
		if err != nil {
			return out, err
		}
		t.done(ctx, fs.Name) // the full rebuild covered this flow's entities too
	}
	return out, nil
}

// gone lists, per service, the writers that are gone and left its vectors owed.
func gone(ctx context.Context, l onlinestore.Ledger) (map[string][]string, error) {
	debts, err := l.Debts(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the ledger of owed vectors: %w", err)
	}
	out := map[string][]string{}
	for _, d := range debts {
		if !d.Live {
			out[d.Service] = append(out[d.Service], d.Owner)
		}
	}
	return out, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

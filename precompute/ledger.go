package precompute

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
)

// Lease is how long a writer's note of owed vectors lives unless renewed;
// a running flow renews it every Lease/3. A store that sees its writer's
// connections go (Redis) ends the note at once instead.
const Lease = 30 * time.Second

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
	h, err := onlinestore.Hold(ctx, l, sortedKeys(owed), Lease)
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
		pending := len(t.keys[svc]) > 0
		t.mu.Unlock()
		if !pending {
			t.claim.Settle(ctx, svc)
		}
	}
}

// Release ends the flow's note. What is still owed is marked dead at once,
// so that the next run rebuilds it without waiting for the lease. Call it
// when the flow ends, whatever happened; it may be called again.
func (t *Tracker) Release() { t.claim.Abandon() }

// ledger is the store's ledger; nil when there is no store (an offline-only
// push) or it keeps none.
func (t *Tracker) ledger() onlinestore.Ledger {
	if t.store == nil {
		return nil
	}
	return t.store.Ledger(onlinestore.VectorDebts)
}

// heal rebuilds in full every service with a note whose writer is gone;
// RebuildAll settles those notes. A note of a service that no longer
// precomputes is settled without a rebuild.
func (t *Tracker) heal(ctx context.Context, b *Builder) ([]Stats, error) {
	l := t.ledger()
	if l == nil {
		return nil, nil
	}
	debts, err := l.Debts(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the ledger of owed vectors: %w", err)
	}
	dead := map[string]bool{}
	for _, d := range debts {
		if d.Live {
			continue
		}
		if fs, err := t.objs.FeatureService(d.Service); err != nil || !fs.PrecomputeOnline {
			if err := l.Settle(ctx, d.Service, d.Owner); err != nil {
				return nil, err
			}
			continue
		}
		dead[d.Service] = true
	}
	var out []Stats
	for _, fs := range t.objs.FeatureServices {
		if !dead[fs.Name] {
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

// deadOwners lists the writers that are gone and left the service's vectors owed.
func deadOwners(ctx context.Context, store onlinestore.Store, service string) ([]string, error) {
	l := store.Ledger(onlinestore.VectorDebts)
	if l == nil {
		return nil, nil
	}
	debts, err := l.Debts(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the ledger of owed vectors: %w", err)
	}
	var out []string
	for _, d := range debts {
		if d.Service == service && !d.Live {
			out = append(out, d.Owner)
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

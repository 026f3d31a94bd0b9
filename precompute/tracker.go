package precompute

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
)

// Tracker does a flow's vector work. It holds, per view that a precomputed
// service reads, the rows the flow wrote (Keep), so that the vectors of
// exactly the entities written are built, from those rows; and it keeps the
// store's ledger of owed vectors: Claim before the first row lands, Finish
// once the rows have landed, Release when the flow ends (in every case).
// Keep is safe for concurrent use.
type Tracker struct {
	objs     *registry.Objects
	store    onlinestore.Store
	services map[string][]*registry.FeatureService // view -> precomputed services reading it
	mu       sync.Mutex
	kept     map[string]Kept      // view -> the rows written (Keep)
	inline   map[string]*Inline   // view -> the vectors its rows carry (nil: none)
	owed     map[string]bool      // services with written entities whose vectors are not rebuilt yet
	claim    *onlinestore.Holding // the flow's notes of owed vectors
	// NoHeal leaves what gone writers left owed to a later Heal: a shard of
	// a sharded run rebuilds only its own entities, and the shard that
	// commits heals once every shard's rows have landed.
	NoHeal bool
}

// NewTracker watches the views of objs's precomputed services written to store.
func NewTracker(objs *registry.Objects, store onlinestore.Store) *Tracker {
	t := &Tracker{objs: objs, store: store, services: map[string][]*registry.FeatureService{}, owed: map[string]bool{}}
	for _, fs := range objs.FeatureServices {
		if !fs.PrecomputeOnline {
			continue
		}
		for _, p := range fs.Projections {
			t.services[p.View] = append(t.services[p.View], fs)
		}
	}
	return t
}

// Finish completes the vector work once the flow's rows have landed: it
// rebuilds in full every service that a writer which is gone left owed,
// then the vectors of the entities this flow wrote, settling the ledger
// as each service is done. What it could not finish stays owed: Pending
// names it, and the next run that writes rebuilds it.
func (t *Tracker) Finish(ctx context.Context, now func() time.Time) ([]Stats, error) {
	t.mu.Lock()
	b := &Builder{Store: t.store, Objects: t.objs, Now: now, Kept: t.kept, Inline: map[string]*Inline{}}
	for _, in := range t.inline {
		if in != nil {
			b.Inline[in.service] = in
		}
	}
	t.mu.Unlock()
	var out []Stats
	if !t.NoHeal {
		var err error
		if out, err = t.heal(ctx, b); err != nil {
			return out, err
		}
	}
	for _, fs := range t.objs.FeatureServices {
		t.mu.Lock()
		owed := t.owed[fs.Name]
		t.mu.Unlock()
		if !owed {
			continue
		}
		st, err := b.RebuildKept(ctx, fs)
		out = append(out, st)
		if err != nil {
			return out, err
		}
		t.done(ctx, fs.Name)
	}
	t.settleUntouched(ctx)
	return out, nil
}

// done notes a service rebuilt and settles its note.
func (t *Tracker) done(ctx context.Context, service string) {
	t.mu.Lock()
	delete(t.owed, service)
	t.mu.Unlock()
	t.claim.Settle(ctx, service)
}

// Pending names the services whose vectors some written entities still wait
// for (Finish did not run, or stopped): `feast-go precompute SERVICE`
// rebuilds them, and so does the next run that writes.
func (t *Tracker) Pending() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, fs := range t.objs.FeatureServices {
		if t.owed[fs.Name] {
			out = append(out, fs.Name)
		}
	}
	return out
}

// ErrNotPrecomputed is a service without precompute_online: nothing would
// refresh vectors written for it, and readers do not look for them.
var ErrNotPrecomputed = errors.New("does not precompute (precompute_online: false)")

// Services picks the services to rebuild: the named ones, each of which must
// precompute, or every service with precompute_online when none is named.
func Services(objs *registry.Objects, names []string) ([]*registry.FeatureService, error) {
	var out []*registry.FeatureService
	if len(names) == 0 {
		for _, fs := range objs.FeatureServices {
			if fs.PrecomputeOnline {
				out = append(out, fs)
			}
		}
		return out, nil
	}
	for _, n := range names {
		fs, err := objs.FeatureService(n)
		if err != nil {
			return nil, err
		}
		if !fs.PrecomputeOnline {
			return nil, fmt.Errorf("feature service %q %w: nothing would keep its vectors fresh; set precompute_online: true and apply first", n, ErrNotPrecomputed)
		}
		out = append(out, fs)
	}
	return out, nil
}

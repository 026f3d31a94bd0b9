package precompute

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feast-go/feast-go/internal/pool"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/tracing"
	"go.opentelemetry.io/otel/attribute"
)

// Defaults of a Builder.
const (
	DefaultBatchSize = 500 // entities read and written per round trip
	DefaultWorkers   = 4   // batches in flight at once
)

// Builder writes the vectors of precomputed services.
type Builder struct {
	Store     onlinestore.Store
	Objects   *registry.Objects
	BatchSize int // entities read and written per round trip; 0 = DefaultBatchSize
	Workers   int // batches in flight at once; 0 = DefaultWorkers
	Now       func() time.Time
	// Done, when set, counts entities as their batches finish (for progress displays).
	Done *atomic.Int64
	// Kept holds, per view, the rows a flow wrote: Rebuild builds the
	// vectors from them and reads back only what they lack.
	Kept map[string]Kept
	// Inline holds, per service, the vectors the flow's rows carried:
	// RebuildKept builds only those of the rows the store did not take.
	Inline map[string]*Inline
}

// Stats count one service's rebuild.
type Stats struct {
	Service  string `json:"service"`
	Entities int64  `json:"entities"`
	Written  int64  `json:"written"`
	Skipped  int64  `json:"skipped"` // no data in any view, or nothing newer than --since
	// FromMemory counts the entities whose vectors were built from the rows
	// the flow had just written, with nothing read back.
	FromMemory int64   `json:"from_memory,omitempty"`
	Seconds    float64 `json:"seconds"`
	// Healed is a full rebuild made because a run that is gone (killed,
	// interrupted, failed) left the service's vectors unfinished.
	Healed bool `json:"healed,omitempty"`
}

// plan resolves a service's schema, the views it reads, and its join keys.
func (b *Builder) plan(fs *registry.FeatureService) (Schema, []onlinestore.View, []string, error) {
	s := SchemaOf(fs)
	var views []onlinestore.View
	var joinKeys []string
	for i, p := range fs.Projections {
		fv, err := b.Objects.FeatureView(p.View)
		if err != nil {
			return s, nil, nil, fmt.Errorf("feature service %q: %w", fs.Name, err)
		}
		if i == 0 {
			joinKeys = fv.JoinKeys()
		}
		views = append(views, onlinestore.ProjectionView(fv, p))
	}
	if len(views) == 0 {
		return s, nil, nil, fmt.Errorf("feature service %q has no feature views", fs.Name)
	}
	return s, views, joinKeys, nil
}

// Rebuild writes the vectors of fs for the given entity keys (serialized, in
// the service's join keys), reading every view of an entity in one round trip
// per batch. Entities with no data in any view get no vector; with since set,
// entities whose every view is older than since are skipped.
func (b *Builder) Rebuild(ctx context.Context, fs *registry.FeatureService, keys [][]byte, since time.Time) (Stats, error) {
	if order := b.Store.KeyGroups().Order(len(keys), func(i int) []byte { return keys[i] }); order != nil {
		sorted := make([][]byte, len(keys)) // a cluster decides the vectors of one slot in one call
		for i, j := range order {
			sorted[i] = keys[j]
		}
		keys = sorted
	}
	return b.rebuild(ctx, fs, since, attribute.Int("feast_go.entities", len(keys)), func(size int, send func([][]byte) error) error {
		for from := 0; from < len(keys); from += size {
			if err := send(keys[from:min(from+size, len(keys))]); err != nil {
				return err
			}
		}
		return nil
	})
}

// RebuildKept writes the vectors of the entities whose rows Kept holds for
// any of fs's views, built from those rows.
func (b *Builder) RebuildKept(ctx context.Context, fs *registry.FeatureService) (Stats, error) {
	var held []Kept
	carrier := -1 // held[carrier]'s rows carried vectors: those entities are done
	in := b.Inline[fs.Name]
	seen := map[string]bool{} // a view of two projections once
	for _, p := range fs.Projections {
		if k := b.Kept[p.View]; k != nil && !seen[p.View] {
			if in != nil && p.View == in.view {
				carrier = len(held)
			}
			held, seen[p.View] = append(held, k), true
		}
	}
	st, err := b.rebuild(ctx, fs, time.Time{}, attribute.Bool("feast_go.from_memory", true), func(size int, send func([][]byte) error) error {
		for i, k := range held {
			err := k.EachTried(size, b.Store.KeyGroups(), i == carrier, func(keys [][]byte) error {
				n := 0
				for _, key := range keys { // an entity of several views is built once, with the first
					if slices.ContainsFunc(held[:i], func(e Kept) bool { return e.Tried(key) }) ||
						carrier >= 0 && i != carrier && held[carrier].Carried(key) {
						continue
					}
					keys[n], n = key, n+1
				}
				if n == 0 {
					return nil
				}
				return send(keys[:n])
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if in != nil {
		n := in.carried.Load()
		st.Entities, st.Written, st.FromMemory = st.Entities+n, st.Written+n, st.FromMemory+n
	}
	return st, err
}

// rebuild writes the vectors of the entities that batches hands over, size
// at a time.
func (b *Builder) rebuild(ctx context.Context, fs *registry.FeatureService, since time.Time, attr attribute.KeyValue,
	batches func(size int, send func([][]byte) error) error) (st Stats, err error) {
	ctx, span := tracing.Start(ctx, "precompute "+fs.Name, attribute.String("feast.feature_service", fs.Name), attr)
	defer func() { tracing.End(span, err) }()
	began := b.now()
	st = Stats{Service: fs.Name}
	s, views, joinKeys, err := b.plan(fs)
	if err != nil {
		return st, err
	}
	kept, err := b.keptViews(fs)
	if err != nil {
		return st, err
	}
	size := cmp.Or(max(b.BatchSize, 0), DefaultBatchSize)
	err = b.parallel(ctx, &st, func(_ context.Context, send func([][]byte) error) error {
		return batches(size, send)
	}, func(ctx context.Context, batch [][]byte, st *Stats) error {
		return b.rebuildBatch(ctx, &s, views, joinKeys, kept, batch, since, st)
	})
	st.Seconds = b.now().Sub(began).Seconds()
	return st, err
}

// parallel runs work on the batches produce sends, Workers at a time, and
// sums the stats. A failure on either side ends both.
func (b *Builder) parallel(ctx context.Context, total *Stats, produce func(ctx context.Context, send func([][]byte) error) error,
	work func(context.Context, [][]byte, *Stats) error) error {
	var mu sync.Mutex
	return pool.Run(ctx, cmp.Or(max(b.Workers, 0), DefaultWorkers), produce, func(ctx context.Context, batch [][]byte) error {
		var st Stats
		err := work(ctx, batch, &st)
		mu.Lock()
		total.Entities, total.Written, total.Skipped = total.Entities+st.Entities, total.Written+st.Written, total.Skipped+st.Skipped
		total.FromMemory += st.FromMemory
		mu.Unlock()
		if b.Done != nil {
			b.Done.Add(st.Entities)
		}
		return err
	})
}

// RebuildAll rebuilds every entity of the service's join keys found in the
// store. A full rebuild (since zero) also settles the ledger notes of
// writers that were gone before it began: it covers whatever they left.
func (b *Builder) RebuildAll(ctx context.Context, fs *registry.FeatureService, since time.Time) (st Stats, err error) {
	ctx, span := tracing.Start(ctx, "precompute "+fs.Name, attribute.String("feast.feature_service", fs.Name), attribute.Bool("feast_go.full", true))
	defer func() { tracing.End(span, err) }()
	scanner, ok := b.Store.(onlinestore.KeyScanner)
	if !ok {
		return Stats{Service: fs.Name}, fmt.Errorf("feature service %q: the online store cannot list entity keys", fs.Name)
	}
	began := b.now()
	st = Stats{Service: fs.Name}
	s, views, joinKeys, err := b.plan(fs)
	if err != nil {
		return st, err
	}
	ledger := b.Store.Ledger(onlinestore.VectorDebts)
	var owners []string
	if ledger != nil && since.IsZero() {
		dead, err := gone(ctx, ledger)
		if err != nil {
			return st, fmt.Errorf("feature service %q: %w", fs.Name, err)
		}
		owners = dead[fs.Name]
	}
	err = b.parallel(ctx, &st, func(ctx context.Context, send func([][]byte) error) error {
		return scanner.ScanKeys(ctx, views[0], send)
	}, func(ctx context.Context, batch [][]byte, st *Stats) error {
		return b.rebuildBatch(ctx, &s, views, joinKeys, nil, batch, since, st)
	})
	st.Seconds = b.now().Sub(began).Seconds()
	if err != nil {
		return st, err
	}
	for _, owner := range owners {
		if err := ledger.Settle(ctx, fs.Name, owner); err != nil {
			return st, fmt.Errorf("feature service %q: %w", fs.Name, err)
		}
	}
	return st, nil
}

// rebuildBatch writes the vectors of keys, from the rows held in kept where
// the flow wrote them, from what the store holds otherwise.
func (b *Builder) rebuildBatch(ctx context.Context, s *Schema, views []onlinestore.View, joinKeys []string, kept []*keptView,
	keys [][]byte, since time.Time, st *Stats) error {
	var rows [][]onlinestore.FeatureRow
	var err error
	if kept != nil {
		rows, st.FromMemory, err = b.readFused(ctx, kept, keys, views)
	} else {
		rows, err = b.Store.ReadViews(ctx, keys, views)
	}
	if err != nil {
		return fmt.Errorf("feature service %q: %w", s.Service, err)
	}
	at := b.now().UTC()
	out := make([]onlinestore.Row, 0, len(keys))
	cells := make([][]byte, len(keys)) // each vector's Values, one cell
	var slab, blob []byte              // the vectors' bytes; one vector's blob
	values := make([][]byte, 0, len(s.Names))
	stamps := make([]ViewStamp, len(views))
	for i, key := range keys {
		st.Entities++
		values = values[:0]
		found, fresh := false, since.IsZero()
		for j, r := range rows[i] {
			stamps[j] = ViewStamp{Name: s.Projections[j].NameToUse(), TS: time.Unix(0, 0).UTC()} // Feast: epoch 0 for no data
			if r.Found {
				stamps[j].TS = r.EventTS
			}
			values = append(values, r.Values...)
			found = found || r.Found
			fresh = fresh || (r.Found && !r.EventTS.Before(since))
		}
		if !found || !fresh {
			st.Skipped++
			continue
		}
		blob = appendBlob(blob[:0], s, values, stamps, at)
		if slab == nil {
			slab = make([]byte, 0, (len(blob)+16)*len(keys))
		}
		start := len(slab)
		slab = appendVectorValue(slab, blob) // a slab that grows leaves the earlier cells where they were
		cells[i] = slab[start:len(slab):len(slab)]
		out = append(out, onlinestore.Row{Key: key, EventTS: at, Values: cells[i : i+1 : i+1]})
	}
	if len(out) == 0 {
		return nil
	}
	w, err := b.Store.WriteView(ctx, StoreView(s.Service, joinKeys), out)
	st.Written += w.Written
	if err != nil {
		return fmt.Errorf("feature service %q: write vectors: %w", s.Service, err)
	}
	return nil
}

func (b *Builder) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

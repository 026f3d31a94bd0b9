package precompute

import (
	"context"
	"fmt"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
)

// Kept is what a flow wrote to one view, held in memory until the vectors of
// its entities are built, so that they need not be read back from the store.
type Kept interface {
	// Written appends to dst the serialized Values (in the view's feature
	// order) of the row the store took for key, and returns its event time;
	// ok is false when the store took no row of key from the flow (it was
	// not newer than the stored one, or its write failed).
	Written(key []byte, dst [][]byte) (values [][]byte, eventTS time.Time, ok bool)
	// Tried reports whether an acknowledged write of the flow held key's
	// row, taken or not: the entities whose vectors are rebuilt.
	Tried(key []byte) bool
	// TriedCount is how many keys Tried reports.
	TriedCount() int64
	// Carried reports whether key's row was taken with its entity's vector
	// (Inline).
	Carried(key []byte) bool
	// EachTried hands fn those keys (uncarried: only those not taken with
	// their vectors), size at a time, those of one key group together; each
	// batch is fn's to keep.
	EachTried(size int, groups onlinestore.KeyGroups, uncarried bool, fn func(keys [][]byte) error) error
}

// Reads reports whether a precomputed service reads view: whether the rows
// written to it are worth keeping for Keep.
func (t *Tracker) Reads(view string) bool { return len(t.services[view]) > 0 }

// Keep hands over the rows a flow wrote to view, once its writes have
// returned. Finish rebuilds the vectors of the entities they hold, from
// them, reading back only the views whose rows they lack. Release lets go
// of them.
func (t *Tracker) Keep(view string, rows Kept) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.kept == nil {
		t.kept = map[string]Kept{}
	}
	t.kept[view] = rows
	if rows.TriedCount() > 0 {
		for _, fs := range t.services[view] {
			t.owed[fs.Name] = true
		}
	}
}

// keptView is a service's projection of a view whose written rows are held:
// at[k] is where the projection's k-th feature sits in the view's features
// (-1: not a feature of the view, an empty Value as a read would give).
type keptView struct {
	rows Kept
	at   []int
}

// keptViews lines the held rows up with fs's projections (nil entries for
// the views not held); nil when none is held.
func (b *Builder) keptViews(fs *registry.FeatureService) ([]*keptView, error) {
	if len(b.Kept) == 0 {
		return nil, nil
	}
	out := make([]*keptView, len(fs.Projections))
	held := false
	for j, p := range fs.Projections {
		rows := b.Kept[p.View]
		if rows == nil {
			continue
		}
		fv, err := b.Objects.FeatureView(p.View)
		if err != nil {
			return nil, fmt.Errorf("feature service %q: %w", fs.Name, err)
		}
		out[j], held = &keptView{rows: rows, at: featureIndexes(fv, p)}, true
	}
	if !held {
		return nil, nil
	}
	return out, nil
}

// readFused gives, for each key, each view's row: from the held rows where
// the flow wrote it, read back in one round trip (only the views some key
// lacks, only for those keys) otherwise. fused counts the keys that needed
// no read.
func (b *Builder) readFused(ctx context.Context, kept []*keptView, keys [][]byte, views []onlinestore.View) (rows [][]onlinestore.FeatureRow, fused int64, err error) {
	rows = make([][]onlinestore.FeatureRow, len(keys))
	cells := make([]onlinestore.FeatureRow, len(keys)*len(views))
	width := 0 // the features of the held views
	for _, kv := range kept {
		if kv != nil {
			width += len(kv.at)
		}
	}
	slab := make([][]byte, 0, len(keys)*width) // the held rows' Values, never regrown
	need := make([]bool, len(views))           // views some key lacks
	var missing []int                          // keys that lack some view
	var buf [][]byte
	res := b.Store.Traits().TimeResolution // the time the store keeps, as a read would give it
	for i, key := range keys {
		rows[i] = cells[i*len(views) : (i+1)*len(views) : (i+1)*len(views)]
		whole := true
		for j, kv := range kept {
			if kv != nil {
				var ts time.Time
				var ok bool
				if buf, ts, ok = kv.rows.Written(key, buf[:0]); ok {
					start := len(slab)
					slab = appendPicked(slab, buf, kv.at)
					rows[i][j] = onlinestore.FeatureRow{Found: true, EventTS: ts.Truncate(res), Values: slab[start:len(slab):len(slab)]}
					continue
				}
			}
			need[j], whole = true, false
		}
		if whole {
			fused++
		} else {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return rows, fused, nil
	}
	var read []onlinestore.View
	var at []int // read[r] is views[at[r]]
	for j, v := range views {
		if need[j] {
			read, at = append(read, v), append(at, j)
		}
	}
	missKeys := make([][]byte, len(missing))
	for m, i := range missing {
		missKeys[m] = keys[i]
	}
	got, err := b.Store.ReadViews(ctx, missKeys, read)
	if err != nil {
		return nil, 0, err
	}
	for m, i := range missing {
		for r, j := range at {
			if !rows[i][j].Found { // held rows are what the store took: they win
				rows[i][j] = got[m][r]
			}
		}
	}
	return rows, fused, nil
}

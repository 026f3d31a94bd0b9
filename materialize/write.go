package materialize

import (
	"context"
	"sync"

	"github.com/feast-go/feast-go/internal/pool"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/precompute"
	"github.com/feast-go/feast-go/registry"
)

// Defaults of the write path (`feast-go materialize` and `push` flags).
const (
	DefaultWriters   = 8    // concurrent write pipelines per view
	DefaultChunkSize = 2000 // rows handed to one pipeline at a time
	DefaultParallel  = 2    // views written at once
)

// Writer writes the kept rows of a view through concurrent pipelines and
// tells the tracker which entities landed. Materialize and push share it.
type Writer struct {
	Store     onlinestore.Store
	Writers   int                 // concurrent pipelines per view; 0 = DefaultWriters
	ChunkSize int                 // rows per hand-over; 0 = DefaultChunkSize
	Tracker   *precompute.Tracker // nil: no vectors to refresh
}

// Write writes every row lt kept for fv, newer-wins unless the store writes
// blindly, and counts them in prog as they are acknowledged.
func (w *Writer) Write(ctx context.Context, fv *registry.FeatureView, lt *Latest, prog *ViewProgress) (onlinestore.WriteStats, error) {
	view := onlinestore.ViewOf(fv)
	chunkSize := w.ChunkSize
	if chunkSize <= 0 {
		chunkSize = DefaultChunkSize
	}
	writers := w.Writers
	if writers <= 0 {
		writers = DefaultWriters
	}
	var mu sync.Mutex
	var total onlinestore.WriteStats
	err := pool.Run(ctx, writers, func(_ context.Context, send func([]onlinestore.Row) error) error {
		return lt.chunks(chunkSize, w.Store.KeyGroups(), send)
	}, func(ctx context.Context, rows []onlinestore.Row) error {
		st, err := w.Store.WriteView(ctx, view, rows)
		mu.Lock()
		total.Add(st)
		mu.Unlock()
		prog.EntitiesWritten.Add(int64(len(rows)))
		if err != nil {
			return err
		}
		if w.Tracker != nil && st.Written > 0 { // a chunk whose rows were all older changed no vector
			w.Tracker.Add(fv.Name, rows)
		}
		return nil
	})
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return total, err
}

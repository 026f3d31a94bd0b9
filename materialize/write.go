package materialize

import (
	"context"
	"iter"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
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
	Now       func() time.Time    // when vectors are assembled; nil: the clock
}

// Write writes every row lt kept for fv, newer-wins unless the store writes
// blindly, and counts them in prog as they are acknowledged. When the
// tracker builds vectors from fv, lt marks the rows the store took and is
// handed to the tracker, which builds their vectors from memory; the rows
// of a view that a service reads alone carry that service's vectors.
func (w *Writer) Write(ctx context.Context, fv *registry.FeatureView, lt *Latest, prog *ViewProgress) (onlinestore.WriteStats, error) {
	keep := w.Tracker != nil && w.Tracker.Reads(fv.Name)
	return w.write(ctx, fv, lt, prog, keep, func(size int, fn func(chunk) error) error {
		return lt.chunks(size, w.Store.KeyGroups(), func(rows []onlinestore.Row, slots []int32) error {
			return fn(chunk{rows: rows, slots: slots})
		})
	})
}

// Streams reports whether fv's rows can be written as a second read of its
// files finds them (Stream): when no precomputed vector is built from them
// and the store takes rows in any order.
func (w *Writer) Streams(fv *registry.FeatureView) bool {
	return (w.Tracker == nil || !w.Tracker.Reads(fv.Name)) && w.Store.KeyGroups().Count == 0
}

// Stream writes the rows lt kept (KeysOnly) for fv as batches, a second read
// of the rows lt was filled from, hands them over (stream.go), and counts them
// in prog as they are acknowledged. Call it only when Streams(fv).
func (w *Writer) Stream(ctx context.Context, fv *registry.FeatureView, lt *Latest, batches iter.Seq2[arrow.RecordBatch, error], prog *ViewProgress) (onlinestore.WriteStats, error) {
	return w.write(ctx, fv, lt, prog, false, func(size int, fn func(chunk) error) error {
		return lt.streamChunks(batches, size, fn)
	})
}

// write runs the pipelines over the chunks produce hands over; keep says
// whether the tracker builds vectors from lt.
func (w *Writer) write(ctx context.Context, fv *registry.FeatureView, lt *Latest, prog *ViewProgress, keep bool,
	produce func(size int, fn func(chunk) error) error) (onlinestore.WriteStats, error) {
	view := onlinestore.ViewOf(fv)
	chunkSize := w.ChunkSize
	if chunkSize <= 0 {
		chunkSize = DefaultChunkSize
	}
	writers := w.Writers
	if writers <= 0 {
		writers = DefaultWriters
	}
	var inline *precompute.Inline
	if keep {
		defer w.Tracker.Keep(fv.Name, lt)
		if inline = w.Tracker.Inline(fv.Name); inline != nil {
			view.Rider = inline.Rider()
		}
	}
	var mu sync.Mutex
	var total onlinestore.WriteStats
	err := pool.Run(ctx, writers, func(_ context.Context, send func(chunk) error) error {
		return produce(chunkSize, send)
	}, func(ctx context.Context, c chunk) error {
		if inline != nil {
			w.carry(inline, c.rows)
		}
		st, err := w.Store.WriteView(ctx, view, c.rows)
		if c.free != nil {
			c.free()
		}
		mu.Lock()
		total.Add(st)
		mu.Unlock()
		prog.EntitiesWritten.Add(int64(len(c.rows)))
		if err != nil {
			if keep { // its rows may have landed all the same: their vectors are rebuilt from the store
				lt.markTried(c.slots)
			}
			return err
		}
		if keep && st.Written > 0 { // a chunk whose rows were all older changed no vector
			if n := lt.markWritten(c.slots, c.rows, st); n > 0 {
				inline.Carried(n)
			}
		}
		return nil
	})
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return total, err
}

// carry gives each row its entity's vector as its rider, all assembled now
// (not the rows whose entity lacks a row of another view of the service).
func (w *Writer) carry(in *precompute.Inline, rows []onlinestore.Row) {
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	now = now.UTC()
	riders := make([]onlinestore.Row, len(rows))
	cells := make([][]byte, len(rows))
	var slab []byte
	var scratch precompute.VectorScratch
	for i := range rows {
		start := len(slab)
		var ok bool
		if slab, ok = in.AppendVector(slab, &scratch, rows[i].Key, rows[i].Values, rows[i].EventTS, now); !ok {
			continue
		}
		if start == 0 { // the first: the rest alike, one slab for all (should it grow, the cells before stay valid)
			s := make([]byte, len(slab), (len(slab)+32)*len(rows))
			copy(s, slab)
			slab = s
		}
		cells[i] = slab[start:len(slab):len(slab)]
		riders[i] = onlinestore.Row{EventTS: now, Values: cells[i : i+1 : i+1]}
		rows[i].Rider = &riders[i]
	}
}

// chunk is one hand-over of rows to a pipeline, with their slots in the
// Latest (none when streamed). free, when set, takes the rows back once
// WriteView has returned (a store keeps nothing of them).
type chunk struct {
	rows  []onlinestore.Row
	slots []int32
	free  func()
}

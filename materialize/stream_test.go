package materialize

import (
	"context"
	"fmt"
	"io/fs"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/storetest"
)

// grouped is a memory store that wants rows grouped, as a Redis Cluster
// does: the Writer holds a view's rows for it instead of streaming them.
type grouped struct{ *storetest.Memory }

func (grouped) KeyGroups() onlinestore.KeyGroups {
	return onlinestore.KeyGroups{Count: 3, Of: func(k []byte) int { return int(k[len(k)-1]) % 3 }}
}

// messyRows are rows of 60 entities with every way a row can lose: older
// event times, the same event time with an older created time, ties on both
// (with other values: the first one read wins), null keys and null values.
func messyRows(seed uint64) []srcRow {
	rnd := rand.New(rand.NewPCG(seed, 1))
	var rows []srcRow
	for n := range 900 {
		row := srcRow{id: ptr(rnd.Int64N(60)), trips: int64(n),
			ts: base.Add(time.Duration(rnd.IntN(4)) * time.Minute), cr: base.Add(time.Duration(rnd.IntN(3)) * time.Second)}
		if rnd.IntN(20) == 0 {
			row.id = nil
		}
		if rnd.IntN(5) != 0 {
			row.conv = ptr(float32(n) / 10)
		}
		rows = append(rows, row)
	}
	return rows
}

// A streamed view (two reads of its files) lands exactly what a view whose
// rows are held lands (for a store that groups rows, or with ReadOnce), over
// many batches, writing and rewriting.
func TestStreamWritesWhatHeldRowsWrite(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		rows := messyRows(seed)
		files := [][]srcRow{rows[:300], rows[300:500], rows[500:]} // read by two readers at once
		defs := srcDefs + testView
		streamed, held, once := newFixtureFiles(t, files, defs), newFixtureFiles(t, files, defs), newFixtureFiles(t, files, defs)
		fv, _ := streamed.objs.FeatureView("stats")
		if !(&Writer{Store: streamed.store}).Streams(fv) || (&Writer{Store: grouped{held.store}}).Streams(fv) {
			t.Fatal("the memory store should stream and the grouped one hold")
		}
		var sums [3][]ViewResult
		for i, f := range []*fixture{streamed, held, once} {
			r := f.runner()
			r.Options.Scan = catalog.ScanOptions{BatchSize: 64, Concurrency: 2}
			r.Options.ReadOnce = f == once
			if f == held {
				r.Store = grouped{f.store}
			}
			for range 2 { // the second run finds every row stored: none is newer
				sum, err := r.Run(context.Background(), f.plan(t, base.Add(time.Hour)))
				if err != nil {
					t.Fatal(err)
				}
				v := sum.Views[0]
				if want := map[bool]int{true: 2, false: 1}[f == streamed]; v.Reads != want {
					t.Errorf("seed %d, fixture %d: %d reads, want %d", seed, i, v.Reads, want)
				}
				v.Seconds, v.Recorded, v.Reads = 0, false, 0
				sums[i] = append(sums[i], v)
			}
		}
		for i, f := range []*fixture{held, once} {
			if a, b := streamed.dump(t), f.dump(t); a != b {
				t.Errorf("seed %d: streamed rows differ from held rows (%d):\n%s\nheld:\n%s", seed, i, a, b)
			}
			for run := range 2 {
				if a, b := sums[0][run], sums[i+1][run]; a != b {
					t.Errorf("seed %d, run %d: streamed %+v, held (%d) %+v", seed, run, a, i, b)
				}
			}
		}
		if v := sums[0][0]; v.Written != v.Entities || v.Entities != 60 || v.FilesPlanned != 3 || sums[0][1].SkippedOlder != 60 {
			t.Errorf("seed %d: %+v then %+v", seed, v, sums[0][1])
		}
	}
}

// Rows that are not those the Latest was filled from fail the stream instead
// of writing something else.
func TestStreamRefusesChangedRows(t *testing.T) {
	rows := []srcRow{
		{id: ptr[int64](1), trips: 1, ts: base, cr: base},
		{id: ptr[int64](2), trips: 2, ts: base, cr: base},
		{id: ptr[int64](1), trips: 3, ts: base.Add(time.Minute), cr: base},
	}
	changed := func(f func(r []srcRow) []srcRow) []srcRow { return f(append([]srcRow(nil), rows...)) }
	tests := []struct {
		name  string
		again []srcRow
		want  string
	}{
		{"the same rows", rows, ""},
		{"another order", changed(func(r []srcRow) []srcRow { r[1], r[2] = r[2], r[1]; return r }), "found at row 2 another entity"},
		{"an entity's rows in another order", changed(func(r []srcRow) []srcRow { r[0], r[2] = r[2], r[0]; return r }), "found at row 3 a row the first did not keep"},
		{"a newest row is gone", rows[:2], "found 2 rows and 1 newest rows, the first 3 and 2"},
		{"a newest row is older", changed(func(r []srcRow) []srcRow { r[2].ts = base; return r }), "found at row 3 a row the first did not keep"},
		{"another entity", changed(func(r []srcRow) []srcRow { r[1].id = ptr[int64](7); return r }), "found at row 2 another entity"},
		{"a null key", changed(func(r []srcRow) []srcRow { r[1].id = nil; return r }), "found row 2 without a key or time to keep"},
		{"a row more", append(changed(func(r []srcRow) []srcRow { return r }), rows[1]), "found 4 rows and 2 newest rows"},
	}
	f := newFixture(t, nil, "0")
	fv, _ := f.objs.FeatureView("stats")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lt := NewLatest(fv, catalog.ResolveColumns(fv), 3)
			lt.KeysOnly()
			if err := lt.Add(batch(rows)); err != nil {
				t.Fatal(err)
			}
			var written []int64
			err := lt.streamChunks(batches(batch(tt.again)), 1, func(c chunk) error {
				for _, r := range c.rows {
					written = append(written, trips(t, r.Values[1]))
				}
				c.free()
				return nil
			})
			if tt.want == "" {
				if err != nil || len(written) != 2 || written[0]+written[1] != 5 {
					t.Errorf("wrote trips %v (%v), want 2 and 3", written, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "changed between the reads") {
				t.Errorf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}

// testView is the fixtures' view, for newFixtureFiles.
const testView = `feature_views:
  - {name: stats, entities: [driver], ttl: 0s, source: src, schema: [{name: conv_rate, dtype: Float32}, {name: trips, dtype: Int64}]}
`

func batches(recs ...arrow.RecordBatch) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Row numbers and slots share 64 bits; a scan too large for that is refused
// before any row is handed over.
func TestStreamRefusesRowNumbersPastItsBits(t *testing.T) {
	f := newFixture(t, nil, "0")
	fv, _ := f.objs.FeatureView("stats")
	lt := NewLatest(fv, catalog.ResolveColumns(fv), 3)
	lt.KeysOnly()
	if err := lt.Add(batch([]srcRow{{id: ptr[int64](1), ts: base, cr: base}, {id: ptr[int64](2), ts: base, cr: base}})); err != nil {
		t.Fatal(err)
	}
	lt.scanned = 1 << 62 // 2 entities take 2 bits
	err := lt.streamChunks(batches(), 1, func(chunk) error { t.Error("a chunk was handed over"); return nil })
	if err == nil || !strings.Contains(err.Error(), "too many to stream; use --read-once") {
		t.Errorf("error %v", err)
	}
}

// dropsFiles is a memory store that, on its first write, deletes the data
// files of the warehouse under dir: the files go away in the middle of the
// second read.
type dropsFiles struct {
	*storetest.Memory
	dir  string
	once sync.Once
	t    *testing.T
}

func (s *dropsFiles) WriteView(ctx context.Context, v onlinestore.View, rows []onlinestore.Row) (onlinestore.WriteStats, error) {
	s.once.Do(func() {
		n := 0
		_ = filepath.WalkDir(filepath.Join(s.dir, "warehouse"), func(path string, _ fs.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(path, ".parquet") && os.Remove(path) == nil {
				n++
			}
			return nil
		})
		if n < 3 {
			s.t.Errorf("deleted %d data files, want the 3 appended", n)
		}
	})
	return s.Memory.WriteView(ctx, v, rows)
}

// When the second read fails (the files are gone), the view fails, its
// interval is not recorded, and what it wrote is what a clean run writes.
func TestStreamThatCannotReadAgainRecordsNothing(t *testing.T) {
	rows := messyRows(4)
	files := [][]srcRow{rows[:300], rows[300:600], rows[600:]}
	clean := newFixtureFiles(t, files, srcDefs+testView)
	if _, err := clean.runner().Run(context.Background(), clean.plan(t, base.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	f := newFixtureFiles(t, files, srcDefs+testView)
	r := f.runner()
	r.Store = &dropsFiles{Memory: f.store, dir: f.dir, t: t}
	sum, err := r.Run(context.Background(), f.plan(t, base.Add(time.Hour)))
	if err == nil || sum.Views[0].Recorded || len(f.current(t).Intervals) != 0 {
		t.Fatalf("run: %v, %+v, intervals %v", err, sum.Views, f.current(t).Intervals)
	}
	written := 0
	for id := range int64(60) {
		got := f.read(t, id)
		if !got.Found {
			continue
		}
		written++
		if want := clean.read(t, id); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("entity %d: %v, a clean run writes %v", id, got, want)
		}
	}
	if written == 0 || written == 60 {
		t.Errorf("%d of 60 entities written before the read failed; want some, not all", written)
	}
}

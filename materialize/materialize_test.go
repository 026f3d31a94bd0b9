package materialize

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/internal/icebergtest"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/storetest"
	"github.com/feast-go/feast-go/precompute"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"
)

var base = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

var schema = arrow.NewSchema([]arrow.Field{
	{Name: "driver_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "conv_rate", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "trips", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "event_timestamp", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "created", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
}, nil)

type srcRow struct {
	id     *int64
	conv   *float32
	trips  int64
	ts, cr time.Time
}

func ptr[T any](v T) *T { return &v }

func batch(rows []srcRow) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, r := range rows {
		if r.id == nil {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.Int64Builder).Append(*r.id)
		}
		if r.conv == nil {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.Float32Builder).Append(*r.conv)
		}
		b.Field(2).(*array.Int64Builder).Append(r.trips)
		b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(r.ts.UnixMicro()))
		b.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(r.cr.UnixMicro()))
	}
	return b.NewRecordBatch()
}

type fixture struct {
	dir     string
	objs    *registry.Objects
	reg     *registry.FileStore
	store   *storetest.Memory
	catalog *catalog.Cache
}

// newFixture writes rows to an Iceberg table and applies one view over it.
func newFixture(t *testing.T, rows []srcRow, ttl string) *fixture {
	t.Helper()
	return newFixtureDefs(t, rows, fmt.Sprintf(srcDefs+`feature_views:
  - name: stats
    entities: [driver]
    ttl: %s
    source: src
    schema: [{name: conv_rate, dtype: Float32}, {name: trips, dtype: Int64}]
`, ttl))
}

// srcDefs are the entity and the Iceberg source of the fixtures' views.
const srcDefs = `entities:
  - {name: driver, join_keys: [driver_id], value_type: INT64}
data_sources:
  - name: src
    iceberg: {catalog_type: sql, catalog_name: local, endpoint: "sqlite:///catalog.db", warehouse: warehouse, namespace: feast, table: driver_stats}
    timestamp_field: event_timestamp
    created_timestamp_column: created
`

// newFixtureDefs writes rows to an Iceberg table and applies defs over it.
func newFixtureDefs(t *testing.T, rows []srcRow, defs string) *fixture {
	t.Helper()
	return newFixtureFiles(t, [][]srcRow{rows}, defs)
}

// newFixtureFiles writes each of files to an Iceberg table in its own append
// and applies defs over it.
func newFixtureFiles(t *testing.T, files [][]srcRow, defs string) *fixture {
	t.Helper()
	dir := t.TempDir()
	c := icebergtest.NewCatalog(t, dir, "local")
	tbl := c.Table(t, "feast", "driver_stats", schema, "event_timestamp", nil)
	for _, rows := range files {
		tbl = icebergtest.Append(t, tbl, batch(rows))
	}
	o := &registry.Objects{Project: "p"}
	if err := registry.ParseDefinitions(o, "defs.yaml", []byte(defs)); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	reg := &registry.FileStore{Path: filepath.Join(dir, "registry.db")}
	if _, err := registry.Apply(context.Background(), reg, o, registry.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	cache := catalog.NewCache()
	t.Cleanup(func() { _ = cache.Close() })
	return &fixture{dir: dir, objs: o, reg: reg, store: storetest.NewMemory(), catalog: cache}
}

func (f *fixture) runner() *Runner {
	repo := &registry.Repo{Config: &registry.Config{Project: "p", Dir: f.dir, EntityKeySerializationVersion: 3}, Registry: f.reg, Objects: f.objs}
	return &Runner{Repo: repo, Store: f.store, Catalogs: f.catalog, Options: Options{Writers: 2, ChunkSize: 3}}
}

func (f *fixture) current(t *testing.T) *registry.FeatureView {
	t.Helper()
	r, err := f.reg.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o, _ := r.Objects("p")
	fv, err := o.FeatureView("stats")
	if err != nil {
		t.Fatal(err)
	}
	return fv
}

func (f *fixture) key(id int64) []byte {
	k, _ := onlinestore.NewKeyEncoder([]string{"driver_id"}, 3).Append(nil, []*feastpb.Value{{Val: &feastpb.Value_Int64Val{Int64Val: id}}})
	return k
}

func (f *fixture) read(t *testing.T, id int64) onlinestore.FeatureRow {
	t.Helper()
	out, _ := f.store.ReadViews(context.Background(), [][]byte{f.key(id)}, []onlinestore.View{{Name: "stats", Features: []string{"conv_rate", "trips"}}})
	return out[0][0]
}

func trips(t *testing.T, b []byte) int64 {
	t.Helper()
	var v feastpb.Value
	if err := proto.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v.GetInt64Val()
}

// Times whose nanoseconds do not fit an int64 would wrap around (1600 would
// compare as 2184 and block every later update): such rows are skipped and
// counted, the others land.
func TestOutOfRangeTimesAreSkippedAndCounted(t *testing.T) {
	old := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := []srcRow{
		{id: ptr[int64](1), conv: ptr[float32](0.1), trips: 1, ts: old, cr: base},
		{id: ptr[int64](2), conv: ptr[float32](0.2), trips: 2, ts: base, cr: old},
		{id: ptr[int64](3), conv: ptr[float32](0.3), trips: 3, ts: base, cr: base},
	}
	f := newFixture(t, rows, "0")
	views, _, _ := SelectViews(f.objs, nil)
	plan, _ := PlanWindow(views, time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC), base.Add(time.Hour))
	sum, err := f.runner().Run(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	if v := sum.Views[0]; v.RowsScanned != 3 || v.OutOfRange != 2 || v.Written != 1 {
		t.Errorf("result %+v, want 3 scanned, 2 out of range, 1 written", v)
	}
	if f.read(t, 1).Found || f.read(t, 2).Found || !f.read(t, 3).Found {
		t.Error("an out-of-range row was written, or the good one was not")
	}
}

func TestMaterializeLatestPerEntity(t *testing.T) {
	h := func(n int) time.Time { return base.Add(time.Duration(n) * time.Hour) }
	rows := []srcRow{
		{id: ptr[int64](1), conv: ptr[float32](0.1), trips: 1, ts: h(1), cr: h(1)},
		{id: ptr[int64](1), conv: ptr[float32](0.2), trips: 2, ts: h(5), cr: h(5)}, // latest event
		{id: ptr[int64](2), conv: ptr[float32](0.3), trips: 3, ts: h(5), cr: h(6)}, // same event time,
		{id: ptr[int64](2), conv: ptr[float32](0.4), trips: 4, ts: h(5), cr: h(7)}, // later created wins
		{id: ptr[int64](2), conv: ptr[float32](0.5), trips: 5, ts: h(5), cr: h(5)},
		{id: ptr[int64](3), conv: nil, trips: 6, ts: h(10), cr: h(10)},             // on the end edge, null feature
		{id: ptr[int64](4), conv: ptr[float32](1), trips: 7, ts: h(11), cr: h(11)}, // after the window
		{id: ptr[int64](5), conv: ptr[float32](1), trips: 8, ts: h(0), cr: h(0)},   // on the start edge
		{id: nil, conv: ptr[float32](1), trips: 9, ts: h(2), cr: h(2)},             // null key
	}
	f := newFixture(t, rows, "24h")
	views, _, err := SelectViews(f.objs, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := PlanWindow(views, h(0), h(10))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := f.runner().Run(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	v := sum.Views[0]
	if v.RowsScanned != 8 || v.NullKeys != 1 || v.Entities != 4 || v.Written != 4 || !v.Recorded {
		t.Errorf("result = %+v", v)
	}
	for id, want := range map[int64]int64{1: 2, 2: 4, 3: 6, 5: 8} {
		got := f.read(t, id)
		if !got.Found || trips(t, got.Values[1]) != want {
			t.Errorf("entity %d: trips %d, want %d", id, trips(t, got.Values[1]), want)
		}
	}
	if got := f.read(t, 3); len(got.Values[0]) != 0 || !got.EventTS.Equal(h(10)) {
		t.Errorf("entity 3: null feature stored as %x, ts %v", got.Values[0], got.EventTS)
	}
	if f.read(t, 4).Found {
		t.Error("a row after the window was written")
	}
	iv := f.current(t).Intervals
	if len(iv) != 1 || !iv[0].Start.Equal(h(0)) || !iv[0].End.Equal(h(10)) {
		t.Errorf("intervals = %v", iv)
	}
	if sum.Catalog.CatalogLoads != 1 || sum.Catalog.TableLoads != 1 {
		t.Errorf("catalog stats = %+v", sum.Catalog)
	}
}

func TestFailedWritesNeverAdvanceTheWatermark(t *testing.T) {
	var rows []srcRow
	for i := range int64(20) {
		rows = append(rows, srcRow{id: ptr(i), conv: ptr[float32](1), trips: i, ts: base, cr: base})
	}
	f := newFixture(t, rows, "0")
	f.store.FailAfter, f.store.Err = 3, errors.New("connection reset by peer")
	views, _, _ := SelectViews(f.objs, nil)
	plan, _ := PlanWindow(views, base, base.Add(time.Hour))
	sum, err := f.runner().Run(context.Background(), plan)
	if !errors.Is(err, ErrViewsFailed) || sum.Views[0].Recorded || !strings.Contains(sum.Views[0].Error, "connection reset") {
		t.Fatalf("err %v, result %+v", err, sum.Views[0])
	}
	if n := len(f.current(t).Intervals); n != 0 {
		t.Fatalf("a failed run recorded %d intervals", n)
	}
	// The rerun converges to the full state and records the interval.
	f.store.FailAfter = 0
	sum, err = f.runner().Run(context.Background(), plan)
	if err != nil || !sum.Views[0].Recorded || f.store.Keys() != 20 {
		t.Fatalf("rerun: %v %+v, %d keys", err, sum.Views[0], f.store.Keys())
	}
}

// A store that restarted during the run (without persistence) lost rows: a
// view not yet recorded fails without recording; a view recorded before the
// restart has its interval withdrawn, and the run fails, naming it, instead
// of exiting 0. Either way the watermark stays where the data is.
func TestLostWritesAreNeverRecordedAsWritten(t *testing.T) {
	var rows []srcRow
	for i := range int64(5) {
		rows = append(rows, srcRow{id: ptr(i), conv: ptr[float32](1), trips: i, ts: base, cr: base})
	}
	for _, tt := range []struct {
		name     string
		lostFrom int
		recorded int
		want     string
	}{
		{"restart before the record", 1, 0, "its interval is not recorded"},
		{"restart after the record", 2, 0, "the intervals of stats are withdrawn"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, rows, "0")
			f.store.LostFrom = tt.lostFrom
			views, _, _ := SelectViews(f.objs, nil)
			plan, _ := PlanWindow(views, base, base.Add(time.Hour))
			sum, err := f.runner().Run(context.Background(), plan)
			if !errors.Is(err, onlinestore.ErrDataLost) || errors.Is(err, ErrPartial) || !strings.Contains(err.Error(), tt.want) || sum.Views[0].Error == "" {
				t.Errorf("err %v, view %+v", err, sum.Views[0])
			}
			if n := len(f.current(t).Intervals); n != tt.recorded {
				t.Errorf("%d intervals recorded, want %d", n, tt.recorded)
			}
		})
	}
}

// A run whose vector rebuild fails (or is interrupted, or is killed) says
// which services' vectors it left behind, and the next run finishes them on
// its own, though it writes no row: a full rebuild of those services.
func TestUnfinishedVectorsHealOnRerun(t *testing.T) {
	var rows []srcRow
	for i := range int64(6) {
		rows = append(rows, srcRow{id: ptr(i), conv: ptr[float32](1), trips: i, ts: base, cr: base})
	}
	f := newFixture(t, rows, "0")
	fv, _ := f.objs.FeatureView("stats")
	svc := &registry.FeatureService{Name: "svc", PrecomputeOnline: true,
		Projections: []registry.Projection{{View: "stats", Features: fv.Features}}}
	f.objs.FeatureServices = append(f.objs.FeatureServices, svc)
	views, _, _ := SelectViews(f.objs, nil)
	plan, _ := PlanWindow(views, base, base.Add(time.Hour))
	vectors := func() int {
		keys := [][]byte{}
		for i := range int64(6) {
			keys = append(keys, f.key(i))
		}
		got, err := f.store.ReadViews(context.Background(), keys, []onlinestore.View{precompute.StoreView("svc", []string{"driver_id"})})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range got {
			if r[0].Found {
				n++
			}
		}
		return n
	}
	rebuilt := func(sum *Summary) string {
		var out []string
		for _, p := range sum.Precompute {
			out = append(out, fmt.Sprintf("%s %d healed=%v", p.Service, p.Written, p.Healed))
		}
		return strings.Join(out, "; ")
	}

	runs := 0
	run := func() (*Summary, error) { // each run its own writer, as each process opens its own store
		runs++
		f.store.Owner = fmt.Sprint("run", runs)
		return f.runner().Run(context.Background(), plan)
	}

	f.store.FailAfter, f.store.Err = 3, errors.New("connection reset by peer") // 2 chunks of rows land, then the vectors fail
	sum, err := run()
	if !errors.Is(err, ErrPartial) || fmt.Sprint(sum.VectorsPending) != "[svc]" || vectors() != 0 {
		t.Fatalf("err %v, vectors pending %v, %d vectors; want a partial run with svc pending", err, sum.VectorsPending, vectors())
	}
	f.store.FailAfter = 0
	sum, err = run() // writes nothing: every row is as old as the stored one
	if err != nil || len(sum.VectorsPending) != 0 || rebuilt(sum) != "svc 6 healed=true" || vectors() != 6 {
		t.Errorf("the rerun: %v, pending %v, rebuilt %q, %d vectors; want svc rebuilt in full", err, sum.VectorsPending, rebuilt(sum), vectors())
	}
	if sum, err = run(); err != nil || rebuilt(sum) != "" {
		t.Errorf("a run after the healing one rebuilt %q (%v); want nothing", rebuilt(sum), err)
	}

	// A writer killed after noting its debt (no Release) is healed once it
	// is gone; while it lives, its debt is its own to pay.
	f.store.Owner = "killed"
	if err := precompute.NewTracker(f.objs, f.store).Claim(context.Background(), []string{"stats"}); err != nil {
		t.Fatal(err)
	}
	if sum, err = run(); err != nil || rebuilt(sum) != "" {
		t.Errorf("a live writer's debt was paid by another run: %q (%v)", rebuilt(sum), err)
	}
	f.store.Gone = map[string]bool{"killed": true}
	if sum, err = run(); err != nil || rebuilt(sum) != "svc 6 healed=true" {
		t.Errorf("a killed writer's debt: rebuilt %q (%v), want svc in full", rebuilt(sum), err)
	}
	if ds, _ := f.store.Ledger(onlinestore.VectorDebts).Debts(context.Background()); len(ds) != 0 {
		t.Errorf("the ledger still holds %v", ds)
	}
}

func TestInterruptedRunRecordsNothing(t *testing.T) {
	f := newFixture(t, []srcRow{{id: ptr[int64](1), trips: 1, ts: base, cr: base}}, "0")
	views, _, _ := SelectViews(f.objs, nil)
	plan, _ := PlanWindow(views, base, base.Add(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.runner().Run(ctx, plan)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.current(t).Intervals); n != 0 {
		t.Fatalf("an interrupted run recorded %d intervals", n)
	}
}

// A column that cannot become the feature's type is refused with the table
// named before any row is read; a long column for an Int32 feature is read (as
// Feast reads it) but a value that does not fit fails the view during the
// scan, before any write.
func TestTypeMismatchIsRefusedBeforeAnyWrite(t *testing.T) {
	tests := []struct {
		name string
		vt   feastpb.ValueType_Enum
		want []string
	}{
		{"schema", feastpb.ValueType_STRING, []string{`feature view "stats"`, "feast.driver_stats", `column "trips" is long`, "String"}},
		{"value", feastpb.ValueType_INT32, []string{`feature view "stats"`, `row 11, column "trips": value 1099511627776 does not fit Int32`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// More good rows than a chunk before the bad one: a stream that
			// checked values only as it wrote would have written some.
			var rows []srcRow
			for i := range int64(10) {
				rows = append(rows, srcRow{id: ptr(i), trips: 1, ts: base, cr: base})
			}
			f := newFixture(t, append(rows, srcRow{id: ptr[int64](10), trips: 1 << 40, ts: base, cr: base}), "0")
			fv, _ := f.objs.FeatureView("stats")
			fv.Features[1].Type = tc.vt // the registry's type; the table column is long
			plan, _ := PlanWindow([]*registry.FeatureView{fv}, base, base)
			_, err := f.runner().Run(context.Background(), plan)
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v lacks %q", err, want)
				}
			}
			if f.store.Keys() != 0 {
				t.Error("rows were written although a value did not fit")
			}
		})
	}
}

func TestPlanIncremental(t *testing.T) {
	now := base.Add(100 * 24 * time.Hour)
	end := now
	mk := func(name string, ttl time.Duration, last time.Time) *registry.FeatureView {
		fv := &registry.FeatureView{Name: name, TTL: ttl, Online: true}
		if !last.IsZero() {
			fv.Intervals = []registry.Interval{{Start: last.Add(-time.Hour), End: last}}
		}
		return fv
	}
	p := PlanIncremental([]*registry.FeatureView{
		mk("ttl", 48*time.Hour, time.Time{}),
		mk("no-ttl", 0, time.Time{}),
		mk("resumed", time.Hour, now.Add(-5*time.Hour)),
		mk("ahead", 0, now.Add(time.Hour)),
	}, end, now)
	want := map[string]time.Time{"ttl": now.Add(-48 * time.Hour), "no-ttl": now.Add(-DefaultLookback), "resumed": now.Add(-5 * time.Hour)}
	if len(p.Tasks) != 3 || len(p.Skipped) != 1 || p.Skipped[0].View != "ahead" {
		t.Fatalf("plan = %+v", p)
	}
	for _, task := range p.Tasks {
		if !task.Start.Equal(want[task.View.Name]) || !task.End.Equal(end) {
			t.Errorf("%s: [%v, %v], want start %v", task.View.Name, task.Start, task.End, want[task.View.Name])
		}
	}
	if _, err := PlanWindow(nil, now, now.Add(-time.Second)); err == nil {
		t.Error("start after end accepted")
	}
}

func TestSelectViews(t *testing.T) {
	o := &registry.Objects{Project: "p", FeatureViews: []*registry.FeatureView{
		{Name: "on", Online: true}, {Name: "off", Online: false}, {Name: "offline", Offline: true},
		{Name: "disabled", Online: true, Disabled: true},
	}}
	got, _, err := SelectViews(o, nil)
	if err != nil || len(got) != 1 || got[0].Name != "on" {
		t.Errorf("default selection = %v, %v", got, err)
	}
	_, skipped, err := SelectViews(o, []string{"on", "offline"})
	if err != nil || len(skipped) != 1 {
		t.Errorf("offline-only view: %v %v", skipped, err)
	}
	for _, bad := range [][]string{{"nope"}, {"disabled"}, {"off"}} {
		if _, _, err := SelectViews(o, bad); err == nil {
			t.Errorf("--views %v accepted", bad)
		}
	}
}

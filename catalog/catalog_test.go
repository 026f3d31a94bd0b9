package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/feast-go/feast-go/internal/icebergtest"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
)

var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var statsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "driver_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "conv_rate", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "acc_rate", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "trips", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "event_timestamp", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "created", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
}, nil)

// statsRows builds one row per (hour, driver) for hours [from, to): driver ids
// 1000.., event time base+hour, created one minute later. Driver 1000+nullKeyAt
// gets a null key and null features when nullKeyAt >= 0.
func statsRows(from, to, drivers int, nullKeyAt int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, statsSchema)
	defer b.Release()
	for h := from; h < to; h++ {
		ts := base.Add(time.Duration(h) * time.Hour)
		for d := 0; d < drivers; d++ {
			if d == nullKeyAt {
				b.Field(0).AppendNull()
				b.Field(1).AppendNull()
			} else {
				b.Field(0).(*array.Int64Builder).Append(int64(1000 + d))
				b.Field(1).(*array.Float32Builder).Append(float32(h) / 100)
			}
			b.Field(2).(*array.Float64Builder).Append(float64(d) / 10)
			b.Field(3).(*array.Int64Builder).Append(int64(h*1000 + d))
			b.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixMicro()))
			b.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(ts.Add(time.Minute).UnixMicro()))
		}
	}
	return b.NewRecordBatch()
}

func icebergSource(c *icebergtest.Catalog, table string) *registry.DataSource {
	return &registry.DataSource{
		Name: table + "_source", Type: registry.SourceIceberg, TimestampField: "event_timestamp", CreatedTimestampColumn: "created",
		Iceberg: &registry.IcebergOptions{CatalogType: "sql", CatalogName: c.Name, Endpoint: c.Endpoint(), Warehouse: c.Warehouse, Namespace: "feast", Table: table},
	}
}

func statsView(src *registry.DataSource) *registry.FeatureView {
	return &registry.FeatureView{
		Name: "driver_hourly_stats", BatchSource: src, Online: true,
		EntityColumns: []registry.Field{{Name: "driver_id", Type: feastpb.ValueType_INT64}},
		Features: []registry.Field{
			{Name: "conv_rate", Type: feastpb.ValueType_FLOAT}, {Name: "acc_rate", Type: feastpb.ValueType_DOUBLE},
			{Name: "trips", Type: feastpb.ValueType_INT64},
		},
	}
}

func noEnv(string) (string, bool) { return "", false }

type scanned struct {
	rows, nullKeys int
	fields         int // columns of the batches
	minTS, maxTS   time.Time
}

func drain(t *testing.T, vs *ViewScan) scanned {
	t.Helper()
	var s scanned
	for rec, err := range vs.Batches {
		if err != nil {
			t.Fatal(err)
		}
		s.fields = int(rec.NumCols())
		idx := rec.Schema().FieldIndices(vs.Columns.Timestamp)[0]
		read, err := TimeReader(rec.Column(idx))
		if err != nil {
			t.Fatal(err)
		}
		keys := rec.Column(rec.Schema().FieldIndices(vs.Columns.JoinKeys[0])[0])
		for i := 0; i < int(rec.NumRows()); i++ {
			ts, _ := read(i)
			if s.rows == 0 || ts.Before(s.minTS) {
				s.minTS = ts
			}
			if ts.After(s.maxTS) {
				s.maxTS = ts
			}
			if keys.IsNull(i) {
				s.nullKeys++
			}
			s.rows++
		}
		rec.Release()
	}
	return s
}

func TestScanWindowPrunesAndIsInclusive(t *testing.T) {
	for _, partitioned := range []bool{true, false} {
		t.Run(fmt.Sprintf("partitioned=%v", partitioned), func(t *testing.T) {
			dir := t.TempDir()
			c := icebergtest.NewCatalog(t, dir, "local")
			part := ""
			if partitioned {
				part = "event_timestamp"
			}
			tbl := c.Table(t, "feast", "driver_stats", statsSchema, part, nil)
			// Three snapshots, 10 days of hourly rows for 20 drivers; driver 1003 has null keys.
			for _, r := range [][2]int{{0, 72}, {72, 168}, {168, 240}} {
				tbl = icebergtest.Append(t, tbl, statsRows(r[0], r[1], 20, 3))
			}
			cache := NewCache()
			defer func() { _ = cache.Close() }()
			src := icebergSource(c, "driver_stats")
			cfg, err := ConfigFor(src, dir, noEnv)
			if err != nil {
				t.Fatal(err)
			}
			start, end := base.Add(100*time.Hour), base.Add(130*time.Hour) // both are row times
			vs, err := cache.ScanView(context.Background(), statsView(src), cfg, start, end, ScanOptions{Concurrency: 2, BatchSize: 100})
			if err != nil {
				t.Fatal(err)
			}
			got := drain(t, vs)
			if want := 31 * 20; got.rows != want {
				t.Errorf("rows = %d, want %d (31 hours inclusive × 20 drivers)", got.rows, want)
			}
			if !got.minTS.Equal(start) || !got.maxTS.Equal(end) {
				t.Errorf("window [%v, %v], want both edges [%v, %v]", got.minTS, got.maxTS, start, end)
			}
			if got.nullKeys != 31 {
				t.Errorf("null keys = %d, want 31 (they are the caller's to skip and count)", got.nullKeys)
			}
			if vs.FilesPlanned >= vs.FilesTotal || vs.FilesTotal <= 0 {
				t.Errorf("planned %d of %d files: the window did not prune", vs.FilesPlanned, vs.FilesTotal)
			}
			if got.fields != 6 {
				t.Errorf("projection has %d columns, want the 6 the view needs", got.fields)
			}
		})
	}
}

// scanWithDeletes scans 47 hours of a merge-on-read table holding files
// (one append each), from which driver 1004 was then deleted.
func scanWithDeletes(t *testing.T, opts ScanOptions, files ...arrow.RecordBatch) *ViewScan {
	t.Helper()
	dir := t.TempDir()
	c := icebergtest.NewCatalog(t, dir, "local")
	tbl := c.Table(t, "feast", "driver_stats", statsSchema, "event_timestamp",
		iceberg.Properties{"format-version": "2", table.WriteDeleteModeKey: "merge-on-read"})
	for _, f := range files {
		tbl = icebergtest.Append(t, tbl, f)
	}
	_ = icebergtest.Delete(t, tbl, iceberg.EqualTo(iceberg.Reference("driver_id"), int64(1004)))
	src := icebergSource(c, "driver_stats")
	cfg, _ := ConfigFor(src, dir, noEnv)
	cache := NewCache()
	t.Cleanup(func() { _ = cache.Close() })
	vs, err := cache.ScanView(context.Background(), statsView(src), cfg, base, base.Add(47*time.Hour), opts)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestScanAppliesPositionDeletes(t *testing.T) {
	vs := scanWithDeletes(t, ScanOptions{}, statsRows(0, 48, 10, -1))
	if got := drain(t, vs).rows; got != 48*9 {
		t.Errorf("rows = %d, want %d (driver 1004 deleted)", got, 48*9)
	}
}

// Reads of one plan with different columns yield the same rows in the same
// order (what materialize's second read relies on): across files, with
// deletes applied, two readers at once, and small batches.
func TestReadsAgreeAcrossProjections(t *testing.T) {
	vs := scanWithDeletes(t, ScanOptions{Concurrency: 2, BatchSize: 7}, statsRows(0, 48, 10, -1), statsRows(0, 48, 10, 7))
	rows := func(fields ...string) (out []string) {
		for rec, err := range vs.Read(fields...) {
			if err != nil {
				t.Fatal(err)
			}
			ids := rec.Column(rec.Schema().FieldIndices("driver_id")[0])
			ts := rec.Column(rec.Schema().FieldIndices("event_timestamp")[0])
			for i := range int(rec.NumRows()) {
				out = append(out, ids.ValueStr(i)+" "+ts.ValueStr(i))
			}
			rec.Release()
		}
		return out
	}
	narrow, all := rows("driver_id", "event_timestamp"), rows()
	if len(narrow) != 2*48*9 || strings.Join(narrow, "\n") != strings.Join(all, "\n") {
		t.Errorf("%d rows with two columns, %d with all (want %d each, in the same order)", len(narrow), len(all), 2*48*9)
	}
}

func TestScanTimeTypes(t *testing.T) {
	tests := []struct {
		name string
		typ  arrow.DataType
		val  func(time.Time) any
		want int
	}{
		{"timestamp without zone is UTC", &arrow.TimestampType{Unit: arrow.Microsecond}, func(t time.Time) any { return arrow.Timestamp(t.UnixMicro()) }, 25},
		{"timestamp in ms written", &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, func(t time.Time) any { return arrow.Timestamp(t.UnixMilli()) }, 25},
		{"date", arrow.FixedWidthTypes.Date32, func(t time.Time) any { return arrow.Date32FromTime(t) }, 1}, // only day 1's midnight is in [day 0 12:00, day 1 12:00]
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := arrow.NewSchema([]arrow.Field{
				{Name: "driver_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
				{Name: "trips", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
				{Name: "ts", Type: tt.typ, Nullable: true},
			}, nil)
			b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
			for h := 0; h < 72; h++ {
				ts := base.Add(time.Duration(h) * time.Hour)
				if _, isDate := tt.typ.(*arrow.Date32Type); isDate && h%24 != 0 {
					continue
				}
				b.Field(0).(*array.Int64Builder).Append(1)
				b.Field(1).(*array.Int64Builder).Append(int64(h))
				switch v := tt.val(ts).(type) {
				case arrow.Timestamp:
					b.Field(2).(*array.TimestampBuilder).Append(v)
				case arrow.Date32:
					b.Field(2).(*array.Date32Builder).Append(v)
				}
			}
			rec := b.NewRecordBatch()
			b.Release()
			dir := t.TempDir()
			c := icebergtest.NewCatalog(t, dir, "local")
			icebergtest.Append(t, c.Table(t, "feast", "t", sc, "", nil), rec)
			src := icebergSource(c, "t")
			src.TimestampField, src.CreatedTimestampColumn = "ts", ""
			fv := &registry.FeatureView{Name: "v", BatchSource: src,
				EntityColumns: []registry.Field{{Name: "driver_id", Type: feastpb.ValueType_INT64}},
				Features:      []registry.Field{{Name: "trips", Type: feastpb.ValueType_INT64}}}
			cfg, _ := ConfigFor(src, dir, noEnv)
			cache := NewCache()
			defer func() { _ = cache.Close() }()
			vs, err := cache.ScanView(context.Background(), fv, cfg, base.Add(12*time.Hour), base.Add(36*time.Hour), ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := drain(t, vs).rows; got != tt.want {
				t.Errorf("rows = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestScanFieldMapping(t *testing.T) {
	dir := t.TempDir()
	c := icebergtest.NewCatalog(t, dir, "local")
	icebergtest.Append(t, c.Table(t, "feast", "driver_stats", statsSchema, "", nil), statsRows(0, 2, 3, -1))
	src := icebergSource(c, "driver_stats")
	src.FieldMapping = map[string]string{"trips": "avg_daily_trips", "driver_id": "driver"}
	fv := statsView(src)
	fv.EntityColumns[0].Name = "driver"
	fv.Features[2].Name = "avg_daily_trips"
	cols := ResolveColumns(fv)
	if cols.JoinKeys[0] != "driver_id" || cols.Features[2] != "trips" {
		t.Fatalf("columns = %+v", cols)
	}
	cfg, _ := ConfigFor(src, dir, noEnv)
	cache := NewCache()
	defer func() { _ = cache.Close() }()
	vs, err := cache.ScanView(context.Background(), fv, cfg, base, base.Add(time.Hour), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(t, vs).rows; got != 6 {
		t.Errorf("rows = %d, want 6", got)
	}
}

func TestSchemaErrors(t *testing.T) {
	dir := t.TempDir()
	c := icebergtest.NewCatalog(t, dir, "local")
	icebergtest.Append(t, c.Table(t, "feast", "driver_stats", statsSchema, "", nil), statsRows(0, 1, 1, -1))
	src := icebergSource(c, "driver_stats")
	cfg, _ := ConfigFor(src, dir, noEnv)
	cache := NewCache()
	defer func() { _ = cache.Close() }()
	tests := []struct {
		name string
		edit func(*registry.FeatureView)
		want []string
	}{
		{"missing feature column", func(fv *registry.FeatureView) { fv.Features[0].Name = "nope" },
			[]string{`feature view "driver_hourly_stats"`, "feast.driver_stats", `no column "nope"`, "expected Float32"}},
		{"feature type", func(fv *registry.FeatureView) { fv.Features[0].Type = feastpb.ValueType_STRING },
			[]string{`column "conv_rate" is float`, "dtype String"}},
		{"join key type", func(fv *registry.FeatureView) { fv.EntityColumns[0].Type = feastpb.ValueType_STRING },
			[]string{`column "driver_id" is long`, "join key's dtype String"}},
		{"double key", func(fv *registry.FeatureView) { fv.EntityColumns[0].Type = feastpb.ValueType_DOUBLE },
			[]string{`column "driver_id" is long`, "join key's dtype Float64"}},
		{"timestamp column type", func(fv *registry.FeatureView) {
			s := *fv.BatchSource
			s.TimestampField = "trips"
			fv.BatchSource = &s
		}, []string{`column "trips" is long`, "timestamp, timestamptz or date"}},
		{"missing created column", func(fv *registry.FeatureView) {
			s := *fv.BatchSource
			s.CreatedTimestampColumn = "created_at"
			fv.BatchSource = &s
		}, []string{`no column "created_at"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fv := statsView(src)
			tt.edit(fv)
			_, err := cache.ScanView(context.Background(), fv, cfg, base, base.Add(time.Hour), ScanOptions{})
			if !errors.Is(err, ErrSchema) {
				t.Fatalf("error %v is not ErrSchema", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestCacheLoadsOncePerCatalogAndTable(t *testing.T) {
	dir := t.TempDir()
	c := icebergtest.NewCatalog(t, dir, "local")
	for _, name := range []string{"t0", "t1", "t2"} {
		icebergtest.Append(t, c.Table(t, "feast", name, statsSchema, "", nil), statsRows(0, 1, 2, -1))
	}
	cache := NewCache()
	defer func() { _ = cache.Close() }()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 { // 20 feature views over 3 tables, scanned concurrently
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := icebergSource(c, fmt.Sprintf("t%d", i%3))
			cfg, err := ConfigFor(src, dir, noEnv)
			if err == nil {
				var vs *ViewScan
				if vs, err = cache.ScanView(context.Background(), statsView(src), cfg, base, base, ScanOptions{}); err == nil {
					for rec, e := range vs.Batches {
						if e != nil {
							err = e
							break
						}
						rec.Release()
					}
				}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if s := cache.Stats(); s.CatalogLoads != 1 || s.TableLoads != 3 {
		t.Errorf("stats = %+v, want 1 catalog load and 3 table loads", s)
	}
	// A different configuration is a different catalog.
	src := icebergSource(c, "t0")
	src.Iceberg.CatalogProperties = map[string]string{"x": "1"}
	cfg, _ := ConfigFor(src, dir, noEnv)
	if _, err := cache.Catalog(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if s := cache.Stats(); s.CatalogLoads != 2 {
		t.Errorf("catalog loads = %d after a config change, want 2", s.CatalogLoads)
	}
}

func TestCatalogErrors(t *testing.T) {
	dir := t.TempDir()
	c := icebergtest.NewCatalog(t, dir, "local")
	c.Table(t, "feast", "exists", statsSchema, "", nil)
	cache := NewCache()
	defer func() { _ = cache.Close() }()
	ctx := context.Background()

	src := icebergSource(c, "missing")
	cfg, _ := ConfigFor(src, dir, noEnv)
	_, err := cache.ScanView(ctx, statsView(src), cfg, base, base, ScanOptions{})
	if !errors.Is(err, ErrTableNotFound) || !strings.Contains(err.Error(), "feast.missing") {
		t.Errorf("missing table: %v", err)
	}
	src = icebergSource(c, "exists")
	src.Iceberg.Endpoint = "sqlite:///" + filepath.Join(dir, "nope.db")
	cfg, _ = ConfigFor(src, dir, noEnv)
	if _, err := cache.Catalog(ctx, cfg); err == nil || !strings.Contains(err.Error(), "nope.db") {
		t.Errorf("missing catalog database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "nope.db")); !os.IsNotExist(err) {
		t.Error("opening a missing catalog database created it")
	}
}

func TestConfigFor(t *testing.T) {
	env := func(k string) (string, bool) {
		if k == "TOK" {
			return "s3cr3t", true
		}
		return "", false
	}
	mk := func(ct, endpoint, wh string) *registry.DataSource {
		return &registry.DataSource{Name: "s", Iceberg: &registry.IcebergOptions{CatalogType: ct, CatalogName: "n", Endpoint: endpoint, Warehouse: wh, Namespace: "ns", Table: "t"}}
	}
	tests := []struct {
		name, ct, endpoint, wh string
		wantURI, wantWH        string
	}{
		{"sqlite relative", "sql", "sqlite:///data/catalog.db", "data/wh", "file:/repo/data/catalog.db?mode=rw&_pragma=busy_timeout(10000)", "file:///repo/data/wh"},
		{"sqlite absolute", "sql", "sqlite:////abs/c.db", "s3://bucket/wh", "file:/abs/c.db?mode=rw&_pragma=busy_timeout(10000)", "s3://bucket/wh"},
		{"postgres", "sql", "postgresql+psycopg://u:p@db:5432/cat", "/wh", "postgresql://u:p@db:5432/cat?connect_timeout=10", "file:///wh"},
		{"postgres keeps its timeout", "sql", "postgresql://u:p@db/cat?connect_timeout=3", "/wh", "postgresql://u:p@db/cat?connect_timeout=3", "file:///wh"},
		{"rest", "rest", "http://cat:8181", "", "http://cat:8181", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ConfigFor(mk(tt.ct, tt.endpoint, tt.wh), "/repo", env)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.URI != tt.wantURI || cfg.Warehouse != tt.wantWH {
				t.Errorf("uri %q warehouse %q, want %q %q", cfg.URI, cfg.Warehouse, tt.wantURI, tt.wantWH)
			}
		})
	}
	src := mk("rest", "http://cat:8181", "")
	src.Iceberg.TokenEnvVar = "TOK"
	cfg, err := ConfigFor(src, "/repo", env)
	if err != nil || cfg.Props["token"] != "s3cr3t" {
		t.Fatalf("token: %v %v", cfg.Props, err)
	}
	other := cfg
	other.Props = map[string]string{"token": "different"}
	if cfg.Key() == other.Key() || strings.Contains(cfg.Key(), "s3cr3t") || strings.Contains(cfg.String(), "s3cr3t") {
		t.Error("credentials must change the key and never appear in it")
	}
	pg, _ := ConfigFor(mk("sql", "postgresql://u:hunter2@db/c", ""), "/repo", env)
	if strings.Contains(pg.String(), "hunter2") {
		t.Errorf("String() leaks the password: %s", pg)
	}
	src.Iceberg.TokenEnvVar = "UNSET"
	if _, err := ConfigFor(src, "/repo", env); err == nil || !strings.Contains(err.Error(), "UNSET") {
		t.Errorf("unset token env var: %v", err)
	}
	for _, bad := range []*registry.DataSource{mk("dynamodb", "", ""), mk("sql", "mysql://x", ""), mk("rest", "", "")} {
		if _, err := ConfigFor(bad, "/repo", env); err == nil {
			t.Errorf("ConfigFor(%+v) gave no error", bad.Iceberg)
		}
	}
}

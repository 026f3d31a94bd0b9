package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	"github.com/apache/iceberg-go/table"
	"github.com/feast-go/feast-go/internal/sqlitefile"

	_ "modernc.org/sqlite"
)

// Sizes of the sample data.
const (
	Drivers   = 200
	Customers = 100
	Hours     = 72
)

// Summary says what Write wrote.
type Summary struct {
	Dir      string `json:"dir"`
	Tables   int    `json:"tables"`
	Rows     int    `json:"rows"`
	Entities int    `json:"entities"`
}

const featureStore = `# A feast-go demo repository (feast-go init). Feast reads it too.
project: demo
registry: data/registry.db
provider: local
online_store:
  type: sqlite
  path: data/online.db
offline_store:
  type: duckdb
entity_key_serialization_version: 3
`

const definitions = `# Feast objects of the demo, in feast-go's YAML form of Feast's constructors.
entities:
  - name: driver
    join_keys: [driver_id]
    value_type: INT64
    description: A driver of the demo fleet
  - name: customer
    join_keys: [customer_id]
    value_type: STRING

data_sources:
  - name: driver_stats_source
    iceberg: {catalog_type: sql, catalog_name: demo, endpoint: "sqlite:///data/catalog.db", warehouse: data/warehouse, namespace: demo, table: driver_stats}
    timestamp_field: event_timestamp
    created_timestamp_column: created
  - name: driver_profile_source
    iceberg: {catalog_type: sql, catalog_name: demo, endpoint: "sqlite:///data/catalog.db", warehouse: data/warehouse, namespace: demo, table: driver_profile}
    timestamp_field: event_timestamp
  - name: customer_profile_source
    iceberg: {catalog_type: sql, catalog_name: demo, endpoint: "sqlite:///data/catalog.db", warehouse: data/warehouse, namespace: demo, table: customer_profile}
    timestamp_field: event_timestamp
  - name: driver_stats_push
    push: {batch_source: driver_stats_source}

feature_views:
  - name: driver_hourly_stats
    entities: [driver]
    ttl: 2d
    source: driver_stats_source
    schema:
      - {name: conv_rate, dtype: Float32}
      - {name: acc_rate, dtype: Float64}
      - {name: avg_daily_trips, dtype: Int64}
  - name: driver_profile
    entities: [driver]
    ttl: 7d
    source: driver_profile_source
    schema:
      - {name: rating, dtype: Float64}
      - {name: vehicle, dtype: String}
  - name: driver_live
    entities: [driver]
    ttl: 2h
    source: driver_stats_push           # fed by feast-go push; materialized from the batch table too
    schema:
      - {name: conv_rate, dtype: Float32}
  - name: customer_profile
    entities: [customer]
    ttl: 0
    source: customer_profile_source
    schema:
      - {name: age, dtype: Int32}
      - {name: tier, dtype: String}

feature_services:
  - name: driver_activity
    features: [driver_hourly_stats, "driver_profile:[rating]"]
    precompute_online: true
  - name: customer_view
    features: [customer_profile]
`

// demoMarker marks a folder init wrote: only there may init replace a catalog.
const demoMarker = ".feast-go-demo"

// markerPrefix starts the marker's line; the folder init wrote follows.
const markerPrefix = "written by feast-go init in "

// ErrCopied is a demo repository used from another folder than the one
// init wrote it in.
var ErrCopied = errors.New("this demo repository was copied or moved")

// CheckNotCopied reports ErrCopied when dir holds a demo that init wrote in
// another folder. Iceberg records absolute locations, so the copy's
// catalog still names the original's files: an append from the copy would
// land in the original's tables. Folders init did not write pass.
func CheckNotCopied(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, demoMarker))
	if err != nil {
		return nil
	}
	orig, ok := strings.CutPrefix(strings.TrimSpace(string(b)), markerPrefix)
	if !ok {
		return nil // written by an older init, which did not say where
	}
	here, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if same(orig, here) {
		return nil
	}
	return fmt.Errorf("%w: feast-go init wrote it in %s, and its Iceberg catalog (data/catalog.db) still points at the tables there, so an append from %s would land in them; run `feast-go init --force` here for tables of its own", ErrCopied, orig, here)
}

// same reports whether two paths name one folder (links resolved).
func same(a, b string) bool {
	if a == b {
		return true
	}
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

// checkTargets refuses to write through a symbolic link (it could point out
// of the folder) and to replace a catalog that an earlier init did not write.
func checkTargets(dir, dbPath string) error {
	for _, p := range []string{filepath.Join(dir, "feature_store.yaml"), filepath.Join(dir, "definitions.yaml"), filepath.Join(dir, demoMarker), dbPath} {
		if st, err := os.Lstat(p); err == nil && st.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link; init does not write through links", p)
		}
	}
	if _, err := os.Stat(dbPath); err == nil {
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("%s exists and was not written by feast-go init; init never replaces a catalog (move it away first)", dbPath)
		}
	}
	return nil
}

// Write creates the repository in dir with data for the Hours hours ending at
// now's hour. The values depend only on the entity and the hour offset.
func Write(ctx context.Context, dir string, now time.Time) (*Summary, error) {
	data := filepath.Join(dir, "data")
	dbPath := filepath.Join(data, "catalog.db")
	if err := checkTargets(dir, dbPath); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(data, "warehouse"), 0o755); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for name, body := range map[string]string{"feature_store.yaml": featureStore, "definitions.yaml": definitions, demoMarker: markerPrefix + abs + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return nil, err
		}
	}
	_ = os.Remove(dbPath) // a catalog of an earlier demo (checkTargets)
	db, err := sql.Open("sqlite", sqlitefile.URI(dbPath, "_pragma=busy_timeout(10000)"))
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()
	cat, err := sqlcat.NewCatalog("demo", db, sqlcat.SQLite, iceberg.Properties{"warehouse": "file://" + filepath.Join(data, "warehouse")})
	if err != nil {
		return nil, fmt.Errorf("iceberg catalog: %w", err)
	}
	if err := cat.CreateNamespace(ctx, table.Identifier{"demo"}, nil); err != nil {
		return nil, fmt.Errorf("iceberg namespace: %w", err)
	}
	end := now.UTC().Truncate(time.Hour)
	sum := &Summary{Dir: dir, Entities: Drivers + Customers}
	for _, t := range []struct {
		name string
		rec  arrow.RecordBatch
		part string
	}{
		{"driver_stats", driverStats(end), "event_timestamp"},
		{"driver_profile", driverProfile(end), ""},
		{"customer_profile", customerProfile(end), ""},
	} {
		n, err := writeTable(ctx, cat, t.name, t.rec, t.part)
		t.rec.Release()
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", t.name, err)
		}
		sum.Rows += n
		sum.Tables++
	}
	return sum, nil
}

func writeTable(ctx context.Context, cat *sqlcat.Catalog, name string, rec arrow.RecordBatch, partDay string) (int, error) {
	sc, err := table.ArrowSchemaToIcebergWithFreshIDs(rec.Schema(), false)
	if err != nil {
		return 0, err
	}
	var opts []icecat.CreateTableOpt
	if partDay != "" {
		spec, err := iceberg.NewPartitionSpecOpts(iceberg.AddPartitionFieldByName(partDay, partDay+"_day", iceberg.DayTransform{}, sc, nil))
		if err != nil {
			return 0, err
		}
		opts = append(opts, icecat.WithPartitionSpec(&spec))
	}
	tbl, err := cat.CreateTable(ctx, table.Identifier{"demo", name}, sc, opts...)
	if err != nil {
		return 0, err
	}
	rdr, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	if err != nil {
		return 0, err
	}
	defer rdr.Release()
	if _, err := tbl.Append(ctx, rdr, nil); err != nil {
		return 0, err
	}
	return int(rec.NumRows()), nil
}

var tsType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

func driverStats(end time.Time) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "driver_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "conv_rate", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "acc_rate", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "avg_daily_trips", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "event_timestamp", Type: tsType},
		{Name: "created", Type: tsType},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for h := Hours - 1; h >= 0; h-- {
		ts := end.Add(-time.Duration(h) * time.Hour)
		for d := range Drivers {
			rng := rand.New(rand.NewPCG(uint64(d), uint64(h)))
			b.Field(0).(*array.Int64Builder).Append(int64(1001 + d))
			b.Field(1).(*array.Float32Builder).Append(float32(rng.IntN(1000)) / 1000)
			b.Field(2).(*array.Float64Builder).Append(float64(rng.IntN(1000)) / 1000)
			b.Field(3).(*array.Int64Builder).Append(int64(rng.IntN(50)))
			b.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixMicro()))
			b.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(ts.Add(time.Minute).UnixMicro()))
		}
	}
	return b.NewRecordBatch()
}

func driverProfile(end time.Time) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "driver_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "rating", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "vehicle", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "event_timestamp", Type: tsType},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	vehicles := []string{"sedan", "van", "bike", "électrique"}
	for d := range Drivers {
		b.Field(0).(*array.Int64Builder).Append(int64(1001 + d))
		b.Field(1).(*array.Float64Builder).Append(3 + float64(d%21)/10)
		b.Field(2).(*array.StringBuilder).Append(vehicles[d%len(vehicles)])
		b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(end.Add(-24 * time.Hour).UnixMicro()))
	}
	return b.NewRecordBatch()
}

func customerProfile(end time.Time) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "customer_id", Type: arrow.BinaryTypes.String},
		{Name: "age", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "tier", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "event_timestamp", Type: tsType},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	tiers := []string{"gold", "silver", "bronze"}
	for c := range Customers {
		b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("c%03d", c+1))
		b.Field(1).(*array.Int32Builder).Append(int32(18 + c%60))
		b.Field(2).(*array.StringBuilder).Append(tiers[c%len(tiers)])
		b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(end.Add(-time.Duration(c%48) * time.Hour).UnixMicro()))
	}
	return b.NewRecordBatch()
}

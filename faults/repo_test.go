package faults

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/feast-go/feast-go/internal/icebergtest"
	"github.com/feast-go/feast-go/internal/testenv"
)

// The repository every trial copies: one Iceberg table of two rows per
// driver, three views over it through a push source, and a precomputed
// service over two of them. Definitions B remove view "profile", as the
// concurrent apply does.
const (
	project   = "faults"
	service   = "svc"
	removable = "profile"
)

var views = map[string][]string{
	"stats":   {"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"},
	"rating":  {"rating", "age"},
	"profile": {"name"},
}

func definitions(withProfile bool) string {
	var b strings.Builder
	b.WriteString(`entities:
  - {name: driver, join_keys: [driver_id], value_type: INT64}
data_sources:
  - name: rows
    iceberg: {catalog_type: sql, catalog_name: faults, endpoint: "sqlite:///data/catalog.db", warehouse: data/warehouse, namespace: faults, table: rows}
    timestamp_field: event_timestamp
    created_timestamp_column: created
  - name: rows_push
    push: {batch_source: rows}
feature_views:
`)
	types := map[string]string{"rating": "Float32", "age": "Int32", "name": "String"}
	for _, v := range []string{"stats", "rating", "profile"} {
		if v == removable && !withProfile {
			continue
		}
		fmt.Fprintf(&b, "  - name: %s\n    entities: [driver]\n    ttl: 0\n    source: rows_push\n    schema:\n", v)
		for _, f := range views[v] {
			typ := types[f]
			if typ == "" {
				typ = "Float64"
			}
			fmt.Fprintf(&b, "      - {name: %s, dtype: %s}\n", f, typ)
		}
	}
	fmt.Fprintf(&b, "feature_services:\n  - {name: %s, features: [stats, rating], precompute_online: true}\n", service)
	return b.String()
}

// template writes the shared data (catalog and warehouse) once and returns
// its folder; trials copy its catalog, whose tables point here.
func template(t testing.TB, dir string, drivers int, end time.Time) {
	t.Helper()
	c := icebergtest.NewCatalog(t, filepath.Join(dir, "data"), "faults")
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "driver_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "event_timestamp", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "created", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "f0", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f1", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f2", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f3", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f4", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f5", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f6", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f7", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f8", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f9", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "rating", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "age", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	tbl := c.Table(t, "faults", "rows", sc, "event_timestamp", nil)
	rng := rand.New(rand.NewPCG(1, 2)) // the data is the same in every run
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for id := range int64(drivers) {
		for range 2 { // two rows per driver: the latest must win
			ts := end.Add(-time.Duration(rng.Int64N(int64(47 * time.Hour)))).Truncate(time.Microsecond)
			b.Field(0).(*array.Int64Builder).Append(id)
			b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixMicro()))
			b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixMicro()))
			for f := 3; f < 13; f++ {
				if rng.IntN(50) == 0 {
					b.Field(f).AppendNull()
				} else {
					b.Field(f).(*array.Float64Builder).Append(rng.NormFloat64())
				}
			}
			b.Field(13).(*array.Float32Builder).Append(rng.Float32() * 5)
			b.Field(14).(*array.Int32Builder).Append(int32(20 + rng.IntN(50)))
			b.Field(15).(*array.StringBuilder).Append(fmt.Sprintf("driver-%d", id))
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	icebergtest.Append(t, tbl, rec)
}

// newRepo makes a trial's repository in a fresh folder: the template's
// catalog, definitions (with or without view profile) and a
// feature_store.yaml pointing at redisAddr, then applies it.
func newRepo(t testing.TB, tmpl, redisAddr string, withProfile bool) string {
	t.Helper()
	cfg := fmt.Sprintf("project: %s\nregistry: data/registry.db\nprovider: local\nonline_store:\n  type: redis\n  connection_string: %s\noffline_store:\n  type: duckdb\nentity_key_serialization_version: 3\n", project, redisAddr)
	return newRepoWith(t, tmpl, cfg, withProfile)
}

// newRepoWith is newRepo with its own feature_store.yaml.
func newRepoWith(t testing.TB, tmpl, cfg string, withProfile bool) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	cat, err := os.ReadFile(filepath.Join(tmpl, "data", "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"data/catalog.db":    cat,
		"feature_store.yaml": []byte(cfg),
		"definitions.yaml":   []byte(definitions(withProfile)),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Run(t, dir, binary, "apply", "-q")
	return dir
}

package catalog

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog/hadoop"
	"github.com/feast-go/feast-go/internal/icebergtest"
)

// TestScanNanosecondTimestamps: a format-v3 table with timestamptz_ns.
func TestScanNanosecondTimestamps(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "driver_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "conv_rate", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "acc_rate", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "trips", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "event_timestamp", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "created", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	for i := range 10 {
		ts := base.Add(time.Duration(i)*time.Second + 1) // one nanosecond past each second
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.Float32Builder).Append(1)
		b.Field(2).(*array.Float64Builder).Append(1)
		b.Field(3).(*array.Int64Builder).Append(1)
		b.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixNano()))
		b.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixNano()))
	}
	rec := b.NewRecordBatch()
	b.Release()
	dir := t.TempDir()
	c := icebergtest.NewCatalog(t, dir, "local")
	icebergtest.Append(t, c.Table(t, "feast", "ns", sc, "", iceberg.Properties{"format-version": "3"}), rec)
	src := icebergSource(c, "ns")
	cfg, _ := ConfigFor(src, dir, noEnv)
	cache := NewCache()
	defer func() { _ = cache.Close() }()
	// [second 2 + 1ns, second 5 + 1ns] holds rows 2..5 exactly.
	vs, err := cache.ScanView(context.Background(), statsView(src), cfg, base.Add(2*time.Second+1), base.Add(5*time.Second+1), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := drain(t, vs)
	if got.rows != 4 || !got.minTS.Equal(base.Add(2*time.Second+1)) {
		t.Errorf("rows %d from %v, want 4 from second 2 + 1ns", got.rows, got.minTS)
	}
}

// TestHadoopCatalog reads a table from iceberg-go's directory catalog.
func TestHadoopCatalog(t *testing.T) {
	dir := t.TempDir()
	wh := "file://" + filepath.Join(dir, "wh")
	cat, err := hadoop.NewCatalog("h", wh, iceberg.Properties{"warehouse": wh})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tbl := icebergtest.CreateTable(t, cat, "feast", "driver_stats", statsSchema, "", nil)
	icebergtest.Append(t, tbl, statsRows(0, 24, 4, -1))
	src := icebergSource(&icebergtest.Catalog{Name: "h"}, "driver_stats")
	src.Iceberg.CatalogType, src.Iceberg.Endpoint, src.Iceberg.Warehouse = "hadoop", "", wh
	cfg, err := ConfigFor(src, dir, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	cache := NewCache()
	defer func() { _ = cache.Close() }()
	vs, err := cache.ScanView(ctx, statsView(src), cfg, base, base.Add(23*time.Hour), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(t, vs).rows; got != 96 {
		t.Errorf("rows = %d, want 96", got)
	}
}

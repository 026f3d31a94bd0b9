// Command scanbench measures catalog.ScanView: `write` builds a table of N rows
// (day-partitioned, 10 days, one append per million rows) in a SQLite catalog;
// `scan` times a scan of a window (or all of it) and decodes every value.
// Run the scan under /usr/bin/time -v for peak RSS. Results: BENCHMARKS.md.
//
//	go run ./internal/tools/scanbench -dir /tmp/sb -rows 1000000 write
//	/usr/bin/time -v go run ./internal/tools/scanbench -dir /tmp/sb scan
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/internal/tools/cli"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"

	sqlcat "github.com/apache/iceberg-go/catalog/sql"
)

var (
	dir      = flag.String("dir", "/tmp/feast-go-scanbench", "catalog and warehouse folder")
	rows     = flag.Int("rows", 1_000_000, "rows to write")
	entities = flag.Int("entities", 1_000_000, "distinct entity ids")
	days     = flag.Float64("days", 10, "window length in days for scan (10 = everything)")
	conc     = flag.Int("concurrency", 1, "scan readers")
	perApp   = flag.Int("append-rows", 1_000_000, "rows per append (a data file holds at most this many: one day's rows of one append)")
	base     = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	span     = 10 * 24 * time.Hour
)

const features = 10

func schema() *arrow.Schema {
	fs := []arrow.Field{{Name: "entity_id", Type: arrow.PrimitiveTypes.Int64}}
	for i := range features {
		fs = append(fs, arrow.Field{Name: fmt.Sprintf("f%d", i), Type: arrow.PrimitiveTypes.Float64, Nullable: true})
	}
	fs = append(fs, arrow.Field{Name: "event_timestamp", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}})
	return arrow.NewSchema(fs, nil)
}

func view() *registry.FeatureView {
	fv := &registry.FeatureView{Name: "bench", EntityColumns: []registry.Field{{Name: "entity_id", Type: feastpb.ValueType_INT64}},
		BatchSource: &registry.DataSource{Name: "s", Type: registry.SourceIceberg, TimestampField: "event_timestamp",
			Iceberg: &registry.IcebergOptions{CatalogType: "sql", CatalogName: "bench", Endpoint: "sqlite:///" + filepath.Join(*dir, "catalog.db"),
				Warehouse: filepath.Join(*dir, "warehouse"), Namespace: "bench", Table: "rows"}}}
	for i := range features {
		fv.Features = append(fv.Features, registry.Field{Name: fmt.Sprintf("f%d", i), Type: feastpb.ValueType_DOUBLE})
	}
	return fv
}

func write(ctx context.Context) error {
	if err := os.MkdirAll(filepath.Join(*dir, "warehouse"), 0o755); err != nil {
		return err
	}
	cat, err := icecat.Load(ctx, "bench", iceberg.Properties{"type": "sql", "uri": "file:" + filepath.Join(*dir, "catalog.db"),
		sqlcat.DriverKey: "sqlite", sqlcat.DialectKey: "sqlite", "warehouse": "file://" + filepath.Join(*dir, "warehouse"), "credential": ""})
	if err != nil {
		return err
	}
	if err := cat.CreateNamespace(ctx, table.Identifier{"bench"}, nil); err != nil && !errors.Is(err, icecat.ErrNamespaceAlreadyExists) {
		return err
	}
	_ = cat.DropTable(ctx, table.Identifier{"bench", "rows"})
	isc, err := table.ArrowSchemaToIcebergWithFreshIDs(schema(), false)
	if err != nil {
		return err
	}
	spec, err := iceberg.NewPartitionSpecOpts(iceberg.AddPartitionFieldByName("event_timestamp", "day", iceberg.DayTransform{}, isc, nil))
	if err != nil {
		return err
	}
	tbl, err := cat.CreateTable(ctx, table.Identifier{"bench", "rows"}, isc, icecat.WithPartitionSpec(&spec))
	if err != nil {
		return err
	}
	chunk := max(*perApp, 1)
	for from := 0; from < *rows; from += chunk {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema())
		for i := from; i < min(from+chunk, *rows); i++ {
			b.Field(0).(*array.Int64Builder).Append(int64(i % *entities))
			for f := range features {
				b.Field(1 + f).(*array.Float64Builder).Append(float64(i*f) / 7)
			}
			ts := base.Add(time.Duration(float64(i) / float64(*rows) * float64(span)))
			b.Field(1 + features).(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixMicro()))
		}
		rec := b.NewRecordBatch()
		b.Release()
		rdr, _ := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
		if tbl, err = tbl.Append(ctx, rdr, nil); err != nil {
			return err
		}
		rdr.Release()
		rec.Release()
	}
	return nil
}

func scan(ctx context.Context) error {
	fv := view()
	cfg, err := catalog.ConfigFor(fv.BatchSource, *dir, func(string) (string, bool) { return "", false })
	if err != nil {
		return err
	}
	cache := catalog.NewCache()
	defer func() { _ = cache.Close() }()
	start := time.Now()
	end := base.Add(time.Duration(*days * float64(24*time.Hour)))
	vs, err := cache.ScanView(ctx, fv, cfg, base, end, catalog.ScanOptions{Concurrency: *conc})
	if err != nil {
		return err
	}
	var n int64
	var sum float64
	for rec, err := range vs.Batches {
		if err != nil {
			return err
		}
		for c := 0; c < int(rec.NumCols()); c++ {
			switch col := rec.Column(c).(type) {
			case *array.Float64:
				for _, v := range col.Float64Values() {
					sum += v
				}
			case *array.Int64:
				for _, v := range col.Int64Values() {
					sum += float64(v)
				}
			}
		}
		n += rec.NumRows()
		rec.Release()
	}
	d := time.Since(start)
	fmt.Printf("rows=%d seconds=%.3f rows_per_s=%.0f files_planned=%d files_total=%d checksum=%g\n",
		n, d.Seconds(), float64(n)/d.Seconds(), vs.FilesPlanned, vs.FilesTotal, math.Round(sum))
	return nil
}

func main() {
	cli.Main("scanbench", map[string]func(context.Context) error{"write": write, "scan": scan})
}

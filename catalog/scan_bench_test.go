package catalog

import (
	"context"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/icebergtest"
)

// BenchmarkScanView scans 240k rows (10 days × 24 hours × 1000 drivers, 10
// day partitions) and touches every row; larger tables: internal/tools/scanbench.
func BenchmarkScanView(b *testing.B) {
	dir := b.TempDir()
	c := icebergtest.NewCatalog(b, dir, "local")
	tbl := c.Table(b, "feast", "driver_stats", statsSchema, "event_timestamp", nil)
	icebergtest.Append(b, tbl, statsRows(0, 240, 1000, -1))
	src := icebergSource(c, "driver_stats")
	cfg, err := ConfigFor(src, dir, noEnv)
	if err != nil {
		b.Fatal(err)
	}
	cache := NewCache()
	defer func() { _ = cache.Close() }()
	fv := statsView(src)
	ctx := context.Background()
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		vs, err := cache.ScanView(ctx, fv, cfg, base, base.Add(240*time.Hour), ScanOptions{Concurrency: 1})
		if err != nil {
			b.Fatal(err)
		}
		for rec, err := range vs.Batches {
			if err != nil {
				b.Fatal(err)
			}
			rows += rec.NumRows()
			rec.Release()
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

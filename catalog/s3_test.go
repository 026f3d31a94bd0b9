package catalog

import (
	"context"
	"database/sql"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	"github.com/feast-go/feast-go/internal/icebergtest"
	"github.com/feast-go/feast-go/registry"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// TestS3Warehouse reads a table whose files live in S3 (an in-process fake on
// loopback), with the file IO configured from the source's catalog_properties.
func TestS3Warehouse(t *testing.T) {
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	if err := backend.CreateBucket("warehouse"); err != nil {
		t.Fatal(err)
	}
	props := map[string]string{
		"s3.endpoint": srv.URL, "s3.region": "us-east-1",
		"s3.access-key-id": "test", "s3.secret-access-key": "test-secret",
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "catalog.db")
	db, err := sql.Open("sqlite", "file:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	wprops := iceberg.Properties{"warehouse": "s3://warehouse/wh"}
	for k, v := range props {
		wprops[k] = v
	}
	cat, err := sqlcat.NewCatalog("s3cat", db, sqlcat.SQLite, wprops)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tbl := icebergtest.CreateTable(t, cat, "feast", "driver_stats", statsSchema, "", nil)
	icebergtest.Append(t, tbl, statsRows(0, 10, 3, -1))

	src := &registry.DataSource{Name: "s", Type: registry.SourceIceberg, TimestampField: "event_timestamp", CreatedTimestampColumn: "created",
		Iceberg: &registry.IcebergOptions{CatalogType: "sql", CatalogName: "s3cat", Endpoint: "sqlite:///" + dbPath,
			Warehouse: "s3://warehouse/wh", Namespace: "feast", Table: "driver_stats", CatalogProperties: props}}
	cfg, err := ConfigFor(src, dir, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	cache := NewCache()
	defer func() { _ = cache.Close() }()
	vs, err := cache.ScanView(ctx, statsView(src), cfg, base, base.Add(9*time.Hour), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(t, vs).rows; got != 30 {
		t.Errorf("rows = %d, want 30", got)
	}
}

package catalog

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	"github.com/feast-go/feast-go/internal/icebergtest"
	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/registry"
)

// TestPostgresSQLCatalog reads a table registered in a SQL catalog on a real
// PostgreSQL server, given as the SQLAlchemy URL Feast and pyiceberg use.
func TestPostgresSQLCatalog(t *testing.T) {
	url := testenv.Postgres(t)
	ctx := context.Background()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	wh := "file://" + t.TempDir()
	cat, err := sqlcat.NewCatalog("pg", db, sqlcat.Postgres, iceberg.Properties{"warehouse": wh})
	if err != nil {
		t.Fatal(err)
	}
	tbl := icebergtest.CreateTable(t, cat, "feast", "driver_stats", statsSchema, "", nil)
	icebergtest.Append(t, tbl, statsRows(0, 5, 2, -1))

	src := &registry.DataSource{Name: "s", Type: registry.SourceIceberg, TimestampField: "event_timestamp", CreatedTimestampColumn: "created",
		Iceberg: &registry.IcebergOptions{CatalogType: "sql", CatalogName: "pg", Endpoint: "postgresql+psycopg://" + url[len("postgresql://"):],
			Warehouse: wh, Namespace: "feast", Table: "driver_stats"}}
	cfg, err := ConfigFor(src, t.TempDir(), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	cache := NewCache()
	defer func() { _ = cache.Close() }()
	vs, err := cache.ScanView(ctx, statsView(src), cfg, base, base.Add(4*time.Hour), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(t, vs).rows; got != 10 {
		t.Errorf("rows = %d, want 10", got)
	}
}

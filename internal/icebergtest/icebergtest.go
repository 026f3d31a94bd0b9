// Package icebergtest builds small, deterministic Iceberg tables for tests with
// iceberg-go itself: a SQL catalog on SQLite in a temporary folder, tables with
// or without a day(ts) partition, appends (one snapshot each) and
// merge-on-read deletes (position delete files).
package icebergtest

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	"github.com/apache/iceberg-go/table"

	_ "modernc.org/sqlite"
)

// Catalog is a writable SQL catalog named Name at DB (a SQLite file) with its
// warehouse under Dir.
type Catalog struct {
	Name, DB, Warehouse string
	Cat                 icecat.Catalog
}

// Endpoint is the SQLAlchemy-style URL Feast and feast-go sources use.
func (c *Catalog) Endpoint() string { return "sqlite:///" + c.DB }

// NewCatalog creates the catalog in dir (the folder holds catalog.db and warehouse/).
func NewCatalog(t testing.TB, dir, name string) *Catalog {
	t.Helper()
	c := &Catalog{Name: name, DB: filepath.Join(dir, "catalog.db"), Warehouse: "file://" + filepath.Join(dir, "warehouse")}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+c.DB+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := sqlcat.NewCatalog(name, db, sqlcat.SQLite, iceberg.Properties{"warehouse": c.Warehouse})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	c.Cat = cat
	return c
}

// Table creates namespace.name from an Arrow schema, partitioned by
// day(partitionDay) unless it is "". props are table properties.
func (c *Catalog) Table(t testing.TB, namespace, name string, sc *arrow.Schema, partitionDay string, props iceberg.Properties) *table.Table {
	t.Helper()
	return CreateTable(t, c.Cat, namespace, name, sc, partitionDay, props)
}

// CreateTable creates namespace (unless it exists) and namespace.name in any
// catalog, as Catalog.Table does.
func CreateTable(t testing.TB, cat icecat.Catalog, namespace, name string, sc *arrow.Schema, partitionDay string, props iceberg.Properties) *table.Table {
	t.Helper()
	ctx := context.Background()
	if err := cat.CreateNamespace(ctx, table.Identifier{namespace}, nil); err != nil && !errors.Is(err, icecat.ErrNamespaceAlreadyExists) {
		t.Fatal(err)
	}
	isc, err := table.ArrowSchemaToIcebergWithFreshIDs(sc, false)
	if err != nil {
		t.Fatal(err)
	}
	opts := []icecat.CreateTableOpt{icecat.WithProperties(props)}
	if partitionDay != "" {
		spec, err := iceberg.NewPartitionSpecOpts(iceberg.AddPartitionFieldByName(partitionDay, partitionDay+"_day", iceberg.DayTransform{}, isc, nil))
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, icecat.WithPartitionSpec(&spec))
	}
	tbl, err := cat.CreateTable(ctx, table.Identifier{namespace, name}, isc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// Append commits the batches as one snapshot and returns the new table state.
func Append(t testing.TB, tbl *table.Table, recs ...arrow.RecordBatch) *table.Table {
	t.Helper()
	if len(recs) == 0 {
		return tbl
	}
	rdr, err := array.NewRecordReader(recs[0].Schema(), recs)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	out, err := tbl.Append(context.Background(), rdr, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Delete removes the rows matching filter (merge-on-read when the table has
// write.delete.mode=merge-on-read).
func Delete(t testing.TB, tbl *table.Table, filter iceberg.BooleanExpression) *table.Table {
	t.Helper()
	out, err := tbl.Delete(context.Background(), filter, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

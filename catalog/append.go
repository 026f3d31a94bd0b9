package catalog

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/feast-go/feast-go/registry"
)

// SourceTable is a data source's loaded Iceberg table, ready for an append.
type SourceTable struct {
	Name   string // namespace.table
	Arrow  *arrow.Schema
	cfg    Config
	tbl    *table.Table
	source string
}

// LoadSourceTable loads the Iceberg table of an Iceberg data source and checks
// that every feature view in views can read what will be appended to it.
func (c *Cache) LoadSourceTable(ctx context.Context, src *registry.DataSource, cfg Config, views []*registry.FeatureView) (*SourceTable, error) {
	if src == nil || src.Iceberg == nil {
		return nil, fmt.Errorf("data source %q is not an Iceberg source", src.DisplayName())
	}
	tbl, err := c.Table(ctx, cfg, src.Iceberg.Namespace, src.Iceberg.Table)
	if err != nil {
		return nil, fmt.Errorf("data source %q: %w", src.Name, err)
	}
	st := &SourceTable{Name: src.Iceberg.Namespace + "." + src.Iceberg.Table, cfg: cfg, tbl: tbl, source: src.Name}
	for _, fv := range views {
		if _, err := checkSchema(fv, st.Name, tbl.Schema(), ResolveColumns(fv)); err != nil {
			return nil, err
		}
	}
	if st.Arrow, err = table.SchemaToArrowSchema(tbl.Schema(), nil, false, false); err != nil {
		return nil, fmt.Errorf("table %s: %w", st.Name, err)
	}
	return st, nil
}

// Append adds the rows of rdr (with the table's Arrow schema) to the table as
// one snapshot: one atomic commit, nothing else touched (never an overwrite
// or a delete; see iceberg-go bug #2042). It returns the new snapshot's id.
//
// The staged snapshot must add exactly rows records before it is committed:
// iceberg-go v0.7.0's partitioned writer can lose a data file's write error
// (a failed file writer drops out of the list whose errors are collected) and
// then stages a snapshot without those rows.
func (st *SourceTable) Append(ctx context.Context, rdr array.RecordReader, rows int64, props map[string]string) (int64, error) {
	fail := func(err error) (int64, error) {
		return 0, fmt.Errorf("data source %q: append to table %s: %w", st.source, st.Name, err)
	}
	txn := st.tbl.NewTransaction()
	if err := txn.Append(ctx, rdr, iceberg.Properties(props)); err != nil {
		return fail(err)
	}
	staged, err := txn.StagedTable()
	if err != nil {
		return fail(err)
	}
	snap := staged.CurrentSnapshot()
	if snap == nil || snap.Summary == nil {
		return fail(errors.New("no snapshot staged"))
	}
	if added := snap.Summary.Properties["added-records"]; added != strconv.FormatInt(rows, 10) {
		return fail(fmt.Errorf("the staged snapshot adds %q records, not %d (a data file was not written); nothing was committed", added, rows))
	}
	if _, err := txn.Commit(ctx); err != nil {
		return fail(err)
	}
	return snap.SnapshotID, nil
}

package catalog

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/feast-go/feast-go/registry"
)

// ErrSchema is a table whose columns do not fit the feature view.
var ErrSchema = errors.New("table schema does not fit the feature view")

// Columns are the source columns a feature view reads, by role. Each name is
// the table's column; Features[i] is read for View.Features[i].
type Columns struct {
	JoinKeys  []string // in View.EntityColumns order
	Features  []string // in View.Features order
	Timestamp string
	Created   string // "" when the source has none
}

// All lists the columns once each, for the scan projection.
func (c Columns) All() []string {
	seen := map[string]bool{}
	var out []string
	for _, group := range [][]string{c.JoinKeys, c.Features, {c.Timestamp, c.Created}} {
		for _, col := range group {
			if col != "" && !seen[col] {
				seen[col] = true
				out = append(out, col)
			}
		}
	}
	return out
}

// ResolveColumns maps a feature view's names to its batch source's columns:
// Feast's field_mapping goes source column -> feature name.
func ResolveColumns(fv *registry.FeatureView) Columns {
	src := fv.BatchSource
	reverse := map[string]string{}
	for col, name := range src.FieldMapping {
		reverse[name] = col
	}
	col := func(name string) string {
		if c, ok := reverse[name]; ok {
			return c
		}
		return name
	}
	c := Columns{Timestamp: col(src.TimestampField)}
	if src.CreatedTimestampColumn != "" {
		c.Created = col(src.CreatedTimestampColumn)
	}
	for _, e := range fv.EntityColumns {
		c.JoinKeys = append(c.JoinKeys, col(e.Name))
	}
	for _, f := range fv.Features {
		c.Features = append(c.Features, col(f.Name))
	}
	return c
}

// ScanOptions bound a scan's memory: each reader holds the decoded batches of
// about one file task at a time.
type ScanOptions struct {
	Concurrency int // file readers; 0 = 1
	BatchSize   int // max rows per Arrow batch; 0 = iceberg-go's default (131072)
}

// DefaultBatchSize is the Arrow batch size materialize asks for. A scan holds
// a few batches at once (the one being folded, the ones read ahead), so
// smaller batches hold less: 1M rows of 10 Float64 features in 10 files peak
// at about 300 MiB RSS with it and 320 MiB with iceberg-go's 131072, 10M rows
// in 10 files at 365–370 against 430–450 MiB, for about 0.04 s more of
// scanning per 1M rows (BENCHMARKS.md).
const DefaultBatchSize = 32768

// ViewScan is a planned scan: the files that hold the window's rows, and a
// stream of their batches. Batches must be released by the consumer; the
// stream reads the files when it is ranged over, and Read reads them anew.
type ViewScan struct {
	Columns      Columns
	Batches      iter.Seq2[arrow.RecordBatch, error] // every column of Columns
	FilesPlanned int
	BytesPlanned int64 // sizes of the planned data files
	FilesTotal   int   // data files in the snapshot (-1 when unknown)
	Table        string

	read func(fields []string) iter.Seq2[arrow.RecordBatch, error]
}

// Read streams the planned files' rows once more, only the given columns
// (every column of Columns when none): the same rows as Batches, even when
// the table has changed since (a snapshot's data files never change).
func (vs *ViewScan) Read(fields ...string) iter.Seq2[arrow.RecordBatch, error] {
	if len(fields) == 0 {
		fields = vs.Columns.All()
	}
	return vs.read(fields)
}

// ScanView scans the rows of fv's batch source with start <= ts <= end.
// The table schema is checked against the view before any row is read.
func (c *Cache) ScanView(ctx context.Context, fv *registry.FeatureView, cfg Config, start, end time.Time, opts ScanOptions) (*ViewScan, error) {
	src := fv.BatchSource
	if src == nil || src.Iceberg == nil {
		return nil, fmt.Errorf("feature view %q: batch source is not an Iceberg source", fv.Name)
	}
	tbl, err := c.Table(ctx, cfg, src.Iceberg.Namespace, src.Iceberg.Table)
	if err != nil {
		return nil, fmt.Errorf("feature view %q: %w", fv.Name, err)
	}
	tname := src.Iceberg.Namespace + "." + src.Iceberg.Table
	cols := ResolveColumns(fv)
	tsField, err := checkSchema(fv, tname, tbl.Schema(), cols)
	if err != nil {
		return nil, err
	}
	filter, err := windowFilter(cols.Timestamp, tsField.Type, start, end)
	if err != nil {
		return nil, fmt.Errorf("feature view %q: %w", fv.Name, err)
	}
	conc := max(opts.Concurrency, 1)
	scanWith := func(fields []string) *table.Scan {
		scanOpts := []table.ScanOption{
			table.WithRowFilter(filter),
			table.WithSelectedFields(fields...),
			table.WithMaxConcurrency(conc),
		}
		if opts.BatchSize > 0 {
			scanOpts = append(scanOpts, table.WithArrowBatchSize(opts.BatchSize))
		}
		return tbl.Scan(scanOpts...)
	}
	tasks, err := scanWith(cols.All()).PlanFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("feature view %q: plan scan of %s: %w", fv.Name, tname, err)
	}
	vs := &ViewScan{Columns: cols, FilesPlanned: len(tasks), FilesTotal: -1, Table: tname}
	// The planned tasks serve every read; iceberg-go leaves them untouched.
	vs.read = func(fields []string) iter.Seq2[arrow.RecordBatch, error] {
		return func(yield func(arrow.RecordBatch, error) bool) {
			_, batches, err := scanWith(fields).ReadTasks(ctx, tasks)
			if err != nil {
				yield(nil, fmt.Errorf("feature view %q: read %s: %w", fv.Name, tname, err))
				return
			}
			for rec, err := range batches {
				if err != nil {
					yield(nil, fmt.Errorf("feature view %q: read %s: %w", fv.Name, tname, err))
					return
				}
				if !yield(rec, nil) {
					return
				}
			}
		}
	}
	vs.Batches = vs.Read()
	for _, t := range tasks {
		vs.BytesPlanned += t.File.FileSizeBytes()
	}
	if snap := tbl.CurrentSnapshot(); snap != nil && snap.Summary != nil {
		if n, err := strconv.Atoi(snap.Summary.Properties["total-data-files"]); err == nil {
			vs.FilesTotal = n
		}
	}
	return vs, nil
}

// windowFilter is ts >= start AND ts <= end on a timestamp or date column.
func windowFilter(col string, t iceberg.Type, start, end time.Time) (iceberg.BooleanExpression, error) {
	ref := iceberg.Reference(col)
	switch t.(type) {
	case iceberg.TimestampType, iceberg.TimestampTzType:
		return iceberg.NewAnd(
			iceberg.GreaterThanEqual(ref, iceberg.Timestamp(start.UnixMicro())),
			iceberg.LessThanEqual(ref, iceberg.Timestamp(end.UnixMicro()))), nil
	case iceberg.TimestampNsType, iceberg.TimestampTzNsType:
		return iceberg.NewAnd(
			iceberg.GreaterThanEqual(ref, iceberg.TimestampNano(start.UnixNano())),
			iceberg.LessThanEqual(ref, iceberg.TimestampNano(end.UnixNano()))), nil
	case iceberg.DateType:
		// A date is midnight UTC of that day: include the days whose midnight is in the window.
		first := start.UTC().Truncate(24 * time.Hour)
		if first.Before(start) {
			first = first.Add(24 * time.Hour)
		}
		return iceberg.NewAnd(
			iceberg.GreaterThanEqual(ref, iceberg.Date(first.Unix()/86400)),
			iceberg.LessThanEqual(ref, iceberg.Date(end.UTC().Unix()/86400))), nil
	}
	return nil, fmt.Errorf("timestamp column %q has type %s; expected timestamp, timestamptz or date", col, t)
}

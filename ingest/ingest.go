package ingest

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
)

// Format is an input format.
type Format string

// Input formats.
const (
	Parquet Format = "parquet"
	CSV     Format = "csv"
	JSONL   Format = "jsonl"
)

// Formats lists the formats by name, for flag help and errors.
const Formats = "parquet, csv, jsonl"

// DetectFormat returns the explicit format if given, else the one the file
// extension names (.parquet/.pq, .csv, .jsonl/.ndjson/.json).
func DetectFormat(path, explicit string) (Format, error) {
	if explicit != "" {
		switch f := Format(strings.ToLower(explicit)); f {
		case Parquet, CSV, JSONL:
			return f, nil
		case "json", "ndjson":
			return JSONL, nil
		}
		return "", fmt.Errorf("unknown input format %q (expected one of %s)", explicit, Formats)
	}
	if path == "-" {
		return "", errors.New("reading stdin needs --format csv or --format jsonl")
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet", ".pq":
		return Parquet, nil
	case ".csv":
		return CSV, nil
	case ".jsonl", ".ndjson", ".json":
		return JSONL, nil
	}
	return "", fmt.Errorf("%s: cannot tell the format from the extension; give --format (%s)", path, Formats)
}

// Column is one column of the output batches.
type Column struct {
	Name     string
	Type     arrow.DataType
	Required bool   // the input must have it
	NotNull  bool   // no row may leave it null (join keys, the event time)
	Role     string // what the column is for, in errors: "join key driver_id (Int64)"
}

// Options tune a Reader.
type Options struct {
	Name      string // the input's name in errors; "-" reads as "stdin"
	BatchSize int    // rows per batch; 0 = 8192
	MaxErrors int    // bad rows reported at most; 0 = 10
	Mem       memory.Allocator
}

// Reader yields the input as record batches with the schema of its columns,
// in column order. Columns absent from the input (and not required) are null.
type Reader struct {
	schema  *arrow.Schema
	cols    []Column
	name    string
	batch   int
	mem     memory.Allocator
	errs    *InputError
	ignored []string
	rows    int64
	next    func() (arrow.RecordBatch, error)
	close   func() error
}

// NewReader starts reading r in format f. Parquet needs a file (an
// io.ReaderAt that can seek); CSV and JSON lines read any stream.
func NewReader(r io.Reader, f Format, cols []Column, opts Options) (*Reader, error) {
	rd := &Reader{cols: cols, name: opts.Name, batch: opts.BatchSize, mem: opts.Mem}
	if rd.name == "" || rd.name == "-" {
		rd.name = "stdin"
	}
	if rd.batch <= 0 {
		rd.batch = 8192
	}
	if rd.mem == nil {
		rd.mem = memory.DefaultAllocator
	}
	maxErrs := opts.MaxErrors
	if maxErrs <= 0 {
		maxErrs = 10
	}
	rd.errs = &InputError{File: rd.name, max: maxErrs}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type, Nullable: !c.NotNull}
	}
	rd.schema = arrow.NewSchema(fields, nil)
	var err error
	switch f {
	case Parquet:
		ras, ok := r.(parquet.ReaderAtSeeker)
		if !ok {
			return nil, fmt.Errorf("%s: Parquet is read from a file, not a stream", rd.name)
		}
		err = rd.openParquet(ras)
	case CSV:
		err = rd.openCSV(r)
	case JSONL:
		rd.openJSONL(r)
	default:
		err = fmt.Errorf("unknown input format %q", f)
	}
	if err != nil {
		return nil, err
	}
	return rd, nil
}

// Schema is the schema of every batch.
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// Ignored lists the input's columns that no output column reads.
func (r *Reader) Ignored() []string { return r.ignored }

// Rows is how many rows were read so far.
func (r *Reader) Rows() int64 { return r.rows }

// Next returns the next batch (the caller releases it), io.EOF after the
// last, or an *InputError once the whole input was checked and some rows were bad.
func (r *Reader) Next() (arrow.RecordBatch, error) { return r.next() }

// Close releases the input's reader.
func (r *Reader) Close() error {
	if r.close != nil {
		return r.close()
	}
	return nil
}

func (r *Reader) missing(col Column) error {
	role := ""
	if col.Role != "" {
		role = " (" + col.Role + ")"
	}
	return fmt.Errorf("%s: %w: %q%s", r.name, ErrMissingColumn, col.Name, role)
}

// ErrMissingColumn is an input without a required column.
var ErrMissingColumn = errors.New("missing column")

// ErrBadInput is matched by every *InputError.
var ErrBadInput = errors.New("bad input")

// RowError is one value that does not fit its column.
type RowError struct {
	Line     int64 // 1-based line of the file (CSV, JSON lines); 0 for Parquet
	Row      int64 // 1-based data row
	Column   string
	Value    string
	Expected string
	Reason   string
}

func (e *RowError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d", e.Line)
	} else {
		fmt.Fprintf(&b, "row %d", e.Row)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %q", e.Column)
	}
	if e.Value != "" {
		fmt.Fprintf(&b, ": %s", quoteValue(e.Value))
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, ": %s", e.Reason)
	}
	if e.Expected != "" {
		fmt.Fprintf(&b, " (expected %s)", e.Expected)
	}
	return b.String()
}

func quoteValue(s string) string {
	const maxLen = 60
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// InputError lists the bad rows of an input (at most MaxErrors, then a count).
type InputError struct {
	File    string
	Rows    []*RowError // the first bad values, one each
	More    int64       // bad values not listed
	BadRows int64       // rows with at least one bad value
	max     int
	lastRow int64
}

func (e *InputError) add(re *RowError) {
	if re.Row != e.lastRow || e.BadRows == 0 {
		e.BadRows, e.lastRow = e.BadRows+1, re.Row
	}
	if len(e.Rows) < e.max {
		e.Rows = append(e.Rows, re)
		return
	}
	e.More++
}

func (e *InputError) Error() string {
	var b strings.Builder
	n := int64(len(e.Rows)) + e.More
	if n == 1 {
		fmt.Fprintf(&b, "%s: bad row: %s", e.File, e.Rows[0])
		return b.String()
	}
	fmt.Fprintf(&b, "%s: %d bad values in %s:", e.File, n, plural(e.BadRows, "row"))
	for _, r := range e.Rows {
		fmt.Fprintf(&b, "\n  %s", r)
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  … and %d more", e.More)
	}
	return b.String()
}

func (e *InputError) Unwrap() error { return ErrBadInput }

// builders holds one builder per column for the text formats.
type builders struct {
	rb          *array.RecordBuilder
	conv        []*converter // nil for columns the input lacks
	unsupported []error      // why a column has no converter (JSON lines)
	count       int
}

// newBuilders makes the converters of the present columns. A present column
// of a type no converter handles is an error, unless lenient (JSON lines,
// where a column is present only if a row has it: the row is then bad).
func (r *Reader) newBuilders(present []bool, lenient bool) (*builders, error) {
	b := &builders{rb: array.NewRecordBuilder(r.mem, r.schema), conv: make([]*converter, len(r.cols)), unsupported: make([]error, len(r.cols))}
	for i, c := range r.cols {
		if !present[i] {
			continue
		}
		conv, err := newConverter(b.rb.Field(i), c.Type)
		if err != nil && (!lenient || c.Required) {
			b.rb.Release()
			return nil, fmt.Errorf("%s: column %q: %w", r.name, c.Name, err)
		}
		b.conv[i], b.unsupported[i] = conv, err
	}
	return b, nil
}

// flush returns the built batch, or nil after a bad row (batches are then
// only built to keep checking rows).
func (r *Reader) flush(b *builders) arrow.RecordBatch {
	for i, c := range b.conv {
		if c == nil {
			b.rb.Field(i).AppendNulls(b.count)
		}
	}
	rec := b.rb.NewRecordBatch()
	b.count = 0
	if len(r.errs.Rows) > 0 {
		rec.Release()
		return nil
	}
	return rec
}

// plural is "1 row", "2 rows".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

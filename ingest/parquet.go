package ingest

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func (r *Reader) openParquet(in parquet.ReaderAtSeeker) error {
	// The caller owns the file: hide its Close from the Parquet reader.
	pf, err := file.NewParquetReader(struct{ parquet.ReaderAtSeeker }{in})
	if err != nil {
		return fmt.Errorf("%s: not a Parquet file: %w", r.name, err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(r.batch)}, r.mem)
	if err != nil {
		_ = pf.Close()
		return fmt.Errorf("%s: %w", r.name, err)
	}
	r.close = pf.Close
	sc, err := fr.Schema()
	if err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	header := make([]string, sc.NumFields())
	for i, f := range sc.Fields() {
		header[i] = f.Name
	}
	pos, err := r.place(header)
	if err != nil {
		return err
	}
	// Read only the columns used, in the order of their first leaf.
	var fields []int
	for _, p := range pos {
		if p >= 0 {
			fields = append(fields, p)
		}
	}
	if len(fields) == 0 {
		return fmt.Errorf("%s: none of the input's columns is used", r.name)
	}
	leaves, err := fr.Manifest.GetFieldIndices(fields)
	if err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	rr, err := fr.GetRecordReader(context.Background(), leaves, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	r.close = func() error { rr.Release(); return pf.Close() }
	finished := false
	r.next = func() (arrow.RecordBatch, error) {
		for !finished {
			in, err := rr.Read()
			if err == io.EOF || (err == nil && in == nil) {
				finished = true
				break
			}
			if err != nil {
				finished = true
				return nil, fmt.Errorf("%s: row %d: %w", r.name, r.rows+1, err)
			}
			out, err := r.convertBatch(in, pos)
			if err != nil {
				finished = true
				return nil, err
			}
			r.rows += in.NumRows()
			if out != nil {
				return out, nil
			}
		}
		if len(r.errs.Rows) > 0 {
			return nil, r.errs
		}
		return nil, io.EOF
	}
	return nil
}

// convertBatch casts the input's columns to the output types and checks the
// not-null columns. It returns nil once a row was bad (checking goes on).
func (r *Reader) convertBatch(in arrow.RecordBatch, pos []int) (arrow.RecordBatch, error) {
	n := in.NumRows()
	cols := make([]arrow.Array, len(r.cols))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range r.cols {
		if pos[i] < 0 {
			cols[i] = array.MakeArrayOfNull(r.mem, c.Type, int(n))
			continue
		}
		idx := in.Schema().FieldIndices(c.Name)
		src := in.Column(idx[0])
		conv, err := castColumn(src, c.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: column %q is %s: %w (expected %s)", r.name, c.Name, src.DataType(), err, describeType(c))
		}
		cols[i] = conv
		if ts, ok := conv.(*array.Timestamp); ok {
			unit := ts.DataType().(*arrow.TimestampType).Unit
			for row := range int(n) {
				if ts.IsValid(row) {
					if err := inRange(ts.Value(row).ToTime(unit)); err != nil {
						r.errs.add(&RowError{Row: r.rows + int64(row) + 1, Column: c.Name, Value: ts.Value(row).ToTime(unit).String(), Reason: err.Error(), Expected: c.Role})
					}
				}
			}
		}
		if c.NotNull && conv.NullN() > 0 {
			for row := range int(n) {
				if conv.IsNull(row) {
					r.errs.add(&RowError{Row: r.rows + int64(row) + 1, Column: c.Name, Reason: "null, but this column cannot be null", Expected: c.Role})
				}
			}
		}
	}
	if len(r.errs.Rows) > 0 {
		return nil, nil
	}
	return array.NewRecordBatch(r.schema, cols, n), nil
}

// castColumn converts a column to t: as is when the types match, else with
// Arrow's cast (values that do not fit are an error; times may lose
// sub-microsecond digits, as Iceberg stores microseconds).
func castColumn(src arrow.Array, t arrow.DataType) (arrow.Array, error) {
	if arrow.TypeEqual(src.DataType(), t) {
		src.Retain()
		return src, nil
	}
	opts := compute.SafeCastOptions(t)
	opts.AllowTimeTruncate = true
	return compute.CastArray(context.Background(), src, opts)
}

func describeType(c Column) string {
	if c.Role != "" {
		return c.Role
	}
	return c.Type.String()
}

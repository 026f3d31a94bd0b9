package push

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/feast-go/feast-go/catalog"
)

// spool keeps the checked rows on disk (Arrow IPC stream) until the input
// ended, so the offline append starts only from a fully valid input and
// memory stays bounded however large it is.
type spool struct {
	f      *os.File
	w      *ipc.Writer
	schema *arrow.Schema
}

func newSpool(dir string, schema *arrow.Schema) (*spool, error) {
	f, err := os.CreateTemp(dir, "feast-go-push-*.arrows")
	if err != nil {
		return nil, fmt.Errorf("push spool: %w", err)
	}
	return &spool{f: f, schema: schema, w: ipc.NewWriter(f, ipc.WithSchema(schema))}, nil
}

// write stores a batch under the table's schema (same types; the
// nullability is the table's).
func (s *spool) write(rec arrow.RecordBatch) error {
	out := array.NewRecordBatch(s.schema, rec.Columns(), rec.NumRows())
	defer out.Release()
	if err := s.w.Write(out); err != nil {
		return fmt.Errorf("push spool %s: %w", s.f.Name(), err)
	}
	return nil
}

func (s *spool) appendTo(ctx context.Context, tbl *catalog.SourceTable, source string, rows int64) (int64, error) {
	if err := s.w.Close(); err != nil {
		return 0, fmt.Errorf("push spool %s: %w", s.f.Name(), err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("push spool %s: %w", s.f.Name(), err)
	}
	rdr, err := ipc.NewReader(s.f)
	if err != nil {
		return 0, fmt.Errorf("push spool %s: %w", s.f.Name(), err)
	}
	defer rdr.Release()
	return tbl.Append(ctx, rdr, rows, map[string]string{"feast-go.push-source": source})
}

func (s *spool) remove() {
	_ = s.w.Close()
	_ = s.f.Close()
	_ = os.Remove(s.f.Name())
}

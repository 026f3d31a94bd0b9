package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
)

// rowSink turns rows of the text formats into batches and collects bad rows.
type rowSink struct {
	r *Reader
	b *builders
}

// value puts one cell of the current row; line and row number it for errors.
func (s *rowSink) value(i int, fromJSON bool, text string, v any, line int64) {
	col := s.r.cols[i]
	null := (fromJSON && v == nil) || (!fromJSON && text == "")
	if null && col.NotNull {
		s.b.conv[i].b.AppendNull()
		s.r.errs.add(&RowError{Line: line, Row: s.r.rows + 1, Column: col.Name, Reason: "empty, but this column cannot be null", Expected: col.Role})
		return
	}
	if err := s.b.conv[i].put(fromJSON, text, v); err != nil {
		shown := text
		if fromJSON {
			raw, _ := json.Marshal(v)
			shown = string(raw)
		}
		s.r.errs.add(&RowError{Line: line, Row: s.r.rows + 1, Column: col.Name, Value: shown, Reason: err.Error(), Expected: s.b.conv[i].expected})
	}
}

// endRow counts the row and returns a full batch, if any.
func (s *rowSink) endRow() arrow.RecordBatch {
	s.r.rows++
	s.b.count++
	if s.b.count == s.r.batch {
		return s.r.flush(s.b)
	}
	return nil
}

// done ends the input: the last batch, then the collected errors or io.EOF.
func (s *rowSink) done() (arrow.RecordBatch, error) {
	if s.b.count > 0 {
		if rec := s.r.flush(s.b); rec != nil {
			return rec, nil
		}
	}
	s.b.rb.Release()
	if len(s.r.errs.Rows) > 0 {
		return nil, s.r.errs
	}
	return nil, io.EOF
}

func (r *Reader) openCSV(in io.Reader) error {
	cr := csv.NewReader(bufio.NewReaderSize(in, 1<<20))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("%s: empty input: expected a header line", r.name)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	header = append([]string(nil), header...)
	if len(header) > 0 { // a UTF-8 byte order mark is not part of the first name
		header[0] = string(bytes.TrimPrefix([]byte(header[0]), []byte("\ufeff")))
	}
	pos, err := r.place(header)
	if err != nil {
		return err
	}
	present := make([]bool, len(r.cols))
	for i := range r.cols {
		present[i] = pos[i] >= 0
	}
	b, err := r.newBuilders(present, false)
	if err != nil {
		return err
	}
	sink := &rowSink{r: r, b: b}
	finished := false
	r.next = func() (arrow.RecordBatch, error) {
		if finished {
			return nil, io.EOF
		}
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				finished = true
				return sink.done()
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					r.errs.add(&RowError{Line: int64(pe.Line), Row: r.rows + 1, Reason: pe.Err.Error()})
					continue
				}
				finished = true
				sink.b.rb.Release()
				return nil, fmt.Errorf("%s: %w", r.name, err)
			}
			line, _ := cr.FieldPos(0)
			for i, p := range pos {
				if p >= 0 {
					sink.value(i, false, rec[p], nil, int64(line))
				}
			}
			if out := sink.endRow(); out != nil {
				return out, nil
			}
		}
	}
	return nil
}

// place finds each output column in the input's header: its index, or -1
// when absent. Input columns no output column reads are noted as ignored.
func (r *Reader) place(header []string) ([]int, error) {
	idx := map[string]int{}
	for i, h := range header {
		if _, dup := idx[h]; dup {
			return nil, fmt.Errorf("%s: column %q appears twice in the header", r.name, h)
		}
		idx[h] = i
	}
	pos := make([]int, len(r.cols))
	used := map[string]bool{}
	for i, c := range r.cols {
		p, ok := idx[c.Name]
		if !ok {
			if c.Required {
				return nil, r.missing(c)
			}
			p = -1
		}
		pos[i] = p
		used[c.Name] = true
	}
	for _, h := range header {
		if !used[h] {
			r.ignored = append(r.ignored, h)
		}
	}
	return pos, nil
}

func (r *Reader) openJSONL(in io.Reader) {
	br := bufio.NewReaderSize(in, 1<<20)
	present := make([]bool, len(r.cols))
	for i := range present {
		present[i] = true
	}
	b, err := r.newBuilders(present, true)
	byName := map[string]int{}
	for i, c := range r.cols {
		byName[c.Name] = i
	}
	seen := make([]bool, len(r.cols))
	ignored := map[string]bool{}
	var line int64
	finished := false
	r.next = func() (arrow.RecordBatch, error) {
		if err != nil {
			return nil, err // a column type no converter handles
		}
		if finished {
			return nil, io.EOF
		}
		sink := &rowSink{r: r, b: b}
		for {
			raw, rerr := br.ReadBytes('\n')
			if len(raw) > 0 {
				line++
				if out := r.jsonRow(sink, raw, line, byName, seen, ignored); out != nil {
					return out, nil
				}
			}
			if rerr == io.EOF {
				finished = true
				for i, c := range r.cols {
					if c.Required && !seen[i] && r.rows > 0 && len(r.errs.Rows) == 0 {
						b.rb.Release()
						return nil, r.missing(c)
					}
				}
				for name := range ignored {
					r.ignored = append(r.ignored, name)
				}
				sort.Strings(r.ignored)
				return sink.done()
			}
			if rerr != nil {
				finished = true
				b.rb.Release()
				return nil, fmt.Errorf("%s: line %d: %w", r.name, line+1, rerr)
			}
		}
	}
}

// jsonRow reads one line (blank lines are skipped) and returns a full batch, if any.
func (r *Reader) jsonRow(sink *rowSink, raw []byte, line int64, byName map[string]int, seen []bool, ignored map[string]bool) arrow.RecordBatch {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var obj map[string]any
	if err := d.Decode(&obj); err != nil || d.More() || obj == nil {
		reason := "not a JSON object"
		if err != nil {
			reason = "not a JSON object: " + err.Error()
		}
		r.errs.add(&RowError{Line: line, Row: r.rows + 1, Reason: reason})
		// keep the columns aligned: the row is rejected, its cells are nulls
		for _, c := range sink.b.conv {
			if c != nil {
				c.b.AppendNull()
			}
		}
		return sink.endRow()
	}
	for name := range obj {
		if _, ok := byName[name]; !ok {
			ignored[name] = true
		}
	}
	for i := range r.cols {
		v, ok := obj[r.cols[i].Name]
		seen[i] = seen[i] || ok
		if sink.b.conv[i] == nil { // a type push cannot convert: fine while absent
			if v != nil {
				r.errs.add(&RowError{Line: line, Row: r.rows + 1, Column: r.cols[i].Name, Reason: sink.b.unsupported[i].Error()})
			}
			continue
		}
		sink.value(i, true, "", v, line)
	}
	return sink.endRow()
}

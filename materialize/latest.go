package materialize

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
)

// entry is one entity's latest row: times as Unix nanoseconds and the
// serialized Values, each preceded by its length as a uvarint.
type entry struct {
	event, created int64
	vals           []byte
}

// latest keeps the newest row per entity key (event time, then created time),
// with memory proportional to the distinct entities, not the rows scanned.
type latest struct {
	view    *registry.FeatureView
	cols    catalog.Columns
	keyEnc  *onlinestore.KeyEncoder
	version int
	rows    map[string]*entry

	scanned, nullKeys int64
	keyBuf, valBuf    []byte
}

func newLatest(fv *registry.FeatureView, cols catalog.Columns, version int) *latest {
	return &latest{view: fv, cols: cols, version: version, rows: map[string]*entry{},
		keyEnc: onlinestore.NewKeyEncoder(fv.JoinKeys(), version)}
}

// add folds one record batch in. rowBase numbers the batch's first row for errors.
func (l *latest) add(rec arrow.RecordBatch) error {
	col := func(name string) (arrow.Array, error) {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("feature view %q: column %q missing from the scan", l.view.Name, name)
		}
		return rec.Column(idx[0]), nil
	}
	keys := make([]onlinestore.KeyAppender, len(l.cols.JoinKeys))
	for i, name := range l.cols.JoinKeys {
		c, err := col(name)
		if err != nil {
			return err
		}
		if keys[i], err = onlinestore.NewKeyAppender(c, l.view.EntityColumns[i].Type, l.version); err != nil {
			return fmt.Errorf("feature view %q: join key column %q: %w", l.view.Name, name, err)
		}
	}
	encs := make([]onlinestore.ColumnEncoder, len(l.cols.Features))
	for i, name := range l.cols.Features {
		c, err := col(name)
		if err != nil {
			return err
		}
		if encs[i], err = onlinestore.NewColumnEncoder(c, l.view.Features[i].Type); err != nil {
			return fmt.Errorf("feature view %q: column %q: %w", l.view.Name, name, err)
		}
	}
	tsCol, err := col(l.cols.Timestamp)
	if err != nil {
		return err
	}
	eventAt, err := catalog.TimeReader(tsCol)
	if err != nil {
		return fmt.Errorf("feature view %q: column %q: %w", l.view.Name, l.cols.Timestamp, err)
	}
	createdAt := func(int) (time.Time, bool) { return time.Time{}, false }
	if l.cols.Created != "" {
		c, err := col(l.cols.Created)
		if err != nil {
			return err
		}
		if createdAt, err = catalog.TimeReader(c); err != nil {
			return fmt.Errorf("feature view %q: column %q: %w", l.view.Name, l.cols.Created, err)
		}
	}

	n := int(rec.NumRows())
	for i := 0; i < n; i++ {
		row := l.scanned + int64(i) + 1
		var ok bool
		l.keyBuf, ok, err = l.keyEnc.AppendRow(l.keyBuf[:0], keys, i)
		if err != nil {
			return fmt.Errorf("feature view %q: row %d: join key: %w", l.view.Name, row, err)
		}
		if !ok {
			l.nullKeys++
			continue
		}
		ev, ok := eventAt(i)
		if !ok {
			l.nullKeys++ // no event time: Feast cannot place the row either
			continue
		}
		cr, _ := createdAt(i)
		event, created := ev.UnixNano(), cr.UnixNano()
		if cr.IsZero() {
			created = 0
		}
		cur, seen := l.rows[string(l.keyBuf)]
		if seen && (event < cur.event || (event == cur.event && created <= cur.created)) {
			continue
		}
		l.valBuf = l.valBuf[:0]
		for j, enc := range encs {
			start := len(l.valBuf)
			l.valBuf = append(l.valBuf, make([]byte, binary.MaxVarintLen32)...) // room for the length
			var err error
			if l.valBuf, err = enc(l.valBuf, i); err != nil {
				return fmt.Errorf("feature view %q: row %d, column %q: %w (expected %s)", l.view.Name, row, l.cols.Features[j], err, registry.DtypeName(l.view.Features[j].Type))
			}
			body := len(l.valBuf) - start - binary.MaxVarintLen32
			hdr := binary.PutUvarint(l.valBuf[start:], uint64(body))
			copy(l.valBuf[start+hdr:], l.valBuf[start+binary.MaxVarintLen32:])
			l.valBuf = l.valBuf[:start+hdr+body]
		}
		if !seen {
			cur = &entry{}
			l.rows[string(l.keyBuf)] = cur
		}
		cur.event, cur.created = event, created
		cur.vals = append(cur.vals[:0], l.valBuf...)
	}
	l.scanned += int64(n)
	return nil
}

// chunks hands the kept entries to fn as store rows, size at a time, building
// each chunk only when it is handed over (values slice the entries).
func (l *latest) chunks(size int, fn func([]onlinestore.Row) error) error {
	chunk := make([]onlinestore.Row, 0, size)
	for k, e := range l.rows {
		r := onlinestore.Row{Key: []byte(k), EventTS: time.Unix(0, e.event).UTC(), Values: make([][]byte, 0, len(l.cols.Features))}
		b := e.vals
		for range l.cols.Features {
			n, m := binary.Uvarint(b)
			r.Values = append(r.Values, b[m:m+int(n)])
			b = b[m+int(n):]
		}
		chunk = append(chunk, r)
		if len(chunk) == size {
			if err := fn(chunk); err != nil {
				return err
			}
			chunk = make([]onlinestore.Row, 0, size)
		}
	}
	if len(chunk) > 0 {
		return fn(chunk)
	}
	return nil
}

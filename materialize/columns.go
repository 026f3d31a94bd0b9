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

// columns are one record batch's columns, ready to be read row by row.
type columns struct {
	keys      []onlinestore.KeyAppender
	encs      []onlinestore.ColumnEncoder
	eventAt   func(int) (time.Time, bool)
	createdAt func(int) (time.Time, bool)
	rows      int
}

// columns finds the view's columns in rec and checks their types. With
// KeysOnly and not all, it leaves out the features Columns leaves out (their
// encoders are nil).
func (l *Latest) columns(rec arrow.RecordBatch, all bool) (*columns, error) {
	col := func(name string) (arrow.Array, error) {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("feature view %q: column %q missing from the scan", l.view.Name, name)
		}
		return rec.Column(idx[0]), nil
	}
	c := &columns{keys: make([]onlinestore.KeyAppender, len(l.cols.JoinKeys)),
		encs: make([]onlinestore.ColumnEncoder, len(l.cols.Features)), rows: int(rec.NumRows())}
	for i, name := range l.cols.JoinKeys {
		a, err := col(name)
		if err != nil {
			return nil, err
		}
		if c.keys[i], err = onlinestore.NewKeyAppender(a, l.view.EntityColumns[i].Type, l.version); err != nil {
			return nil, fmt.Errorf("feature view %q: join key column %q: %w", l.view.Name, name, err)
		}
	}
	for i, name := range l.cols.Features {
		if l.keysOnly && !all && !l.checked[i] {
			continue
		}
		a, err := col(name)
		if err != nil {
			return nil, err
		}
		if c.encs[i], err = onlinestore.NewColumnEncoder(a, l.view.Features[i].Type); err != nil {
			return nil, fmt.Errorf("feature view %q: column %q: %w", l.view.Name, name, err)
		}
	}
	ts, err := col(l.cols.Timestamp)
	if err != nil {
		return nil, err
	}
	if c.eventAt, err = catalog.TimeReader(ts); err != nil {
		return nil, fmt.Errorf("feature view %q: column %q: %w", l.view.Name, l.cols.Timestamp, err)
	}
	c.createdAt = func(int) (time.Time, bool) { return time.Time{}, false }
	if l.cols.Created != "" {
		a, err := col(l.cols.Created)
		if err != nil {
			return nil, err
		}
		if c.createdAt, err = catalog.TimeReader(a); err != nil {
			return nil, fmt.Errorf("feature view %q: column %q: %w", l.view.Name, l.cols.Created, err)
		}
	}
	return c, nil
}

// Why a scanned row is not kept.
const (
	rowKept       = iota
	rowNullKey    // or no event time: Feast cannot place the row either
	rowOtherShard // another shard keeps its entity
	rowOutOfRange // its event or created time has no int64 nanoseconds
)

// read puts the whole key of row i (row numbers it for errors) in l.keyBuf
// and returns its times, or why it is not kept.
func (l *Latest) read(c *columns, i int, row int64) (event, created int64, fate int, err error) {
	var ok bool
	l.keyBuf, ok, err = l.keyEnc.AppendRow(l.keyBuf[:0], c.keys, i)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("feature view %q: row %d: join key: %w", l.view.Name, row, err)
	}
	if !ok {
		return 0, 0, rowNullKey, nil
	}
	if !l.shard.Owns(l.keyBuf) {
		return 0, 0, rowOtherShard, nil
	}
	ev, ok := c.eventAt(i)
	if !ok {
		return 0, 0, rowNullKey, nil
	}
	cr, _ := c.createdAt(i)
	if !nanoTime(ev) || !cr.IsZero() && !nanoTime(cr) {
		return 0, 0, rowOutOfRange, nil // UnixNano would wrap around, and the row would win or lose at random
	}
	if cr.IsZero() {
		return ev.UnixNano(), 0, rowKept, nil
	}
	return ev.UnixNano(), cr.UnixNano(), rowKept, nil
}

// encode puts the serialized Values of row i in l.valBuf, each preceded by
// its length (only those of c's encoders).
func (l *Latest) encode(c *columns, i int, row int64) error {
	l.valBuf = l.valBuf[:0]
	for j, enc := range c.encs {
		if enc == nil {
			continue
		}
		start := len(l.valBuf)
		l.valBuf = append(l.valBuf, make([]byte, binary.MaxVarintLen32)...) // room for the length
		var err error
		if l.valBuf, err = enc(l.valBuf, i); err != nil {
			return l.badValue(row, j, err)
		}
		body := len(l.valBuf) - start - binary.MaxVarintLen32
		hdr := binary.PutUvarint(l.valBuf[start:], uint64(body))
		copy(l.valBuf[start+hdr:], l.valBuf[start+binary.MaxVarintLen32:])
		l.valBuf = l.valBuf[:start+hdr+body]
	}
	return nil
}

func (l *Latest) badValue(row int64, col int, err error) error {
	return fmt.Errorf("feature view %q: row %d, column %q: %w (expected %s)", l.view.Name, row, l.cols.Features[col], err, registry.DtypeName(l.view.Features[col].Type))
}

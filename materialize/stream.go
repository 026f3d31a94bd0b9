package materialize

import (
	"fmt"
	"iter"
	"math/bits"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/feast-go/feast-go/onlinestore"
)

// A stream writes a view in two reads of its files instead of one. The first
// fills a KeysOnly Latest: which row of each entity is the newest, by its
// number in the scan, and every Value of the rows that were the newest at
// some point encoded once, so that bad data fails the view before any write,
// as it does when the rows are held. The second read hands exactly those rows
// to the writers as it goes, encoded again; the other rows cost it nothing
// but their decoding. The view's Values are never all in memory (about 70
// instead of 165 bytes an entity for 10 Float64 features), and the writes
// overlap the second read. A view whose rows build vectors from memory, or
// whose store wants rows grouped (a Redis Cluster), holds its rows instead
// (Writer.Streams).
//
// iceberg-go yields a scan's batches in the order of its files and of their
// rows, whatever the projection or concurrency, so a row has the same number
// in both reads. Each row picked (once: a slot has one newest row) is
// checked all the same: it must be its entity's, with the newest times.

// streamChunks hands fn the rows of batches that lt kept, size at a time.
// lt must have kept only keys (KeysOnly) from the same rows in the same
// order: rows that differ fail the view rather than write something else.
// It can be called once.
func (l *Latest) streamChunks(batches iter.Seq2[arrow.RecordBatch, error], size int, fn func(chunk) error) error {
	st := &streamer{l: l, size: size, send: fn, free: make(chan *streamChunk, 16)}
	if err := st.pick(); err != nil {
		return err
	}
	st.cur = st.chunk()
	for rec, err := range batches {
		if err != nil {
			return err
		}
		err = st.add(rec)
		st.scanned += rec.NumRows()
		rec.Release()
		if err != nil {
			return err
		}
	}
	if len(st.cur.rows) > 0 {
		if err := st.hand(); err != nil {
			return err
		}
	}
	if st.scanned != l.scanned || st.handed != int64(l.Entities()) {
		return l.changed(fmt.Sprintf("found %d rows and %d newest rows, the first %d and %d", st.scanned, st.handed, l.scanned, l.Entities()))
	}
	return nil
}

// changed is the error of a second read that does not find the first's rows.
func (l *Latest) changed(what string) error {
	return fmt.Errorf("feature view %q: the second read of its files %s: the data changed between the reads, so nothing more is written and its interval is not recorded", l.view.Name, what)
}

// streamer fills chunks with the rows it picks and hands them over.
// Handed-over chunks come back (free) once written, so that a run fills a
// few chunks over and over instead of making garbage of every one.
type streamer struct {
	l               *Latest
	size            int
	send            func(chunk) error
	cur             *streamChunk
	free            chan *streamChunk
	picks           []uint64 // the rows to hand over, in order: row number << slotBits | slot
	slotBits        int
	scanned, handed int64
}

// pick lists the kept rows in the order of the scan, each with its slot, in
// 8 bytes (the row numbers are dropped from the Latest).
func (st *streamer) pick() error {
	l := st.l
	st.slotBits = bits.Len(uint(l.rowOf.len()))
	if l.scanned > 0 && bits.Len64(uint64(l.scanned)) > 64-st.slotBits {
		return fmt.Errorf("feature view %q: %d rows over %d entities are too many to stream; use --read-once", l.view.Name, l.scanned, l.rowOf.len())
	}
	st.picks = make([]uint64, 0, l.rowOf.len())
	for i := range l.rowOf.len() {
		st.picks = append(st.picks, uint64(*l.rowOf.at(int32(i)))<<st.slotBits|uint64(i))
	}
	slices.Sort(st.picks)
	l.rowOf = blocks[int64]{}
	return nil
}

// streamChunk is a chunk being filled: its rows, and the Values and keys
// they point into.
type streamChunk struct {
	rows   []onlinestore.Row
	values [][]byte
	slab   []byte // the Values' bytes
	keys   []byte
}

// chunk is an empty chunk: a written one, or a new one.
func (st *streamer) chunk() *streamChunk {
	select {
	case c := <-st.free:
		c.rows, c.values, c.slab, c.keys = c.rows[:0], c.values[:0], c.slab[:0], c.keys[:0]
		return c
	default:
		n, nf := st.size, len(st.l.cols.Features)
		return &streamChunk{rows: make([]onlinestore.Row, 0, n), values: make([][]byte, 0, n*nf),
			slab: make([]byte, 0, n*nf*10), keys: make([]byte, 0, n*40)}
	}
}

// hand sends the current chunk, to come back once written, and starts another.
func (st *streamer) hand() error {
	c := st.cur
	st.handed += int64(len(c.rows))
	st.cur = st.chunk()
	return st.send(chunk{rows: c.rows, free: func() {
		select {
		case st.free <- c:
		default:
		}
	}})
}

// add picks the rows of rec that lt kept.
func (st *streamer) add(rec arrow.RecordBatch) error {
	l := st.l
	last := uint64(st.scanned + rec.NumRows())
	if len(st.picks) == 0 || st.picks[0]>>st.slotBits > last {
		return nil
	}
	c, err := l.columns(rec, true)
	if err != nil {
		return err
	}
	for len(st.picks) > 0 && st.picks[0]>>st.slotBits <= last {
		row, idx := int64(st.picks[0]>>st.slotBits), int32(st.picks[0]&(1<<st.slotBits-1))
		st.picks = st.picks[1:]
		i := int(row - st.scanned - 1)
		event, created, fate, err := l.read(c, i, row)
		if err != nil {
			return err
		}
		if fate != rowKept {
			return l.changed(fmt.Sprintf("found row %d without a key or time to keep", row))
		}
		sl := l.slots.at(idx)
		if string(l.keyBuf[len(l.prefix):]) != string(l.suffixOf(sl)) {
			return l.changed(fmt.Sprintf("found at row %d another entity", row))
		}
		if sl.event != event || l.createdOf(idx) != created {
			return l.changed(fmt.Sprintf("found at row %d a row the first did not keep", row))
		}
		s := st.cur
		start := len(s.values)
		for j, enc := range c.encs {
			from := len(s.slab)
			if s.slab, err = enc(s.slab, i); err != nil {
				return l.badValue(row, j, err)
			}
			s.values = append(s.values, s.slab[from:len(s.slab):len(s.slab)])
		}
		from := len(s.keys)
		s.keys = append(s.keys, l.keyBuf...)
		s.rows = append(s.rows, storeRow(s.keys[from:len(s.keys):len(s.keys)], s.values[start:len(s.values):len(s.values)], event, created))
		if len(s.rows) == st.size {
			if err := st.hand(); err != nil {
				return err
			}
		}
	}
	return nil
}

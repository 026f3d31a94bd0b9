package materialize

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
)

// slot is one entity's latest row: times as Unix nanoseconds, and where its
// key and its serialized Values (each preceded by its length as a uvarint)
// sit in the arenas.
type slot struct {
	event, created int64
	key, val       int64 // arena addresses
	keyLen         int32
	valLen, valCap int32
	tried, written bool // in an acknowledged write; taken by the store (not skipped as older)
	carried        bool // taken with its entity's vector (a rider)
}

// Latest keeps the newest row per entity key (event time, then created time).
// Its memory is proportional to the distinct entities, not the rows scanned,
// and none of it holds pointers, so the garbage collector never scans it: a
// hash index, slots in fixed blocks, and keys and values in fixed arena
// blocks (nothing is copied when they grow; a newer row of the same size
// overwrites the old one in place).
type Latest struct {
	view    *registry.FeatureView
	cols    catalog.Columns
	keyEnc  *onlinestore.KeyEncoder
	version int

	seed     maphash.Seed
	index    map[uint64]int32 // key hash -> slot
	overflow map[string]int32 // keys whose hash another key already holds
	slots    blocks[slot]
	keys     arena
	vals     arena

	scanned, nullKeys int64
	outOfRange        int64 // rows whose event or created time has no int64 nanoseconds
	shard             Shard // the entities kept; zero: all
	others            int64 // rows of entities other shards keep
	keyBuf, valBuf    []byte
	tried             atomic.Int64 // slots marked tried
}

func NewLatest(fv *registry.FeatureView, cols catalog.Columns, version int) *Latest {
	return &Latest{view: fv, cols: cols, version: version, seed: maphash.MakeSeed(), index: map[uint64]int32{},
		keyEnc: onlinestore.NewKeyEncoder(fv.JoinKeys(), version)}
}

// Only keeps the entities of shard s (call it before Add).
func (l *Latest) Only(s Shard) { l.shard = s }

// Add folds one record batch in. rowBase numbers the batch's first row for errors.
func (l *Latest) Add(rec arrow.RecordBatch) error {
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
		if !l.shard.Owns(l.keyBuf) {
			l.others++
			continue
		}
		ev, ok := eventAt(i)
		if !ok {
			l.nullKeys++ // no event time: Feast cannot place the row either
			continue
		}
		cr, _ := createdAt(i)
		if !nanoTime(ev) || !cr.IsZero() && !nanoTime(cr) {
			l.outOfRange++ // UnixNano would wrap around, and the row would win or lose at random
			continue
		}
		event, created := ev.UnixNano(), cr.UnixNano()
		if cr.IsZero() {
			created = 0
		}
		h := maphash.Bytes(l.seed, l.keyBuf)
		idx, seen := l.lookup(h, l.keyBuf)
		if seen {
			cur := l.slots.at(idx)
			if event < cur.event || (event == cur.event && created <= cur.created) {
				continue
			}
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
		l.keep(h, idx, seen, event, created)
	}
	l.scanned += int64(n)
	return nil
}

// lookup finds the slot of key (hash h).
func (l *Latest) lookup(h uint64, key []byte) (int32, bool) {
	if idx, ok := l.index[h]; ok {
		s := l.slots.at(idx)
		if string(l.keys.bytes(s.key, int(s.keyLen))) == string(key) {
			return idx, true
		}
		idx, ok := l.overflow[string(key)]
		return idx, ok
	}
	return 0, false
}

// keep stores valBuf as the row of keyBuf (slot idx when seen).
func (l *Latest) keep(h uint64, idx int32, seen bool, event, created int64) {
	n := int32(len(l.valBuf))
	if !seen {
		idx = int32(l.slots.len())
		l.slots.add(slot{event: event, created: created, key: l.keys.add(l.keyBuf), keyLen: int32(len(l.keyBuf)),
			val: l.vals.add(l.valBuf), valLen: n, valCap: n})
		if _, taken := l.index[h]; taken {
			if l.overflow == nil {
				l.overflow = map[string]int32{}
			}
			l.overflow[string(l.keyBuf)] = idx
		} else {
			l.index[h] = idx
		}
		return
	}
	s := l.slots.at(idx)
	s.event, s.created, s.valLen = event, created, n
	if n <= s.valCap { // same-size rows (fixed-width types) overwrite in place
		copy(l.vals.bytes(s.val, int(n)), l.valBuf)
		return
	}
	s.val, s.valCap = l.vals.add(l.valBuf), n
}

// entities is how many distinct entities were kept.
func (l *Latest) Entities() int { return l.slots.len() }

// chunks hands the kept rows to fn as store rows, size at a time, building
// each chunk only when it is handed over, rows of one key group together,
// with the slot of each row (for markWritten). Keys and values point into
// the arenas, which no longer change once the scan is done.
func (l *Latest) chunks(size int, groups onlinestore.KeyGroups, fn func([]onlinestore.Row, []int32) error) error {
	nf := len(l.cols.Features)
	chunk := make([]onlinestore.Row, 0, size)
	slots := make([]int32, 0, size)
	values := make([][]byte, 0, size*nf)
	order := groups.Order(l.slots.len(), func(i int) []byte {
		s := l.slots.at(int32(i))
		return l.keys.bytes(s.key, int(s.keyLen))
	})
	for n := range l.slots.len() {
		i := int32(n)
		if order != nil {
			i = order[n]
		}
		s := l.slots.at(i)
		start := len(values)
		values = l.appendValues(values, s)
		row := onlinestore.Row{Key: l.keys.bytes(s.key, int(s.keyLen)), EventTS: time.Unix(0, s.event).UTC(),
			Values: values[start:len(values):len(values)]}
		if l.cols.Created != "" && s.created != 0 {
			row.CreatedTS = time.Unix(0, s.created).UTC()
		}
		chunk, slots = append(chunk, row), append(slots, i)
		if len(chunk) == size {
			if err := fn(chunk, slots); err != nil {
				return err
			}
			chunk, slots = make([]onlinestore.Row, 0, size), make([]int32, 0, size)
			values = make([][]byte, 0, size*nf)
		}
	}
	if len(chunk) > 0 {
		return fn(chunk, slots)
	}
	return nil
}

// appendValues appends the serialized Values of slot s, which point into
// the value arena.
func (l *Latest) appendValues(dst [][]byte, s *slot) [][]byte {
	b := l.vals.bytes(s.val, int(s.valLen))
	for range len(l.cols.Features) {
		n, m := binary.Uvarint(b)
		dst = append(dst, b[m:m+int(n)])
		b = b[m+int(n):]
	}
	return dst
}

// markWritten notes that an acknowledged write tried rows (of slots), and
// that the store took those st does not list as skipped, with their riders;
// it returns how many riders were taken. When the store could not tell which
// rows it skipped, none is marked taken: their vectors are then built from
// what the store holds. Writers mark distinct slots concurrently; the marks
// are read once every write has returned.
func (l *Latest) markWritten(slots []int32, rows []onlinestore.Row, st onlinestore.WriteStats) (carried int64) {
	older, landed := st.Older, st.Landed()
	for i, idx := range slots {
		s := l.slots.at(idx)
		s.tried = true
		if len(older) > 0 && older[0] == i {
			older = older[1:]
			continue
		}
		s.written = landed
		s.carried = landed && rows[i].Rider != nil
		if s.carried {
			carried++
		}
	}
	l.tried.Add(int64(len(slots)))
	return carried
}

// markTried notes rows whose write failed: the store may hold them or not,
// so their vectors are rebuilt from what it holds.
func (l *Latest) markTried(slots []int32) {
	for _, idx := range slots {
		l.slots.at(idx).tried = true
	}
	l.tried.Add(int64(len(slots)))
}

// The methods below make a Latest a precompute.Kept: the vectors of the
// entities a run wrote are built from its rows instead of being read back.

// Written appends to dst the Values (in the view's feature order) of the
// row the store took for key, and returns its event time; ok is false when
// the store took none (the row was not newer than the stored one, or its
// write failed).
func (l *Latest) Written(key []byte, dst [][]byte) (_ [][]byte, eventTS time.Time, ok bool) {
	idx, seen := l.lookup(maphash.Bytes(l.seed, key), key)
	if !seen {
		return dst, time.Time{}, false
	}
	s := l.slots.at(idx)
	if !s.written {
		return dst, time.Time{}, false
	}
	return l.appendValues(dst, s), time.Unix(0, s.event).UTC(), true
}

// Carried reports whether key's row was taken with its entity's vector.
func (l *Latest) Carried(key []byte) bool {
	idx, seen := l.lookup(maphash.Bytes(l.seed, key), key)
	return seen && l.slots.at(idx).carried
}

// Tried reports whether an acknowledged write tried key's row.
func (l *Latest) Tried(key []byte) bool {
	idx, seen := l.lookup(maphash.Bytes(l.seed, key), key)
	return seen && l.slots.at(idx).tried
}

// TriedCount is how many rows acknowledged writes tried.
func (l *Latest) TriedCount() int64 { return l.tried.Load() }

// EachTried hands fn the keys of the rows acknowledged writes tried (with
// uncarried, only those not taken with their vectors), size at a time, those
// of one key group together. The keys point into the arena; each batch is
// fn's to keep.
func (l *Latest) EachTried(size int, groups onlinestore.KeyGroups, uncarried bool, fn func(keys [][]byte) error) error {
	order := groups.Order(l.slots.len(), func(i int) []byte {
		s := l.slots.at(int32(i))
		return l.keys.bytes(s.key, int(s.keyLen))
	})
	batch := make([][]byte, 0, size)
	for n := range l.slots.len() {
		i := int32(n)
		if order != nil {
			i = order[n]
		}
		s := l.slots.at(i)
		if !s.tried || uncarried && s.carried {
			continue
		}
		batch = append(batch, l.keys.bytes(s.key, int(s.keyLen)))
		if len(batch) == size {
			if err := fn(batch); err != nil {
				return err
			}
			batch = make([][]byte, 0, size)
		}
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

const blockBytes = 4 << 20

// arena stores byte strings in fixed 4 MiB blocks; an address is
// block*blockBytes + offset. Blocks never move.
type arena struct{ blocks [][]byte }

func (a *arena) add(b []byte) int64 {
	last := len(a.blocks) - 1
	if last < 0 || cap(a.blocks[last])-len(a.blocks[last]) < len(b) {
		if len(b) > blockBytes {
			panic(fmt.Sprintf("materialize: a %d-byte row does not fit an arena block", len(b)))
		}
		a.blocks = append(a.blocks, make([]byte, 0, blockBytes))
		last++
	}
	off := len(a.blocks[last])
	a.blocks[last] = append(a.blocks[last], b...)
	return int64(last)*blockBytes + int64(off)
}

func (a *arena) bytes(addr int64, n int) []byte {
	blk, off := addr/blockBytes, addr%blockBytes
	return a.blocks[blk][off : off+int64(n) : off+int64(n)]
}

// blocks is a growable slice in fixed blocks: growth never copies.
type blocks[T any] struct {
	list [][]T
	n    int
}

const blockLen = 1 << 16

func (b *blocks[T]) add(v T) {
	if b.n%blockLen == 0 {
		b.list = append(b.list, make([]T, 0, blockLen))
	}
	last := len(b.list) - 1
	b.list[last] = append(b.list[last], v)
	b.n++
}

func (b *blocks[T]) at(i int32) *T { return &b.list[int(i)/blockLen][int(i)%blockLen] }
func (b *blocks[T]) len() int      { return b.n }

// nanoTime reports whether t's nanoseconds since 1970 fit an int64 (the years
// 1677 to 2262), which the newer-wins comparison needs.
func nanoTime(t time.Time) bool {
	return !t.Before(minNano) && !t.After(maxNano)
}

var minNano, maxNano = time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)

package materialize

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
)

// slot is one entity's latest row: its event time as Unix nanoseconds, and
// where its record sits in the arena: the key (without the prefix every key
// of the view shares), then the serialized Values, each preceded by its
// length as a uvarint. The created time, when the view has one, is kept
// apart (Latest.created), so views without it do not pay for it.
type slot struct {
	event          int64
	rec            int64 // arena address
	keyLen         uint32
	valLen, valCap uint32
	flags          uint8
}

// Slot flags.
const (
	tried   uint8 = 1 << iota // in an acknowledged write
	written                   // taken by the store (not skipped as older)
	carried                   // taken with its entity's vector (a rider)
)

// Latest keeps the newest row per entity key (event time, then created time).
// Its memory is proportional to the distinct entities, not the rows scanned,
// and none of it holds pointers, so the garbage collector never scans it: a
// hash index of slot numbers, slots in fixed blocks, and records in fixed
// arena blocks (nothing is copied when they grow; a newer row of the same
// size overwrites the old one in place). For one INT64 join key and 10
// Float64 features that is about 165 bytes an entity: a 116-byte record (the
// key without its prefix, 16, and the Values, 100), a 32-byte slot, and 8 to
// 21 bytes of index (BenchmarkLatestKeep).
type Latest struct {
	view    *registry.FeatureView
	cols    catalog.Columns
	keyEnc  *onlinestore.KeyEncoder
	version int

	seed    maphash.Seed
	prefix  []byte // of every key (the join keys' names), kept once
	index   index
	slots   blocks[slot]
	created blocks[int64] // per slot, when the view has a created time
	recs    arena

	scanned, nullKeys int64
	outOfRange        int64 // rows whose event or created time has no int64 nanoseconds
	shard             Shard // the entities kept; zero: all
	others            int64 // rows of entities other shards keep
	keyBuf, valBuf    []byte
	tried             atomic.Int64  // slots marked tried
	keysOnly          bool          // keep no Values (KeysOnly)
	checked           []bool        // with keysOnly, the features whose values can be refused, by index
	rowOf             blocks[int64] // with keysOnly, per slot, the number of its row in the scan (from 1)
}

func NewLatest(fv *registry.FeatureView, cols catalog.Columns, version int) *Latest {
	l := &Latest{view: fv, cols: cols, version: version, seed: maphash.MakeSeed(),
		keyEnc: onlinestore.NewKeyEncoder(fv.JoinKeys(), version)}
	l.prefix = l.keyEnc.Prefix()
	return l
}

// Only keeps the entities of shard s (call it before Add).
func (l *Latest) Only(s Shard) { l.shard = s }

// KeysOnly makes the Latest keep which row of each entity is the newest, but
// not its Values (call it before Add): a stream (stream.go) reads them again.
// Add then needs only the columns Columns names.
func (l *Latest) KeysOnly() {
	l.keysOnly = true
	l.checked = make([]bool, len(l.view.Features))
	for i, f := range l.view.Features {
		l.checked[i] = onlinestore.RefusesRows(f.Type)
	}
}

// Columns are the source columns Add reads: all of the view's, or with
// KeysOnly the join keys, the times, and the features whose values the
// encoder can refuse (checked before any write).
func (l *Latest) Columns() []string {
	if !l.keysOnly {
		return l.cols.All()
	}
	c := catalog.Columns{JoinKeys: l.cols.JoinKeys, Timestamp: l.cols.Timestamp, Created: l.cols.Created}
	for i, name := range l.cols.Features {
		if l.checked[i] {
			c.Features = append(c.Features, name)
		}
	}
	return c.All()
}

// Add folds one record batch in.
func (l *Latest) Add(rec arrow.RecordBatch) error {
	c, err := l.columns(rec, false)
	if err != nil {
		return err
	}
	for i := range c.rows {
		row := l.scanned + int64(i) + 1
		event, created, fate, err := l.read(c, i, row)
		switch {
		case err != nil:
			return err
		case fate == rowNullKey:
			l.nullKeys++
			continue
		case fate == rowOtherShard:
			l.others++
			continue
		case fate == rowOutOfRange:
			l.outOfRange++
			continue
		}
		key := l.keyBuf[len(l.prefix):]
		h := maphash.Bytes(l.seed, key)
		idx, seen := l.lookup(h, key)
		if seen {
			cur := l.slots.at(idx).event
			if event < cur || (event == cur && created <= l.createdOf(idx)) {
				continue
			}
		}
		if err := l.encode(c, i, row); err != nil {
			return err
		}
		if l.keysOnly {
			l.valBuf = l.valBuf[:0] // checked; read again when written (stream.go)
		}
		l.keep(h, key, idx, seen, event, created)
		if l.keysOnly {
			if seen {
				*l.rowOf.at(idx) = row
			} else {
				l.rowOf.add(row)
			}
		}
	}
	l.scanned += int64(c.rows)
	return nil
}

// lookup finds the slot of key (without the prefix; hash h).
func (l *Latest) lookup(h uint64, key []byte) (int32, bool) {
	for pos, idx := l.index.next(h, -1); idx >= 0; pos, idx = l.index.next(h, pos) {
		if string(l.suffixOf(l.slots.at(idx))) == string(key) {
			return idx, true
		}
	}
	return 0, false
}

// find finds the slot of a whole serialized key.
func (l *Latest) find(key []byte) (int32, bool) {
	if !bytes.HasPrefix(key, l.prefix) {
		return 0, false
	}
	key = key[len(l.prefix):]
	return l.lookup(maphash.Bytes(l.seed, key), key)
}

// keep stores valBuf as the row of key (without the prefix; slot idx when seen).
func (l *Latest) keep(h uint64, key []byte, idx int32, seen bool, event, created int64) {
	n := uint32(len(l.valBuf))
	if !seen {
		idx = int32(l.slots.len())
		l.slots.add(slot{event: event, rec: l.recs.add(key, l.valBuf), keyLen: uint32(len(key)), valLen: n, valCap: n})
		if l.cols.Created != "" {
			l.created.add(created)
		}
		l.index.insert(h, idx)
		return
	}
	s := l.slots.at(idx)
	s.event, s.valLen = event, n
	if l.cols.Created != "" {
		*l.created.at(idx) = created
	}
	if n <= s.valCap { // same-size rows (fixed-width types) overwrite in place
		copy(l.valuesOf(s), l.valBuf)
		return
	}
	s.rec, s.valCap = l.recs.add(key, l.valBuf), n // the old record is left unused
}

// createdOf is slot idx's created time (0: none).
func (l *Latest) createdOf(idx int32) int64 {
	if l.cols.Created == "" {
		return 0
	}
	return *l.created.at(idx)
}

// suffixOf and valuesOf are slot s's key (without the prefix) and serialized
// Values in the arena; appendKey appends its whole key.
func (l *Latest) suffixOf(s *slot) []byte { return l.recs.bytes(s.rec, int(s.keyLen)) }
func (l *Latest) appendKey(dst []byte, s *slot) []byte {
	return append(append(dst, l.prefix...), l.suffixOf(s)...)
}
func (l *Latest) valuesOf(s *slot) []byte {
	return l.recs.bytes(s.rec+int64(s.keyLen), int(s.valLen))
}

// order is the slots in the order groups wants them (nil: any order).
func (l *Latest) order(groups onlinestore.KeyGroups) []int32 {
	var key []byte
	return groups.Order(l.slots.len(), func(i int) []byte {
		key = l.appendKey(key[:0], l.slots.at(int32(i)))
		return key
	})
}

// keyBlock is room for the whole keys of n slots; nextKey appends slot s's
// key to it and returns it. A key stays valid when the block grows (it keeps
// pointing into the old array).
func (l *Latest) keyBlock(n int) []byte { return make([]byte, 0, n*(len(l.prefix)+16)) }
func (l *Latest) nextKey(block []byte, s *slot) ([]byte, []byte) {
	start := len(block)
	block = l.appendKey(block, s)
	return block, block[start:len(block):len(block)]
}

// entities is how many distinct entities were kept.
func (l *Latest) Entities() int { return l.slots.len() }

// chunks hands the kept rows to fn as store rows, size at a time, building
// each chunk only when it is handed over, rows of one key group together,
// with the slot of each row (for markWritten). Values point into the arena,
// which no longer changes once the scan is done; keys are built per chunk.
func (l *Latest) chunks(size int, groups onlinestore.KeyGroups, fn func([]onlinestore.Row, []int32) error) error {
	nf := len(l.cols.Features)
	chunk := make([]onlinestore.Row, 0, size)
	slots := make([]int32, 0, size)
	values := make([][]byte, 0, size*nf)
	keys := l.keyBlock(size)
	order := l.order(groups)
	for n := range l.slots.len() {
		i := int32(n)
		if order != nil {
			i = order[n]
		}
		s := l.slots.at(i)
		start := len(values)
		values = l.appendValues(values, s)
		var key []byte
		keys, key = l.nextKey(keys, s)
		row := storeRow(key, values[start:len(values):len(values)], s.event, l.createdOf(i))
		chunk, slots = append(chunk, row), append(slots, i)
		if len(chunk) == size {
			if err := fn(chunk, slots); err != nil {
				return err
			}
			chunk, slots = make([]onlinestore.Row, 0, size), make([]int32, 0, size)
			values, keys = make([][]byte, 0, size*nf), l.keyBlock(size)
		}
	}
	if len(chunk) > 0 {
		return fn(chunk, slots)
	}
	return nil
}

// storeRow is a row for the store from times in Unix nanoseconds (created 0:
// none).
func storeRow(key []byte, values [][]byte, event, created int64) onlinestore.Row {
	row := onlinestore.Row{Key: key, EventTS: time.Unix(0, event).UTC(), Values: values}
	if created != 0 {
		row.CreatedTS = time.Unix(0, created).UTC()
	}
	return row
}

// appendValues appends the serialized Values of slot s, which point into
// the arena.
func (l *Latest) appendValues(dst [][]byte, s *slot) [][]byte {
	b := l.valuesOf(s)
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
func (l *Latest) markWritten(slots []int32, rows []onlinestore.Row, st onlinestore.WriteStats) (n int64) {
	older, landed := st.Older, st.Landed()
	for i, idx := range slots {
		s := l.slots.at(idx)
		s.flags |= tried
		if len(older) > 0 && older[0] == i {
			older = older[1:]
			continue
		}
		if landed {
			s.flags |= written
			if rows[i].Rider != nil {
				s.flags |= carried
				n++
			}
		}
	}
	l.tried.Add(int64(len(slots)))
	return n
}

// markTried notes rows whose write failed: the store may hold them or not,
// so their vectors are rebuilt from what it holds.
func (l *Latest) markTried(slots []int32) {
	for _, idx := range slots {
		l.slots.at(idx).flags |= tried
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
	idx, seen := l.find(key)
	if !seen {
		return dst, time.Time{}, false
	}
	s := l.slots.at(idx)
	if s.flags&written == 0 {
		return dst, time.Time{}, false
	}
	return l.appendValues(dst, s), time.Unix(0, s.event).UTC(), true
}

// Carried reports whether key's row was taken with its entity's vector.
func (l *Latest) Carried(key []byte) bool {
	idx, seen := l.find(key)
	return seen && l.slots.at(idx).flags&carried != 0
}

// Tried reports whether an acknowledged write tried key's row.
func (l *Latest) Tried(key []byte) bool {
	idx, seen := l.find(key)
	return seen && l.slots.at(idx).flags&tried != 0
}

// TriedCount is how many rows acknowledged writes tried.
func (l *Latest) TriedCount() int64 { return l.tried.Load() }

// EachTried hands fn the keys of the rows acknowledged writes tried (with
// uncarried, only those not taken with their vectors), size at a time, those
// of one key group together. Each batch and its keys are fn's to keep.
func (l *Latest) EachTried(size int, groups onlinestore.KeyGroups, uncarried bool, fn func(keys [][]byte) error) error {
	order := l.order(groups)
	batch, keys := make([][]byte, 0, size), l.keyBlock(size)
	for n := range l.slots.len() {
		i := int32(n)
		if order != nil {
			i = order[n]
		}
		s := l.slots.at(i)
		if s.flags&tried == 0 || uncarried && s.flags&carried != 0 {
			continue
		}
		var key []byte
		keys, key = l.nextKey(keys, s)
		batch = append(batch, key)
		if len(batch) == size {
			if err := fn(batch); err != nil {
				return err
			}
			batch, keys = make([][]byte, 0, size), l.keyBlock(size)
		}
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

// nanoTime reports whether t's nanoseconds since 1970 fit an int64 (the years
// 1677 to 2262), which the newer-wins comparison needs.
func nanoTime(t time.Time) bool {
	return !t.Before(minNano) && !t.After(maxNano)
}

var minNano, maxNano = time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)

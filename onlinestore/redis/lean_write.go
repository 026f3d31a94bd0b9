package redis

import (
	"bufio"
	"context"
	"fmt"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
)

// writeChunkLean writes one pipeline of rows over the lean path: the same
// commands, arguments and bytes as the go-redis path (HSET and EXPIRE, or
// the compare-and-set script by EVALSHA), appended to one buffer. Each row's
// rider, when the view has one, goes in the row's HSET or script call.
func (s *Store) writeChunkLean(ctx context.Context, f viewFields, rider *viewFields, rows []onlinestore.Row) (onlinestore.WriteStats, error) {
	if s.opts.SkipDedup {
		n := len(rows)
		if s.opts.KeyTTL > 0 {
			n *= 2
		}
		err := s.lean.do(ctx, n, ints, func(b []byte) []byte { return s.appendBlind(b, f, rider, rows) })
		if err != nil {
			return onlinestore.WriteStats{}, s.writeFailed(ctx, err)
		}
		return onlinestore.WriteStats{Written: int64(len(rows))}, nil
	}
	calls := (len(rows) + casBatchRows - 1) / casBatchRows
	var skipped []int64
	read := func(r *bufio.Reader, call int) (reply, err error) {
		from := len(skipped)
		skipped, reply, err = readInts(r, casBatchRows, skipped)
		for i := from; i < len(skipped); i++ {
			skipped[i] += int64(call * casBatchRows)
		}
		return reply, err
	}
	err := s.lean.do(ctx, calls, read, func(b []byte) []byte {
		for from := 0; from < len(rows); from += casBatchRows {
			b = s.appendCASBatch(b, f, rider, rows[from:min(from+casBatchRows, len(rows))])
		}
		return b
	})
	if err != nil {
		return onlinestore.WriteStats{}, s.writeFailed(ctx, err)
	}
	return skippedStats(len(rows), skipped)
}

// skippedStats are the stats of a chunk of n rows whose compare-and-set
// calls skipped the rows at the given indexes.
func skippedStats(n int, skipped []int64) (onlinestore.WriteStats, error) {
	st := onlinestore.WriteStats{SkippedOlder: int64(len(skipped)), Written: int64(n - len(skipped))}
	if len(skipped) > 0 {
		st.Older = make([]int, len(skipped))
	}
	for i, x := range skipped {
		if x < 0 || x >= int64(n) || i > 0 && x <= skipped[i-1] {
			return onlinestore.WriteStats{}, fmt.Errorf("%w: the compare-and-set script skipped row %d of %d", errProtocol, x, n)
		}
		st.Older[i] = int(x)
	}
	return st, nil
}

// appendBlind appends HSET key _ts:<view> <ts> <field> <value>... per row
// (then the rider's _ts and fields), each followed by the key's expiry when
// the store has a key TTL (EXPIRE in whole seconds, PEXPIRE otherwise, as
// go-redis's Expire chooses). What is the same in every row is encoded once.
func (s *Store) appendBlind(b []byte, f viewFields, rider *viewFields, rows []onlinestore.Row) []byte {
	args := 4 + 2*len(f.fields)
	head := appendBulkString(appendArray(nil, args), "hset")
	var riding []byte // the head of a row that carries a rider
	if rider != nil {
		riding = appendBulkString(appendArray(nil, args+2+2*len(rider.fields)), "hset")
	}
	names, riderNames := f.bulks(), rider.bulks()
	var expire, expireArg []byte
	if ttl := s.opts.KeyTTL; ttl > 0 {
		if ttl%time.Second == 0 {
			expire = appendBulkString(appendArray(nil, 3), "expire")
			expireArg = appendBulkInt(nil, int64(ttl/time.Second))
		} else {
			expire = appendBulkString(appendArray(nil, 3), "pexpire")
			expireArg = appendBulkInt(nil, max(ttl.Milliseconds(), 1))
		}
	}
	for _, r := range rows {
		if rider != nil && r.Rider != nil {
			b = append(b, riding...)
		} else {
			b = append(b, head...)
		}
		b = s.appendKey(b, r.Key)
		b = appendPairs(b, names, r)
		if rider != nil && r.Rider != nil {
			b = appendPairs(b, riderNames, *r.Rider)
		}
		if expire != nil {
			b = append(b, expire...)
			b = s.appendKey(b, r.Key)
			b = append(b, expireArg...)
		}
	}
	return b
}

// bulks encodes the field names as arguments: the _ts field first.
func (f *viewFields) bulks() [][]byte {
	if f == nil {
		return nil
	}
	out := [][]byte{appendBulkString(nil, f.ts)}
	for _, name := range f.fields {
		out = append(out, appendBulkString(nil, name))
	}
	return out
}

// appendPairs appends a row's field-value pairs: _ts and its event time,
// then each feature and its value (names as bulks encodes them).
func appendPairs(b []byte, names [][]byte, r onlinestore.Row) []byte {
	var ts [onlinestore.MaxTimestampLen]byte
	b = append(b, names[0]...)
	b = appendBulk(b, onlinestore.AppendTimestamp(ts[:0], r.EventTS))
	for i, name := range names[1:] {
		b = append(b, name...)
		b = appendBulk(b, r.Values[i])
	}
	return b
}

// appendCASBatch appends one call of the compare-and-set script over rows:
// the same keys and arguments as queueBatches passes, and the riders.
func (s *Store) appendCASBatch(b []byte, f viewFields, rider *viewFields, rows []onlinestore.Row) []byte {
	n, m := len(f.fields)+1, 0
	if rider != nil {
		m = len(rider.fields) + 1
	}
	stride := n + 2
	if m > 0 {
		stride += m + 2
	}
	b = appendArray(b, 3+len(rows)+5+n+m+len(rows)*stride)
	b = appendBulkString(b, "evalsha")
	b = appendBulkString(b, casBatchScript.Hash())
	b = appendBulkInt(b, int64(len(rows)))
	for _, r := range rows {
		b = s.appendKey(b, r.Key)
	}
	b = appendBulkString(b, f.ts)
	b = appendBulkInt(b, int64(s.opts.KeyTTL/time.Second))
	b = appendBulkInt(b, int64(n))
	b = appendNames(b, f)
	if rider == nil {
		b = appendBulkInt(b, 0)
		b = appendBulkString(b, "")
	} else {
		b = appendBulkInt(b, int64(m))
		b = appendBulkString(b, rider.ts)
		b = appendNames(b, *rider)
	}
	for _, r := range rows {
		b = appendCASRow(b, r)
		switch {
		case rider != nil && r.Rider != nil:
			b = appendCASRow(b, *r.Rider)
		case rider != nil: // none for this row: nanoseconds -1, and empty values
			b = appendBulkInt(b, 0)
			b = appendBulkInt(b, -1)
			for range m {
				b = appendBulk(b, nil)
			}
		}
	}
	return b
}

// appendNames appends a view's field names as the script takes them: the
// features, then the _ts field.
func appendNames(b []byte, f viewFields) []byte {
	for _, name := range f.fields {
		b = appendBulkString(b, name)
	}
	return appendBulkString(b, f.ts)
}

// appendCASRow appends a row as the script takes it: its event time's
// seconds and nanoseconds, its values, then its serialized event time.
func appendCASRow(b []byte, r onlinestore.Row) []byte {
	var ts [onlinestore.MaxTimestampLen]byte
	b = appendBulkInt(b, r.EventTS.Unix())
	b = appendBulkInt(b, int64(r.EventTS.Nanosecond()/1000*1000))
	for _, v := range r.Values {
		b = appendBulk(b, v)
	}
	return appendBulk(b, onlinestore.AppendTimestamp(ts[:0], r.EventTS))
}

// readLean reads fields of every key (HMGET, in one pipeline) over the lean
// path. The values share one buffer; value(i, pos) is key i's field pos.
func (s *Store) readLean(ctx context.Context, keys [][]byte, fields []string) (value func(i, pos int) ([]byte, bool), err error) {
	head := appendBulkString(appendArray(nil, 2+len(fields)), "hmget")
	var tail []byte
	for _, f := range fields {
		tail = appendBulkString(tail, f)
	}
	var buf []byte
	at := make([][2]int, 0, len(keys)*len(fields))
	read := func(r *bufio.Reader, _ int) (reply, err error) {
		buf, at, reply, err = readBulks(r, len(fields), buf, at)
		return reply, err
	}
	err = s.lean.do(ctx, len(keys), read, func(b []byte) []byte {
		for _, k := range keys {
			b = append(b, head...)
			b = s.appendKey(b, k)
			b = append(b, tail...)
		}
		return b
	})
	if err != nil {
		return nil, err
	}
	return func(i, pos int) ([]byte, bool) {
		a := at[i*len(fields)+pos]
		if a[0] < 0 {
			return nil, false
		}
		return buf[a[0]:a[1]:a[1]], true
	}, nil
}

// appendKey appends a row's Redis key: the serialized entity key, then the project.
func (s *Store) appendKey(b, key []byte) []byte {
	b = appendLen(b, '$', len(key)+len(s.opts.Project))
	b = append(b, key...)
	b = append(b, s.opts.Project...)
	return append(b, '\r', '\n')
}

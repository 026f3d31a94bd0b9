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
// the compare-and-set script by EVALSHA), appended to one buffer.
func (s *Store) writeChunkLean(ctx context.Context, tsField string, fields []string, rows []onlinestore.Row) (onlinestore.WriteStats, error) {
	if s.opts.SkipDedup {
		n := len(rows)
		if s.opts.KeyTTL > 0 {
			n *= 2
		}
		err := s.lean.do(ctx, n, ints, func(b []byte) []byte { return s.appendBlind(b, tsField, fields, rows) })
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
			b = s.appendCASBatch(b, tsField, fields, rows[from:min(from+casBatchRows, len(rows))])
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

// appendBlind appends HSET key _ts:<view> <ts> <field> <value>... per row,
// each followed by the key's expiry when the store has a key TTL (EXPIRE in
// whole seconds, PEXPIRE otherwise, as go-redis's Expire chooses). What is
// the same in every row is encoded once.
func (s *Store) appendBlind(b []byte, tsField string, fields []string, rows []onlinestore.Row) []byte {
	head := appendBulkString(appendArray(nil, 4+2*len(fields)), "hset")
	tsBulk := appendBulkString(nil, tsField)
	fieldBulks := make([][]byte, len(fields))
	for i, f := range fields {
		fieldBulks[i] = appendBulkString(nil, f)
	}
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
	var ts [onlinestore.MaxTimestampLen]byte
	for _, r := range rows {
		b = append(b, head...)
		b = s.appendKey(b, r.Key)
		b = append(b, tsBulk...)
		b = appendBulk(b, onlinestore.AppendTimestamp(ts[:0], r.EventTS))
		for i, f := range fieldBulks {
			b = append(b, f...)
			b = appendBulk(b, r.Values[i])
		}
		if expire != nil {
			b = append(b, expire...)
			b = s.appendKey(b, r.Key)
			b = append(b, expireArg...)
		}
	}
	return b
}

// appendCASBatch appends one call of the compare-and-set script over rows:
// the same keys and arguments as queueBatches passes.
func (s *Store) appendCASBatch(b []byte, tsField string, fields []string, rows []onlinestore.Row) []byte {
	var ts [onlinestore.MaxTimestampLen]byte
	n := len(fields) + 1
	b = appendArray(b, 3+len(rows)+3+n+len(rows)*(n+2))
	b = appendBulkString(b, "evalsha")
	b = appendBulkString(b, casBatchScript.Hash())
	b = appendBulkInt(b, int64(len(rows)))
	for _, r := range rows {
		b = s.appendKey(b, r.Key)
	}
	b = appendBulkString(b, tsField)
	b = appendBulkInt(b, int64(s.opts.KeyTTL/time.Second))
	b = appendBulkInt(b, int64(n))
	for _, f := range fields {
		b = appendBulkString(b, f)
	}
	b = appendBulkString(b, tsField)
	for _, r := range rows {
		b = appendBulkInt(b, r.EventTS.Unix())
		b = appendBulkInt(b, int64(r.EventTS.Nanosecond()/1000*1000))
		for _, v := range r.Values {
			b = appendBulk(b, v)
		}
		b = appendBulk(b, onlinestore.AppendTimestamp(ts[:0], r.EventTS))
	}
	return b
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

package onlinestore

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/feast-go/feast-go/registry/feastpb"
	"github.com/twmb/murmur3"
)

// FieldName is the Redis hash field Feast stores a feature under: the 4
// little-endian bytes of murmur3_x86_32("<view>:<feature>", seed 0).
func FieldName(view, feature string) [4]byte {
	var out [4]byte
	binary.LittleEndian.PutUint32(out[:], murmur3.SeedSum32(0, []byte(view+":"+feature)))
	return out
}

// TimestampField is the (unhashed) hash field holding a view's event timestamp.
func TimestampField(view string) string { return "_ts:" + view }

// MaxTimestampLen is the longest AppendTimestamp output: two tags, a 10-byte
// varint of negative seconds, and the nanos' 5-byte varint.
const MaxTimestampLen = 17

// AppendTimestamp appends a google.protobuf.Timestamp as Feast stores `_ts:<view>`:
// field 1 seconds and field 2 nanos as varints, zero fields omitted. Feast
// builds it from a Python datetime, so nanos carry microseconds only.
func AppendTimestamp(dst []byte, t time.Time) []byte {
	secs := t.Unix()
	nanos := int32(t.Nanosecond() / 1000 * 1000)
	if secs != 0 {
		dst = append(dst, 0x08)
		dst = binary.AppendUvarint(dst, uint64(secs))
	}
	if nanos != 0 {
		dst = append(dst, 0x10)
		dst = binary.AppendUvarint(dst, uint64(nanos))
	}
	return dst
}

// KeyEncoder serializes entity keys of one set of join keys, as Feast's
// serialize_entity_key does: (v3) u32 count, then for each join key in sorted
// order u32 type STRING, u32 length and the name, then each value as u32 type,
// u32 length and its bytes. Version 2 omits the count and the name lengths;
// versions 1 and lower also write int64 values in 4 bytes. The key names are
// encoded once; Append adds only the values.
type KeyEncoder struct {
	joinKeys []string
	order    []int // order[i]: index in joinKeys of the i-th sorted key
	prefix   []byte
	version  int
}

// NewKeyEncoder prepares an encoder for join keys given in view order.
func NewKeyEncoder(joinKeys []string, version int) *KeyEncoder {
	order := make([]int, len(joinKeys))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case joinKeys[a] < joinKeys[b]:
			return -1
		case joinKeys[a] > joinKeys[b]:
			return 1
		}
		return 0
	})
	e := &KeyEncoder{joinKeys: slices.Clone(joinKeys), order: order, version: version}
	e.prefix = e.appendPrefix(nil)
	return e
}

func (e *KeyEncoder) appendPrefix(dst []byte) []byte {
	if e.version > 2 {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(e.joinKeys)))
	}
	for _, i := range e.order {
		k := e.joinKeys[i]
		dst = binary.LittleEndian.AppendUint32(dst, uint32(feastpb.ValueType_STRING))
		if e.version > 2 {
			dst = binary.LittleEndian.AppendUint32(dst, uint32(len(k)))
		}
		dst = append(dst, k...)
	}
	return dst
}

// Prefix is the serialized key names alone: Feast's serialize_entity_key_prefix,
// the start of every key of these join keys (used to SCAN for them).
func (e *KeyEncoder) Prefix() []byte { return e.prefix }

// Append appends the serialized key for values given in join-key (view) order.
func (e *KeyEncoder) Append(dst []byte, values []*feastpb.Value) ([]byte, error) {
	if len(values) != len(e.joinKeys) {
		return dst, fmt.Errorf("entity key: %d values for %d join keys", len(values), len(e.joinKeys))
	}
	dst = append(dst, e.prefix...)
	for _, i := range e.order {
		var err error
		if dst, err = appendKeyValue(dst, values[i], e.version); err != nil {
			return dst, fmt.Errorf("entity key %q: %w", e.joinKeys[i], err)
		}
	}
	return dst, nil
}

func appendKeyValue(dst []byte, v *feastpb.Value, version int) ([]byte, error) {
	put := func(t feastpb.ValueType_Enum, b []byte) []byte {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(t))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(b)))
		return append(dst, b...)
	}
	var buf [8]byte
	switch x := v.GetVal().(type) {
	case *feastpb.Value_StringVal:
		return put(feastpb.ValueType_STRING, []byte(x.StringVal)), nil
	case *feastpb.Value_BytesVal:
		return put(feastpb.ValueType_BYTES, x.BytesVal), nil
	case *feastpb.Value_Int32Val:
		binary.LittleEndian.PutUint32(buf[:4], uint32(x.Int32Val))
		return put(feastpb.ValueType_INT32, buf[:4]), nil
	case *feastpb.Value_Int64Val:
		if version <= 1 {
			if x.Int64Val < math.MinInt32 || x.Int64Val > math.MaxInt32 {
				return dst, fmt.Errorf("int64 value %d does not fit the 4 bytes of entity key serialization version %d", x.Int64Val, version)
			}
			binary.LittleEndian.PutUint32(buf[:4], uint32(int32(x.Int64Val)))
			return put(feastpb.ValueType_INT64, buf[:4]), nil
		}
		binary.LittleEndian.PutUint64(buf[:], uint64(x.Int64Val))
		return put(feastpb.ValueType_INT64, buf[:]), nil
	case *feastpb.Value_UnixTimestampVal:
		binary.LittleEndian.PutUint64(buf[:], uint64(x.UnixTimestampVal))
		return put(feastpb.ValueType_UNIX_TIMESTAMP, buf[:]), nil
	}
	return dst, fmt.Errorf("value %v cannot be part of an entity key (expected string, bytes, int32, int64 or unix_timestamp)", v)
}

// DecodeEntityKey parses a version-3 serialized entity key back into join keys
// and values (in the serialized, sorted order).
func DecodeEntityKey(b []byte) ([]string, []*feastpb.Value, error) {
	r := reader{b: b}
	n := r.u32()
	if r.err == nil && uint64(n)*8 > uint64(len(b)) {
		return nil, nil, fmt.Errorf("entity key: %d keys cannot fit in %d bytes", n, len(b))
	}
	keys := make([]string, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		if t := r.u32(); r.err == nil && t != uint32(feastpb.ValueType_STRING) {
			return nil, nil, fmt.Errorf("entity key: join key %d has type %d, want STRING", i, t)
		}
		keys = append(keys, string(r.bytes(r.u32())))
	}
	vals := make([]*feastpb.Value, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		t := feastpb.ValueType_Enum(r.u32())
		raw := r.bytes(r.u32())
		if r.err != nil {
			break
		}
		v, err := decodeKeyValue(t, raw)
		if err != nil {
			return nil, nil, fmt.Errorf("entity key %q: %w", keys[i], err)
		}
		vals = append(vals, v)
	}
	if r.err == nil && r.off != len(b) {
		r.err = fmt.Errorf("%d trailing bytes", len(b)-r.off)
	}
	if r.err != nil {
		return nil, nil, fmt.Errorf("entity key: %w", r.err)
	}
	return keys, vals, nil
}

func decodeKeyValue(t feastpb.ValueType_Enum, raw []byte) (*feastpb.Value, error) {
	fixed := func(n int) error {
		if len(raw) != n {
			return fmt.Errorf("%v value of %d bytes, want %d", t, len(raw), n)
		}
		return nil
	}
	switch t {
	case feastpb.ValueType_STRING:
		return &feastpb.Value{Val: &feastpb.Value_StringVal{StringVal: string(raw)}}, nil
	case feastpb.ValueType_BYTES:
		return &feastpb.Value{Val: &feastpb.Value_BytesVal{BytesVal: slices.Clone(raw)}}, nil
	case feastpb.ValueType_INT32:
		if err := fixed(4); err != nil {
			return nil, err
		}
		return &feastpb.Value{Val: &feastpb.Value_Int32Val{Int32Val: int32(binary.LittleEndian.Uint32(raw))}}, nil
	case feastpb.ValueType_INT64:
		if err := fixed(8); err != nil {
			return nil, err
		}
		return &feastpb.Value{Val: &feastpb.Value_Int64Val{Int64Val: int64(binary.LittleEndian.Uint64(raw))}}, nil
	case feastpb.ValueType_UNIX_TIMESTAMP:
		if err := fixed(8); err != nil {
			return nil, err
		}
		return &feastpb.Value{Val: &feastpb.Value_UnixTimestampVal{UnixTimestampVal: int64(binary.LittleEndian.Uint64(raw))}}, nil
	}
	return nil, fmt.Errorf("unsupported value type %d", t)
}

type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) u32() uint32 {
	if r.err != nil {
		return 0
	}
	if len(r.b)-r.off < 4 {
		r.err = fmt.Errorf("truncated at byte %d", r.off)
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *reader) bytes(n uint32) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(len(r.b)-r.off) < uint64(n) {
		r.err = fmt.Errorf("truncated at byte %d: %d bytes announced, %d left", r.off, n, len(r.b)-r.off)
		return nil
	}
	out := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return out
}

// DescribeKey renders a version-3 serialized entity key for people:
// {customer_id="c1", driver_id=1001}.
func DescribeKey(key []byte) string {
	keys, vals, err := DecodeEntityKey(key)
	if err != nil {
		return fmt.Sprintf("%x", key)
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		var v string
		switch x := vals[i].GetVal().(type) {
		case *feastpb.Value_StringVal:
			v = fmt.Sprintf("%q", x.StringVal)
		case *feastpb.Value_BytesVal:
			v = fmt.Sprintf("0x%x", x.BytesVal)
		case *feastpb.Value_Int32Val:
			v = fmt.Sprint(x.Int32Val)
		case *feastpb.Value_Int64Val:
			v = fmt.Sprint(x.Int64Val)
		case *feastpb.Value_UnixTimestampVal:
			v = time.Unix(x.UnixTimestampVal, 0).UTC().Format(time.RFC3339)
		}
		parts[i] = k + "=" + v
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

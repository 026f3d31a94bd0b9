package onlinestore

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/feast-go/feast-go/registry/feastpb"
)

// KeyAppender appends one serialized entity key value (u32 type, u32 length,
// bytes) for row i of a join-key column; ok is false when the row's key is null.
type KeyAppender func(dst []byte, i int) (out []byte, ok bool, err error)

// NewKeyAppender converts a join-key column to the entity column's value type
// (the type in the key is the view's, not the table's, as Feast does).
func NewKeyAppender(col arrow.Array, vt feastpb.ValueType_Enum, version int) (KeyAppender, error) {
	head := func(dst []byte, t feastpb.ValueType_Enum, n int) []byte {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(t))
		return binary.LittleEndian.AppendUint32(dst, uint32(n))
	}
	switch vt {
	case feastpb.ValueType_INT64, feastpb.ValueType_INT32, feastpb.ValueType_UNIX_TIMESTAMP:
		var get func(int) int64
		var err error
		if vt == feastpb.ValueType_UNIX_TIMESTAMP {
			get, err = secondsGetter(col)
		} else {
			get, err = intGetter(col)
		}
		if err != nil {
			return nil, err
		}
		return func(dst []byte, i int) ([]byte, bool, error) {
			if col.IsNull(i) {
				return dst, false, nil
			}
			v := get(i)
			switch {
			case vt == feastpb.ValueType_INT32:
				if v < math.MinInt32 || v > math.MaxInt32 {
					return dst, false, fmt.Errorf("key %d does not fit Int32", v)
				}
				return binary.LittleEndian.AppendUint32(head(dst, vt, 4), uint32(int32(v))), true, nil
			case vt == feastpb.ValueType_INT64 && version <= 1:
				if v < math.MinInt32 || v > math.MaxInt32 {
					return dst, false, fmt.Errorf("key %d does not fit the 4 bytes of entity key serialization version %d", v, version)
				}
				return binary.LittleEndian.AppendUint32(head(dst, vt, 4), uint32(int32(v))), true, nil
			}
			return binary.LittleEndian.AppendUint64(head(dst, vt, 8), uint64(v)), true, nil
		}, nil
	case feastpb.ValueType_STRING:
		get, err := stringGetter(col)
		if err != nil {
			return nil, err
		}
		return func(dst []byte, i int) ([]byte, bool, error) {
			if col.IsNull(i) {
				return dst, false, nil
			}
			s := get(i)
			return append(head(dst, vt, len(s)), s...), true, nil
		}, nil
	case feastpb.ValueType_BYTES:
		get, err := bytesGetter(col)
		if err != nil {
			return nil, err
		}
		return func(dst []byte, i int) ([]byte, bool, error) {
			if col.IsNull(i) {
				return dst, false, nil
			}
			b := get(i)
			return append(head(dst, vt, len(b)), b...), true, nil
		}, nil
	}
	return nil, fmt.Errorf("value type %s cannot be an entity key", vt)
}

// AppendRow appends the serialized key of row i from join-key columns given in
// view order; ok is false when any key is null (Feast cannot store such a row).
func (e *KeyEncoder) AppendRow(dst []byte, cols []KeyAppender, i int) ([]byte, bool, error) {
	if len(cols) != len(e.joinKeys) {
		return dst, false, fmt.Errorf("entity key: %d columns for %d join keys", len(cols), len(e.joinKeys))
	}
	start := len(dst)
	dst = append(dst, e.prefix...)
	for _, j := range e.order {
		var ok bool
		var err error
		if dst, ok, err = cols[j](dst, i); err != nil || !ok {
			return dst[:start], false, err
		}
	}
	return dst, true, nil
}

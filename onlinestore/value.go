package onlinestore

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"
)

// ColumnEncoder appends the serialized feast.types.Value of row i to dst.
// A null (or NaN) appends nothing: Feast stores an empty Value, zero bytes.
type ColumnEncoder func(dst []byte, i int) ([]byte, error)

// Wire tags of feast.types.Value fields: field number << 3 | wire type
// (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).
const (
	tagBytes  = 1<<3 | 2
	tagString = 2<<3 | 2
	tagInt32  = 3 << 3
	tagInt64  = 4 << 3
	tagDouble = 5<<3 | 1
	tagFloat  = 6<<3 | 5
	tagBool   = 7 << 3
	tagUnixTS = 8 << 3
)

// NewColumnEncoder returns the encoder converting an Arrow column to the
// feature's value type as Feast's python_values_to_proto_values does: integers
// widen, floats convert between widths, timestamps become epoch seconds for
// UnixTimestamp, and list columns become *_LIST values. Other combinations are
// refused up front.
func NewColumnEncoder(col arrow.Array, vt feastpb.ValueType_Enum) (ColumnEncoder, error) {
	switch vt {
	case feastpb.ValueType_INT64:
		get, err := intGetter(col)
		if err != nil {
			return nil, err
		}
		return nullable(col, func(dst []byte, i int) ([]byte, error) {
			return binary.AppendUvarint(append(dst, tagInt64), uint64(get(i))), nil
		}), nil
	case feastpb.ValueType_INT32:
		get, err := intGetter(col)
		if err != nil {
			return nil, err
		}
		return nullable(col, func(dst []byte, i int) ([]byte, error) {
			v := get(i)
			if v < math.MinInt32 || v > math.MaxInt32 {
				return dst, fmt.Errorf("value %d does not fit Int32", v)
			}
			return binary.AppendUvarint(append(dst, tagInt32), uint64(int64(int32(v)))), nil
		}), nil
	case feastpb.ValueType_DOUBLE, feastpb.ValueType_FLOAT:
		get, err := floatGetter(col)
		if err != nil {
			return nil, err
		}
		if vt == feastpb.ValueType_DOUBLE {
			return nullable(col, func(dst []byte, i int) ([]byte, error) {
				v := get(i)
				if math.IsNaN(v) {
					return dst, nil
				}
				return binary.LittleEndian.AppendUint64(append(dst, tagDouble), math.Float64bits(v)), nil
			}), nil
		}
		return nullable(col, func(dst []byte, i int) ([]byte, error) {
			v := get(i)
			if math.IsNaN(v) {
				return dst, nil
			}
			f, err := toFloat32(v)
			if err != nil {
				return dst, err
			}
			return binary.LittleEndian.AppendUint32(append(dst, tagFloat), math.Float32bits(f)), nil
		}), nil
	case feastpb.ValueType_STRING, feastpb.ValueType_JSON, feastpb.ValueType_UUID, feastpb.ValueType_TIME_UUID, feastpb.ValueType_DECIMAL:
		get, err := stringGetter(col)
		if err != nil {
			return nil, err
		}
		tag := map[feastpb.ValueType_Enum]uint64{feastpb.ValueType_STRING: tagString, feastpb.ValueType_JSON: 32<<3 | 2,
			feastpb.ValueType_UUID: 36<<3 | 2, feastpb.ValueType_TIME_UUID: 37<<3 | 2, feastpb.ValueType_DECIMAL: 44<<3 | 2}[vt]
		return nullable(col, func(dst []byte, i int) ([]byte, error) {
			return appendLenField(dst, tag, get(i)), nil
		}), nil
	case feastpb.ValueType_BYTES:
		get, err := bytesGetter(col)
		if err != nil {
			return nil, err
		}
		return nullable(col, func(dst []byte, i int) ([]byte, error) {
			return appendLenField(dst, tagBytes, get(i)), nil
		}), nil
	case feastpb.ValueType_BOOL:
		c, ok := col.(*array.Boolean)
		if !ok {
			return nil, fmt.Errorf("column of type %s cannot become Bool", col.DataType())
		}
		return nullable(col, func(dst []byte, i int) ([]byte, error) {
			b := byte(0)
			if c.Value(i) {
				b = 1
			}
			return append(dst, tagBool, b), nil
		}), nil
	case feastpb.ValueType_UNIX_TIMESTAMP:
		get, err := secondsGetter(col)
		if err != nil {
			return nil, err
		}
		return nullable(col, func(dst []byte, i int) ([]byte, error) {
			return binary.AppendUvarint(append(dst, tagUnixTS), uint64(get(i))), nil
		}), nil
	}
	return newListEncoder(col, vt)
}

// RefusesRows reports whether an encoder of vt can fail on one row's value
// (a number past the type's range, a list that does not marshal), not only
// on its column's type, which NewColumnEncoder checks up front. A type not
// listed here as never failing is taken to fail: keep it in step with the
// encoders above.
func RefusesRows(vt feastpb.ValueType_Enum) bool {
	switch vt {
	case feastpb.ValueType_INT64, feastpb.ValueType_DOUBLE, feastpb.ValueType_STRING, feastpb.ValueType_JSON,
		feastpb.ValueType_UUID, feastpb.ValueType_TIME_UUID, feastpb.ValueType_DECIMAL, feastpb.ValueType_BYTES,
		feastpb.ValueType_BOOL, feastpb.ValueType_UNIX_TIMESTAMP:
		return false
	}
	return true
}

func nullable(col arrow.Array, enc ColumnEncoder) ColumnEncoder {
	if col.NullN() == 0 {
		return enc
	}
	return func(dst []byte, i int) ([]byte, error) {
		if col.IsNull(i) {
			return dst, nil
		}
		return enc(dst, i)
	}
}

func appendLenField[T string | []byte](dst []byte, tag uint64, v T) []byte {
	dst = binary.AppendUvarint(dst, tag)
	dst = binary.AppendUvarint(dst, uint64(len(v)))
	return append(dst, v...)
}

func intGetter(col arrow.Array) (func(int) int64, error) {
	switch c := col.(type) {
	case *array.Int64:
		return func(i int) int64 { return c.Value(i) }, nil
	case *array.Int32:
		return func(i int) int64 { return int64(c.Value(i)) }, nil
	case *array.Int16:
		return func(i int) int64 { return int64(c.Value(i)) }, nil
	case *array.Int8:
		return func(i int) int64 { return int64(c.Value(i)) }, nil
	case *array.Uint32:
		return func(i int) int64 { return int64(c.Value(i)) }, nil
	case *array.Uint16:
		return func(i int) int64 { return int64(c.Value(i)) }, nil
	case *array.Uint8:
		return func(i int) int64 { return int64(c.Value(i)) }, nil
	}
	return nil, fmt.Errorf("column of type %s cannot become an integer feature", col.DataType())
}

func floatGetter(col arrow.Array) (func(int) float64, error) {
	switch c := col.(type) {
	case *array.Float64:
		return func(i int) float64 { return c.Value(i) }, nil
	case *array.Float32:
		return func(i int) float64 { return float64(c.Value(i)) }, nil
	case *array.Decimal128:
		scale := c.DataType().(*arrow.Decimal128Type).Scale
		return func(i int) float64 { return c.Value(i).ToFloat64(scale) }, nil
	}
	if get, err := intGetter(col); err == nil {
		return func(i int) float64 { return float64(get(i)) }, nil
	}
	return nil, fmt.Errorf("column of type %s cannot become a floating-point feature", col.DataType())
}

func stringGetter(col arrow.Array) (func(int) string, error) {
	switch c := col.(type) {
	case *array.String:
		return c.Value, nil
	case *array.LargeString:
		return c.Value, nil
	case *array.StringView:
		return c.Value, nil
	}
	if u, ok := col.(array.ExtensionArray); ok {
		if fb, ok := u.Storage().(*array.FixedSizeBinary); ok && fb.DataType().(*arrow.FixedSizeBinaryType).ByteWidth == 16 {
			return func(i int) string { return uuidString(fb.Value(i)) }, nil
		}
	}
	return nil, fmt.Errorf("column of type %s cannot become a string feature", col.DataType())
}

func uuidString(b []byte) string {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[x>>4], hex[x&15])
	}
	return string(out)
}

func bytesGetter(col arrow.Array) (func(int) []byte, error) {
	switch c := col.(type) {
	case *array.Binary:
		return c.Value, nil
	case *array.LargeBinary:
		return c.Value, nil
	case *array.FixedSizeBinary:
		return c.Value, nil
	}
	return nil, fmt.Errorf("column of type %s cannot become a Bytes feature", col.DataType())
}

// secondsGetter reads timestamps (any unit, UTC), dates or integer epoch
// seconds as epoch seconds, as Feast stores UnixTimestamp values.
func secondsGetter(col arrow.Array) (func(int) int64, error) {
	switch c := col.(type) {
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		return func(i int) int64 { return c.Value(i).ToTime(unit).Unix() }, nil
	case *array.Date32:
		return func(i int) int64 { return c.Value(i).ToTime().Unix() }, nil
	case *array.Int64:
		return c.Value, nil
	}
	return nil, fmt.Errorf("column of type %s cannot become a UnixTimestamp feature", col.DataType())
}

// newListEncoder handles *_LIST value types through the generated proto code
// (lists are rare and variable in size; the fast paths above cover scalars).
func newListEncoder(col arrow.Array, vt feastpb.ValueType_Enum) (ColumnEncoder, error) {
	lst, ok := col.(array.ListLike)
	if !ok {
		return nil, fmt.Errorf("column of type %s cannot become %s", col.DataType(), vt)
	}
	values := lst.ListValues()
	var build func(from, to int) (*feastpb.Value, error)
	switch vt {
	case feastpb.ValueType_INT64_LIST, feastpb.ValueType_INT32_LIST:
		get, err := intGetter(values)
		if err != nil {
			return nil, err
		}
		build = func(from, to int) (*feastpb.Value, error) {
			if vt == feastpb.ValueType_INT32_LIST {
				out := make([]int32, 0, to-from)
				for j := from; j < to; j++ {
					out = append(out, int32(get(j)))
				}
				return &feastpb.Value{Val: &feastpb.Value_Int32ListVal{Int32ListVal: &feastpb.Int32List{Val: out}}}, nil
			}
			out := make([]int64, 0, to-from)
			for j := from; j < to; j++ {
				out = append(out, get(j))
			}
			return &feastpb.Value{Val: &feastpb.Value_Int64ListVal{Int64ListVal: &feastpb.Int64List{Val: out}}}, nil
		}
	case feastpb.ValueType_DOUBLE_LIST, feastpb.ValueType_FLOAT_LIST:
		get, err := floatGetter(values)
		if err != nil {
			return nil, err
		}
		build = func(from, to int) (*feastpb.Value, error) {
			if vt == feastpb.ValueType_FLOAT_LIST {
				out := make([]float32, 0, to-from)
				for j := from; j < to; j++ {
					f, err := toFloat32(get(j))
					if err != nil {
						return nil, err
					}
					out = append(out, f)
				}
				return &feastpb.Value{Val: &feastpb.Value_FloatListVal{FloatListVal: &feastpb.FloatList{Val: out}}}, nil
			}
			out := make([]float64, 0, to-from)
			for j := from; j < to; j++ {
				out = append(out, get(j))
			}
			return &feastpb.Value{Val: &feastpb.Value_DoubleListVal{DoubleListVal: &feastpb.DoubleList{Val: out}}}, nil
		}
	case feastpb.ValueType_STRING_LIST:
		get, err := stringGetter(values)
		if err != nil {
			return nil, err
		}
		build = func(from, to int) (*feastpb.Value, error) {
			out := make([]string, 0, to-from)
			for j := from; j < to; j++ {
				out = append(out, get(j))
			}
			return &feastpb.Value{Val: &feastpb.Value_StringListVal{StringListVal: &feastpb.StringList{Val: out}}}, nil
		}
	case feastpb.ValueType_BYTES_LIST:
		get, err := bytesGetter(values)
		if err != nil {
			return nil, err
		}
		build = func(from, to int) (*feastpb.Value, error) {
			out := make([][]byte, 0, to-from)
			for j := from; j < to; j++ {
				out = append(out, get(j))
			}
			return &feastpb.Value{Val: &feastpb.Value_BytesListVal{BytesListVal: &feastpb.BytesList{Val: out}}}, nil
		}
	case feastpb.ValueType_BOOL_LIST:
		b, ok := values.(*array.Boolean)
		if !ok {
			return nil, fmt.Errorf("list of %s cannot become %s", values.DataType(), vt)
		}
		build = func(from, to int) (*feastpb.Value, error) {
			out := make([]bool, 0, to-from)
			for j := from; j < to; j++ {
				out = append(out, b.Value(j))
			}
			return &feastpb.Value{Val: &feastpb.Value_BoolListVal{BoolListVal: &feastpb.BoolList{Val: out}}}, nil
		}
	case feastpb.ValueType_UNIX_TIMESTAMP_LIST:
		get, err := secondsGetter(values)
		if err != nil {
			return nil, err
		}
		build = func(from, to int) (*feastpb.Value, error) {
			out := make([]int64, 0, to-from)
			for j := from; j < to; j++ {
				out = append(out, get(j))
			}
			return &feastpb.Value{Val: &feastpb.Value_UnixTimestampListVal{UnixTimestampListVal: &feastpb.Int64List{Val: out}}}, nil
		}
	default:
		return nil, fmt.Errorf("value type %s is not supported by feast-go's writer", vt)
	}
	return nullable(col, func(dst []byte, i int) ([]byte, error) {
		from, to := lst.ValueOffsets(i)
		v, err := build(int(from), int(to))
		if err != nil {
			return dst, err
		}
		return proto.MarshalOptions{}.MarshalAppend(dst, v)
	}), nil
}

// toFloat32 narrows a float64 for a Float32 feature; a finite value past
// Float32's range is an error, never a silent infinity.
func toFloat32(v float64) (float32, error) {
	f := float32(v)
	if math.IsInf(float64(f), 0) && !math.IsInf(v, 0) {
		return 0, fmt.Errorf("%g does not fit Float32 (largest magnitude %g)", v, math.MaxFloat32)
	}
	return f, nil
}

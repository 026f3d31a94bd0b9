package onlinestore

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"
)

func build(t testing.TB, dt arrow.DataType, fill func(b array.Builder)) arrow.Array {
	t.Helper()
	b := array.NewBuilder(memory.DefaultAllocator, dt)
	defer b.Release()
	fill(b)
	return b.NewArray()
}

func TestValueVectors(t *testing.T) {
	// shared/reference/feast-compat.md §3 encoding examples.
	tests := []struct {
		name string
		col  arrow.Array
		vt   feastpb.ValueType_Enum
		want []string // hex per row; "" = empty Value (null / NaN)
	}{
		{"int64", build(t, arrow.PrimitiveTypes.Int64, func(b array.Builder) {
			b.(*array.Int64Builder).AppendValues([]int64{1001, -1}, nil)
			b.AppendNull()
		}), feastpb.ValueType_INT64, []string{"20e907", "20ffffffffffffffffff01", ""}},
		{"double", build(t, arrow.PrimitiveTypes.Float64, func(b array.Builder) {
			b.(*array.Float64Builder).AppendValues([]float64{0.5, math.NaN()}, nil)
		}), feastpb.ValueType_DOUBLE, []string{"29000000000000e03f", ""}},
		{"float from float64", build(t, arrow.PrimitiveTypes.Float64, func(b array.Builder) {
			b.(*array.Float64Builder).Append(0.5)
		}), feastpb.ValueType_FLOAT, []string{"350000003f"}},
		{"bool", build(t, arrow.FixedWidthTypes.Boolean, func(b array.Builder) {
			b.(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
		}), feastpb.ValueType_BOOL, []string{"3801", "3800"}},
		{"string", build(t, arrow.BinaryTypes.String, func(b array.Builder) {
			b.(*array.StringBuilder).AppendValues([]string{"abc", ""}, nil)
		}), feastpb.ValueType_STRING, []string{"1203616263", "1200"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, got := range encodeRows(t, tt.col, tt.vt, len(tt.want)) {
				if want := tt.want[i]; hex.EncodeToString(got) != want {
					t.Errorf("row %d = %x, want %s", i, got, want)
				}
			}
		})
	}
}

// TestValuesMatchProtobuf: the fast encoders produce exactly what the
// generated protobuf code (and so Feast's Python) produces.
func TestValuesMatchProtobuf(t *testing.T) {
	ts := time.Date(2026, 3, 4, 5, 6, 7, 800, time.UTC)
	tests := []struct {
		name string
		col  arrow.Array
		vt   feastpb.ValueType_Enum
		want []*feastpb.Value
	}{
		{"int32 negative", build(t, arrow.PrimitiveTypes.Int32, func(b array.Builder) {
			b.(*array.Int32Builder).AppendValues([]int32{-5, 0, math.MaxInt32}, nil)
		}), feastpb.ValueType_INT32, []*feastpb.Value{
			{Val: &feastpb.Value_Int32Val{Int32Val: -5}}, {Val: &feastpb.Value_Int32Val{Int32Val: 0}}, {Val: &feastpb.Value_Int32Val{Int32Val: math.MaxInt32}}}},
		{"int64 from int32", build(t, arrow.PrimitiveTypes.Int32, func(b array.Builder) { b.(*array.Int32Builder).Append(-7) }),
			feastpb.ValueType_INT64, []*feastpb.Value{{Val: &feastpb.Value_Int64Val{Int64Val: -7}}}},
		{"bytes", build(t, arrow.BinaryTypes.Binary, func(b array.Builder) { b.(*array.BinaryBuilder).Append([]byte{0, 255}) }),
			feastpb.ValueType_BYTES, []*feastpb.Value{{Val: &feastpb.Value_BytesVal{BytesVal: []byte{0, 255}}}}},
		{"unicode string", build(t, arrow.BinaryTypes.String, func(b array.Builder) { b.(*array.StringBuilder).Append("é😀") }),
			feastpb.ValueType_STRING, []*feastpb.Value{{Val: &feastpb.Value_StringVal{StringVal: "é😀"}}}},
		{"unix timestamp", build(t, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, func(b array.Builder) {
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixMicro()))
		}), feastpb.ValueType_UNIX_TIMESTAMP, []*feastpb.Value{{Val: &feastpb.Value_UnixTimestampVal{UnixTimestampVal: ts.Unix()}}}},
		{"json", build(t, arrow.BinaryTypes.String, func(b array.Builder) { b.(*array.StringBuilder).Append(`{"a":1}`) }),
			feastpb.ValueType_JSON, []*feastpb.Value{{Val: &feastpb.Value_JsonVal{JsonVal: `{"a":1}`}}}},
		{"string list", build(t, arrow.ListOf(arrow.BinaryTypes.String), func(b array.Builder) {
			lb := b.(*array.ListBuilder)
			lb.Append(true)
			lb.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"a", "b"}, nil)
			lb.Append(true) // empty list
		}), feastpb.ValueType_STRING_LIST, []*feastpb.Value{
			{Val: &feastpb.Value_StringListVal{StringListVal: &feastpb.StringList{Val: []string{"a", "b"}}}},
			{Val: &feastpb.Value_StringListVal{StringListVal: &feastpb.StringList{}}}}},
		{"double list", build(t, arrow.ListOf(arrow.PrimitiveTypes.Float64), func(b array.Builder) {
			lb := b.(*array.ListBuilder)
			lb.Append(true)
			lb.ValueBuilder().(*array.Float64Builder).AppendValues([]float64{1.5, -2}, nil)
		}), feastpb.ValueType_DOUBLE_LIST, []*feastpb.Value{{Val: &feastpb.Value_DoubleListVal{DoubleListVal: &feastpb.DoubleList{Val: []float64{1.5, -2}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, got := range encodeRows(t, tt.col, tt.vt, len(tt.want)) {
				want := tt.want[i]
				std, _ := proto.Marshal(want)
				if !bytes.Equal(got, std) {
					t.Errorf("row %d = %x, protobuf %x", i, got, std)
				}
			}
		})
	}
}

func TestValueEncoderErrors(t *testing.T) {
	str := build(t, arrow.BinaryTypes.String, func(b array.Builder) { b.(*array.StringBuilder).Append("x") })
	for _, vt := range []feastpb.ValueType_Enum{feastpb.ValueType_INT64, feastpb.ValueType_BOOL, feastpb.ValueType_DOUBLE_LIST, feastpb.ValueType_MAP} {
		if _, err := NewColumnEncoder(str, vt); err == nil {
			t.Errorf("string column accepted as %s", vt)
		}
	}
	big := build(t, arrow.PrimitiveTypes.Int64, func(b array.Builder) { b.(*array.Int64Builder).Append(1 << 40) })
	enc, _ := NewColumnEncoder(big, feastpb.ValueType_INT32)
	if _, err := enc(nil, 0); err == nil {
		t.Error("int64 overflowing Int32 accepted")
	}
}

func TestKeyAppenderMatchesValueKeys(t *testing.T) {
	ids := build(t, arrow.PrimitiveTypes.Int32, func(b array.Builder) {
		b.(*array.Int32Builder).Append(1001)
		b.AppendNull()
	})
	names := build(t, arrow.BinaryTypes.String, func(b array.Builder) { b.(*array.StringBuilder).AppendValues([]string{"c1", "c2"}, nil) })
	idKey, err := NewKeyAppender(ids, feastpb.ValueType_INT64, 3) // Int64 entity column over an int32 table column
	if err != nil {
		t.Fatal(err)
	}
	nameKey, _ := NewKeyAppender(names, feastpb.ValueType_STRING, 3)
	e := NewKeyEncoder([]string{"driver_id", "customer_id"}, 3)
	got, ok, err := e.AppendRow(nil, []KeyAppender{idKey, nameKey}, 0)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	want, _ := e.Append(nil, []*feastpb.Value{i64(1001), str("c1")})
	if !bytes.Equal(got, want) {
		t.Errorf("AppendRow %x, Append %x", got, want)
	}
	if out, ok, err := e.AppendRow([]byte("keep"), []KeyAppender{idKey, nameKey}, 1); ok || err != nil || string(out) != "keep" {
		t.Errorf("null key: %q %v %v", out, ok, err)
	}
}

func BenchmarkColumnEncoderFloat64(b *testing.B) {
	col := build(b, arrow.PrimitiveTypes.Float64, func(bb array.Builder) {
		for i := range 1024 {
			bb.(*array.Float64Builder).Append(float64(i) / 3)
		}
	})
	enc, _ := NewColumnEncoder(col, feastpb.ValueType_DOUBLE)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		for i := range 1024 {
			buf, _ = enc(buf[:0], i)
		}
	}
}

// encodeRows encodes the first n rows of col as vt.
func encodeRows(t *testing.T, col arrow.Array, vt feastpb.ValueType_Enum, n int) [][]byte {
	t.Helper()
	enc, err := NewColumnEncoder(col, vt)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, n)
	for i := range out {
		if out[i], err = enc(nil, i); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestFormatAndJSONValue(t *testing.T) {
	val := func(v *feastpb.Value) []byte {
		b, err := proto.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		in   []byte
		text string
		json string
	}{
		{"null", nil, "null", "null"},
		{"float32", val(&feastpb.Value{Val: &feastpb.Value_FloatVal{FloatVal: 0.1}}), "0.1", "0.1"},
		{"double NaN", val(&feastpb.Value{Val: &feastpb.Value_DoubleVal{DoubleVal: math.NaN()}}), "NaN", `"NaN"`},
		{"int64", val(&feastpb.Value{Val: &feastpb.Value_Int64Val{Int64Val: -7}}), "-7", "-7"},
		{"string", val(&feastpb.Value{Val: &feastpb.Value_StringVal{StringVal: "gold"}}), "gold", `"gold"`},
		{"bytes", val(&feastpb.Value{Val: &feastpb.Value_BytesVal{BytesVal: []byte{1, 255}}}), "0x01ff", `"Af8="`},
		{"time", val(&feastpb.Value{Val: &feastpb.Value_UnixTimestampVal{UnixTimestampVal: 86400}}), "1970-01-02T00:00:00Z", `"1970-01-02T00:00:00Z"`},
		{"string list", val(&feastpb.Value{Val: &feastpb.Value_StringListVal{StringListVal: &feastpb.StringList{Val: []string{"gold", "a b"}}}}),
			`["gold", "a b"]`, `["gold","a b"]`},
		{"empty list", val(&feastpb.Value{Val: &feastpb.Value_Int64ListVal{Int64ListVal: &feastpb.Int64List{}}}), "[]", "[]"},
		{"float list", val(&feastpb.Value{Val: &feastpb.Value_FloatListVal{FloatListVal: &feastpb.FloatList{Val: []float32{0.5, float32(math.Inf(1))}}}}),
			`[0.5, "+Inf"]`, `[0.5,"+Inf"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatValue(tt.in); got != tt.text {
				t.Errorf("text %s, want %s", got, tt.text)
			}
			j, err := json.Marshal(JSONValue(tt.in))
			if err != nil || string(j) != tt.json {
				t.Errorf("json %s (%v), want %s", j, err, tt.json)
			}
		})
	}
}

// A finite value past Float32's range is an error, never a silent infinity.
func TestFloat32Overflow(t *testing.T) {
	col := build(t, arrow.PrimitiveTypes.Float64, func(b array.Builder) {
		b.(*array.Float64Builder).AppendValues([]float64{1e39, math.Inf(1), 3.4e38}, nil)
	})
	enc, err := NewColumnEncoder(col, feastpb.ValueType_FLOAT)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc(nil, 0); err == nil || !strings.Contains(err.Error(), "1e+39 does not fit Float32") {
		t.Errorf("1e39: %v", err)
	}
	for _, i := range []int{1, 2} { // infinity stays infinity; the largest finite Float32s fit
		if _, err := enc(nil, i); err != nil {
			t.Errorf("row %d: %v", i, err)
		}
	}
}

// RefusesRows: the types it calls never failing encode the extremes of every
// column type they accept without an error, and the types known to fail on
// a value (range, lists) are named as failing.
func TestRefusesRows(t *testing.T) {
	cols := []arrow.Array{
		build(t, arrow.PrimitiveTypes.Int8, func(b array.Builder) {
			b.(*array.Int8Builder).AppendValues([]int8{math.MinInt8, math.MaxInt8}, nil)
		}),
		build(t, arrow.PrimitiveTypes.Int64, func(b array.Builder) {
			b.(*array.Int64Builder).AppendValues([]int64{math.MinInt64, math.MaxInt64}, nil)
		}),
		build(t, arrow.PrimitiveTypes.Uint64, func(b array.Builder) {
			b.(*array.Uint64Builder).AppendValues([]uint64{0, math.MaxUint64}, nil)
		}),
		build(t, arrow.PrimitiveTypes.Float64, func(b array.Builder) {
			b.(*array.Float64Builder).AppendValues([]float64{-math.MaxFloat64, math.NaN(), math.Inf(1)}, nil)
		}),
		build(t, arrow.BinaryTypes.String, func(b array.Builder) {
			b.(*array.StringBuilder).AppendValues([]string{"", "\xff\xfe not UTF-8"}, nil)
		}),
		build(t, arrow.BinaryTypes.Binary, func(b array.Builder) {
			b.(*array.BinaryBuilder).AppendValues([][]byte{nil, {0xff}}, nil)
		}),
		build(t, arrow.FixedWidthTypes.Boolean, func(b array.Builder) {
			b.(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
		}),
		build(t, &arrow.TimestampType{Unit: arrow.Nanosecond}, func(b array.Builder) {
			b.(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{math.MinInt64, math.MaxInt64}, nil)
		}),
	}
	for vt := range feastpb.ValueType_Enum_name {
		vt := feastpb.ValueType_Enum(vt)
		if RefusesRows(vt) {
			continue
		}
		accepted := 0
		for _, col := range cols {
			enc, err := NewColumnEncoder(col, vt)
			if err != nil {
				continue
			}
			accepted++
			for i := range col.Len() {
				if _, err := enc(nil, i); err != nil {
					t.Errorf("%s from %s, row %d: %v, but RefusesRows says it never fails", vt, col.DataType(), i, err)
				}
			}
		}
		if accepted == 0 {
			t.Errorf("%s: no column tried; RefusesRows says it never fails", vt)
		}
	}
	for _, vt := range []feastpb.ValueType_Enum{feastpb.ValueType_INT32, feastpb.ValueType_FLOAT, feastpb.ValueType_FLOAT_LIST, feastpb.ValueType_STRING_LIST, feastpb.ValueType_INVALID} {
		if !RefusesRows(vt) {
			t.Errorf("RefusesRows(%s) = false; its encoder can fail on a value", vt)
		}
	}
}

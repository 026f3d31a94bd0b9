package onlinestore

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func i32(v int32) *feastpb.Value  { return &feastpb.Value{Val: &feastpb.Value_Int32Val{Int32Val: v}} }
func i64(v int64) *feastpb.Value  { return &feastpb.Value{Val: &feastpb.Value_Int64Val{Int64Val: v}} }
func str(v string) *feastpb.Value { return &feastpb.Value{Val: &feastpb.Value_StringVal{StringVal: v}} }

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Test vectors from shared/reference/feast-compat.md §1–2 (Feast's own unit tests).
func TestEntityKeyVectors(t *testing.T) {
	tests := []struct {
		name    string
		keys    []string
		vals    []*feastpb.Value
		project string
		version int
		want    []byte
	}{
		{"feast test_redis int32", []string{"entity"}, []*feastpb.Value{i32(1)}, "test", 3,
			[]byte("\x01\x00\x00\x00\x02\x00\x00\x00\x06\x00\x00\x00entity\x03\x00\x00\x00\x04\x00\x00\x00\x01\x00\x00\x00test")},
		{"int64 driver", []string{"driver_id"}, []*feastpb.Value{i64(1001)}, "my_project", 3,
			append(unhex(t, "01000000"+"02000000"+"09000000"+hex.EncodeToString([]byte("driver_id"))+"04000000"+"08000000"+"e903000000000000"), "my_project"...)},
		{"composite sorted", []string{"driver_id", "customer_id"}, []*feastpb.Value{i64(1001), str("c1")}, "", 3,
			unhex(t, "02000000"+"02000000"+"0b000000"+hex.EncodeToString([]byte("customer_id"))+"02000000"+"09000000"+hex.EncodeToString([]byte("driver_id"))+
				"02000000"+"02000000"+"6331"+"04000000"+"08000000"+"e903000000000000")},
		{"v2 no counts", []string{"driver_id"}, []*feastpb.Value{i64(1001)}, "", 2,
			unhex(t, "02000000"+hex.EncodeToString([]byte("driver_id"))+"04000000"+"08000000"+"e903000000000000")},
		{"v1 int64 in 4 bytes", []string{"driver_id"}, []*feastpb.Value{i64(-2)}, "", 1,
			unhex(t, "02000000"+hex.EncodeToString([]byte("driver_id"))+"04000000"+"04000000"+"feffffff")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := NewKeyEncoder(tt.keys, tt.version).Append(nil, tt.vals)
			if err != nil {
				t.Fatal(err)
			}
			if got := append(key, tt.project...); !bytes.Equal(got, tt.want) {
				t.Errorf("key\n got %x\nwant %x", got, tt.want)
			}
			if tt.version == 3 {
				keys, vals, err := DecodeEntityKey(key)
				if err != nil || len(keys) != len(tt.keys) || len(vals) != len(tt.vals) {
					t.Errorf("decode: %v %v %v", keys, vals, err)
				}
			}
		})
	}
}

func TestEntityKeyErrors(t *testing.T) {
	e := NewKeyEncoder([]string{"k"}, 3)
	if _, err := e.Append(nil, []*feastpb.Value{{Val: &feastpb.Value_DoubleVal{DoubleVal: 1}}}); err == nil {
		t.Error("double entity value accepted")
	}
	if _, err := e.Append(nil, nil); err == nil {
		t.Error("missing value accepted")
	}
	if _, err := NewKeyEncoder([]string{"k"}, 1).Append(nil, []*feastpb.Value{i64(1 << 40)}); err == nil {
		t.Error("int64 overflow in v1 accepted")
	}
	for _, bad := range []string{"", "01000000", "0100000002000000ffffffff", "01000000020000000100000061030000000200000001"} {
		if _, _, err := DecodeEntityKey(unhex(t, bad)); err == nil {
			t.Errorf("DecodeEntityKey(%s) gave no error", bad)
		}
	}
}

func TestFieldNameVectors(t *testing.T) {
	tests := []struct{ view, feature, want string }{
		{"feature_view_1", "feature_10", "266d5f39"},
		{"feature_view_1", "feature_11", "c3379abf"},
		{"feature_view_1", "feature_12", "7772b564"},
		{"driver_hourly_stats", "conv_rate", "6160e3da"},
		{"__precomputed__svc", "vector", "f8f85c5a"},
	}
	for _, tt := range tests {
		got := FieldName(tt.view, tt.feature)
		if hex.EncodeToString(got[:]) != tt.want {
			t.Errorf("FieldName(%s, %s) = %x, want %s", tt.view, tt.feature, got, tt.want)
		}
	}
	if TimestampField("fv") != "_ts:fv" {
		t.Error("timestamp field name")
	}
}

func TestAppendTimestampVectors(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Unix(1700000000, 0), "0880e2cfaa06"},
		{time.Unix(1700000000, 123456789), "0880e2cfaa06108094ef3a"}, // nanos truncated to micros, as Python's datetime
		{time.Unix(0, 0), ""},
		{time.Unix(-1, 500000000), "08ffffffffffffffffff011080cab5ee01"},
	}
	for _, tt := range tests {
		got := AppendTimestamp(nil, tt.t)
		if hex.EncodeToString(got) != tt.want {
			t.Errorf("AppendTimestamp(%v) = %x, want %s", tt.t, got, tt.want)
		}
		// Must equal the standard protobuf encoding of the same Timestamp.
		std, _ := proto.Marshal(timestamppb.New(tt.t.Truncate(time.Microsecond)))
		if !bytes.Equal(got, std) {
			t.Errorf("AppendTimestamp(%v) = %x, protobuf says %x", tt.t, got, std)
		}
	}
}

// TestEncodingsMatchFeast runs Feast 0.67's own Python functions over a table
// of keys and field names and compares every byte.
func TestEncodingsMatchFeast(t *testing.T) {
	python := testenv.FeastPython(t)
	out := testenv.Run(t, ".", python, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "encode_vectors.py"))
	var cases []struct {
		Keys    []string          `json:"keys"`
		Values  []json.RawMessage `json:"values"`
		Project string            `json:"project"`
		Key     string            `json:"key"`
		View    string            `json:"view"`
		Feature string            `json:"feature"`
		Field   string            `json:"field"`
	}
	if err := json.Unmarshal([]byte(out), &cases); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(cases) < 5 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		vals := make([]*feastpb.Value, len(c.Values))
		for i, raw := range c.Values {
			vals[i] = &feastpb.Value{}
			b, _ := hex.DecodeString(string(bytes.Trim(raw, `"`)))
			if err := proto.Unmarshal(b, vals[i]); err != nil {
				t.Fatal(err)
			}
		}
		key, err := NewKeyEncoder(c.Keys, 3).Append(nil, vals)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(append(key, c.Project...)); got != c.Key {
			t.Errorf("keys %v: feast-go %s, Feast %s", c.Keys, got, c.Key)
		}
		f := FieldName(c.View, c.Feature)
		if got := hex.EncodeToString(f[:]); got != c.Field {
			t.Errorf("field %s:%s: feast-go %s, Feast %s", c.View, c.Feature, got, c.Field)
		}
	}
}

func FuzzDecodeEntityKey(f *testing.F) {
	k, _ := NewKeyEncoder([]string{"b", "a"}, 3).Append(nil, []*feastpb.Value{i64(7), str("x")})
	f.Add(k)
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, vals, err := DecodeEntityKey(b)
		if err != nil {
			return
		}
		again, err := NewKeyEncoder(keys, 3).Append(nil, vals)
		if err != nil {
			t.Fatalf("decoded key does not re-encode: %v", err)
		}
		if !bytes.Equal(again, b) && len(keys) < 2 {
			t.Fatalf("round trip changed the key: %x -> %x", b, again)
		}
	})
}

func BenchmarkEntityKeyAppend(b *testing.B) {
	e := NewKeyEncoder([]string{"driver_id", "customer_id"}, 3)
	vals := []*feastpb.Value{i64(1001), str("customer-123")}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = e.Append(buf[:0], vals)
	}
}

func BenchmarkFieldName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = FieldName("driver_hourly_stats", "conv_rate")
	}
}

// An Int32 entity read from a long column (Feast: the entity dtype decides)
// gets int32 keys; a value that does not fit is an error, not a wrapped key.
func TestInt32KeyFromLongColumn(t *testing.T) {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	b.AppendValues([]int64{2147483647, -5, 2147483648}, nil)
	col := b.NewArray()
	defer col.Release()
	app, err := NewKeyAppender(col, feastpb.ValueType_INT32, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"03000000" + "04000000" + "ffffff7f", "03000000" + "04000000" + "fbffffff"} {
		got, ok, err := app(nil, i)
		if err != nil || !ok || hex.EncodeToString(got) != want {
			t.Errorf("row %d: %x %v %v, want %s", i, got, ok, err, want)
		}
	}
	if _, _, err := app(nil, 2); err == nil || !strings.Contains(err.Error(), "key 2147483648 does not fit Int32") {
		t.Errorf("overflow: %v", err)
	}
}

func TestMaxTimestampLen(t *testing.T) {
	for _, ts := range []time.Time{time.Unix(-1<<62, 999999999), time.Unix(1<<62, 999999999), time.Unix(-1, 0), time.Unix(0, 0)} {
		if n := len(AppendTimestamp(nil, ts)); n > MaxTimestampLen {
			t.Errorf("AppendTimestamp(%v) is %d bytes, more than MaxTimestampLen %d", ts, n, MaxTimestampLen)
		}
	}
	if n := len(AppendTimestamp(nil, time.Unix(-1, 999999000))); n != MaxTimestampLen {
		t.Errorf("the longest timestamp is %d bytes, want MaxTimestampLen %d", n, MaxTimestampLen)
	}
}

package ingest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

var tsType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

func testColumns() []Column {
	return []Column{
		{Name: "driver_id", Type: arrow.PrimitiveTypes.Int64, Required: true, NotNull: true, Role: "join key driver_id (Int64)"},
		{Name: "conv_rate", Type: arrow.PrimitiveTypes.Float32, Required: true},
		{Name: "tier", Type: arrow.BinaryTypes.String, Required: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String)},
		{Name: "event_timestamp", Type: tsType, Required: true, NotNull: true},
		{Name: "created", Type: tsType},
	}
}

// readAll reads every batch and renders the rows as text.
func readAll(t *testing.T, in io.Reader, f Format, cols []Column, batch int) (string, *Reader, error) {
	t.Helper()
	r, err := NewReader(in, f, cols, Options{Name: "in." + string(f), BatchSize: batch, MaxErrors: 3})
	if err != nil {
		return "", nil, err
	}
	defer func() { _ = r.Close() }()
	var b strings.Builder
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return b.String(), r, nil
		}
		if err != nil {
			return b.String(), r, err
		}
		for i := range int(rec.NumRows()) {
			for j, c := range rec.Columns() {
				if j > 0 {
					b.WriteString(" | ")
				}
				b.WriteString(c.ValueStr(i))
			}
			b.WriteString("\n")
		}
		rec.Release()
	}
}

func TestReadGood(t *testing.T) {
	want := "1 | 0.5 | gold | [\"a\",\"b\"] | 2026-11-23T10:00:00Z | (null)\n" +
		"2 | NaN | (null) | (null) | 2026-11-23T10:30:00.25Z | 2026-11-23T11:00:00Z\n" +
		"3 | (null) | ünï | [] | 2026-11-23T00:00:00Z | (null)\n"
	tests := []struct {
		name, input string
		format      Format
		ignored     []string
	}{
		{"csv", "driver_id,conv_rate,tier,tags,event_timestamp,created,extra\n" +
			"1,0.5,gold,\"[\"\"a\"\",\"\"b\"\"]\",2026-11-23T10:00:00Z,,x\n" +
			"2,NaN,,,2026-11-23 10:30:00.25,2026-11-23T12:00:00+01:00,y\n" +
			"3,,ünï,[],2026-11-23,,z\n", CSV, []string{"extra"}},
		{"csv with BOM and no optional columns", "\ufeffevent_timestamp,driver_id,conv_rate,tier\n" +
			"2026-11-23T10:00:00Z,1,0.5,gold\n", CSV, nil},
		{"jsonl", `{"driver_id": 1, "conv_rate": 0.5, "tier": "gold", "tags": ["a","b"], "event_timestamp": "2026-11-23T10:00:00Z", "extra": 1}` + "\n\n" +
			`{"driver_id": 2, "conv_rate": "NaN", "tier": null, "event_timestamp": 1795429800.25, "created": "2026-11-23T11:00:00Z"}` + "\n" +
			`{"driver_id": 3, "conv_rate": null, "tier": "ünï", "tags": [], "event_timestamp": "2026-11-23"}`, JSONL, []string{"extra"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, r, err := readAll(t, strings.NewReader(tc.input), tc.format, testColumns(), 2)
			if err != nil {
				t.Fatal(err)
			}
			exp := want
			if strings.Contains(tc.name, "BOM") {
				exp = "1 | 0.5 | gold | (null) | 2026-11-23T10:00:00Z | (null)\n"
			}
			if got != exp {
				t.Errorf("rows:\n%s\nwant:\n%s", got, exp)
			}
			if strings.Join(r.Ignored(), ",") != strings.Join(tc.ignored, ",") {
				t.Errorf("ignored = %v, want %v", r.Ignored(), tc.ignored)
			}
		})
	}
}

func TestReadBad(t *testing.T) {
	const header = "driver_id,conv_rate,tier,event_timestamp\n"
	tests := []struct {
		name, input string
		format      Format
		want        []string // substrings of the error, in order
	}{
		{"missing column", "driver_id,tier,event_timestamp\n1,a,2026-11-23\n", CSV, []string{`in.csv: missing column: "conv_rate"`}},
		{"times out of range", header + "1,0.5,a,1600-01-01T00:00:00Z\n2,0.5,a,2263-01-01\n3,0.5,a,1e12\n", CSV, []string{
			"in.csv: 3 bad values in 3 rows:",
			`line 2, column "event_timestamp": "1600-01-01T00:00:00Z": out of range (times must fall between 1677-09-21 and 2262-04-11)`,
			`line 3, column "event_timestamp": "2263-01-01": out of range`, `line 4, column "event_timestamp": "1e12": out of range`}},
		{"Float32 overflow", header + "1,1e39,a,2026-11-23\n2,-1e308,a,2026-11-23\n3,inf,a,2026-11-23\n4,1e-50,a,2026-11-23\n", CSV, []string{
			"in.csv: 2 bad values in 2 rows:",
			`line 2, column "conv_rate": "1e39": out of range for a 32-bit float`, `line 3, column "conv_rate": "-1e308": out of range for a 32-bit float`}},
		{"JSON times out of range", `{"driver_id": 1, "conv_rate": 1, "tier": "a", "event_timestamp": 1e300}` + "\n", JSONL, []string{
			`line 1, column "event_timestamp": "1e300": out of range`}},
		{"duplicate header", "driver_id,driver_id\n", CSV, []string{`column "driver_id" appears twice`}},
		{"bad values", header + "1,0.5,a,2026-11-23\nx,0.5,a,2026-11-23\n3,abc,a,yesterday\n9223372036854775808,1,a,2026-11-23\n,1,a,2026-11-23\n", CSV, []string{
			"in.csv: 5 bad values in 4 rows:",
			`line 3, column "driver_id": "x": not an integer (expected an integer (64-bit))`,
			`line 4, column "conv_rate": "abc": not a number (expected a number)`,
			`line 4, column "event_timestamp": "yesterday": not a time`,
			"… and 2 more"}},
		{"null join key", header + "1,0.5,a,2026-11-23\n,0.5,a,2026-11-23\n", CSV, []string{
			`in.csv: bad row: line 3, column "driver_id": empty, but this column cannot be null (expected join key driver_id (Int64))`}},
		{"ragged row", header + "1,0.5,a\n", CSV, []string{"line 2", "wrong number of fields"}},
		{"bad at the end of many", header + strings.Repeat("1,0.5,a,2026-11-23\n", 20000) + "1,0.5,a,2026-13-45\n", CSV, []string{
			`line 20002, column "event_timestamp": "2026-13-45": not a time`}},
		{"jsonl wrong type", `{"driver_id": "1", "conv_rate": 1, "tier": "a", "event_timestamp": "2026-11-23"}`, JSONL, []string{
			`line 1, column "driver_id": "\"1\"": wrong JSON type (expected an integer (64-bit))`}},
		{"jsonl not an object", "[1,2]\n{\"driver_id\": 1}{}\n", JSONL, []string{"line 1: not a JSON object", "line 2: not a JSON object"}},
		{"jsonl list element", `{"driver_id": 1, "conv_rate": 1, "tier": "a", "tags": ["a", 2], "event_timestamp": "2026-11-23"}`, JSONL, []string{
			`column "tags": "[\"a\",2]": element 1: wrong JSON type`}},
		{"jsonl missing column", `{"driver_id": 1, "conv_rate": 1, "event_timestamp": "2026-11-23"}`, JSONL, []string{`missing column: "tier"`}},
		{"jsonl int32 overflow", `{"driver_id": 1, "conv_rate": 1, "tier": "a", "event_timestamp": "2026-11-23", "age": 3000000000}`, JSONL, []string{
			`column "age": "3000000000": out of range for 32 bits`}},
	}
	cols := append(testColumns(), Column{Name: "age", Type: arrow.PrimitiveTypes.Int32})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(t, strings.NewReader(tc.input), tc.format, cols, 1000)
			if err == nil {
				t.Fatal("no error")
			}
			rest := err.Error()
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("error\n%s\ndoes not contain (in order) %q", err, w)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

// A bad row hands out no batch after it, so nothing read past it can be written.
func TestNoBatchAfterBadRow(t *testing.T) {
	in := "driver_id,conv_rate,tier,event_timestamp\n1,0.5,a,2026-11-23\nx,0.5,a,2026-11-23\n" + strings.Repeat("1,0.5,a,2026-11-23\n", 10)
	r, err := NewReader(strings.NewReader(in), CSV, testColumns(), Options{BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := r.Next()
	if err != nil || rec.NumRows() != 1 {
		t.Fatalf("first batch: %v %v", rec, err)
	}
	rec.Release()
	if _, err := r.Next(); !errors.Is(err, ErrBadInput) {
		t.Fatalf("second Next: %v, want ErrBadInput", err)
	}
}

func writeParquet(t *testing.T, rec arrow.RecordBatch) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParquet(t *testing.T) {
	mem := memory.DefaultAllocator
	nsType := &arrow.TimestampType{Unit: arrow.Nanosecond} // what pandas writes
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "driver_id", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, // widened to int64
		{Name: "conv_rate", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "tier", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "event_timestamp", Type: nsType, Nullable: true},
		{Name: "unused", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	ts := time.Date(2026, 11, 23, 10, 0, 0, 123456789, time.UTC)
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{1, 2, 3}, []bool{true, true, false})
	b.Field(1).(*array.Float64Builder).AppendValues([]float64{0.5, 1, 2}, []bool{true, false, true})
	b.Field(2).(*array.StringBuilder).AppendValues([]string{"a", "b", "c"}, nil)
	b.Field(3).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(ts.UnixNano()), arrow.Timestamp(ts.UnixNano()), arrow.Timestamp(ts.UnixNano())}, nil)
	b.Field(4).(*array.Int8Builder).AppendValues([]int8{1, 2, 3}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := writeParquet(t, rec)

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	_, _, err = readAll(t, f, Parquet, testColumns()[:5:5], 2)
	if err == nil || !strings.Contains(err.Error(), `bad row: row 3, column "driver_id": null, but this column cannot be null`) {
		t.Fatalf("err = %v", err)
	}

	// Without the null key the file reads, cast to the output types.
	cols := testColumns()[:5:5]
	cols[0].NotNull = false
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got, r, err := readAll(t, f, Parquet, cols, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := "1 | 0.5 | a | (null) | 2026-11-23T10:00:00.123456Z\n2 | (null) | b | (null) | 2026-11-23T10:00:00.123456Z\n(null) | 2 | c | (null) | 2026-11-23T10:00:00.123456Z\n"
	if got != want {
		t.Errorf("rows:\n%s\nwant:\n%s", got, want)
	}
	if strings.Join(r.Ignored(), ",") != "unused" {
		t.Errorf("ignored = %v", r.Ignored())
	}

	// A column that cannot be cast names the column and both types.
	cols[2].Type = arrow.PrimitiveTypes.Int64
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readAll(t, f, Parquet, cols, 2); err == nil || !strings.Contains(err.Error(), `column "tier" is utf8`) {
		t.Fatalf("cast error = %v", err)
	}
	// Parquet needs a file.
	if _, err := NewReader(bytes.NewReader(nil), Parquet, cols, Options{}); err == nil {
		t.Error("empty parquet read")
	}
	if _, err := NewReader(io.MultiReader(), Parquet, cols, Options{}); err == nil || !strings.Contains(err.Error(), "not a stream") {
		t.Errorf("stream parquet: %v", err)
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		path, flag string
		want       Format
		err        string
	}{
		{"a.parquet", "", Parquet, ""},
		{"a.CSV", "", CSV, ""},
		{"a.ndjson", "", JSONL, ""},
		{"a.txt", "csv", CSV, ""},
		{"-", "json", JSONL, ""},
		{"-", "", "", "needs --format"},
		{"a.txt", "", "", "cannot tell"},
		{"a.csv", "xml", "", "unknown input format"},
	}
	for _, tc := range tests {
		got, err := DetectFormat(tc.path, tc.flag)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %s: err %v, want %q", tc.path, tc.flag, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s %s: %v %v", tc.path, tc.flag, got, err)
		}
	}
}

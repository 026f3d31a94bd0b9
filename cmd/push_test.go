package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/iceberg-go/table"
	"github.com/feast-go/feast-go/internal/icebergtest"
	"github.com/feast-go/feast-go/internal/testenv"
	goredis "github.com/redis/go-redis/v9"
)

// pushRepo is materializeRepo (4 drivers × 3 hours in Iceberg) with a push
// source over the same table, a view fed by it and a precomputed service.
func pushRepo(t *testing.T, redisAddr string) string {
	t.Helper()
	dir := materializeRepo(t, redisAddr, 4, 3, "")
	defs := `entities:
  - {name: driver, join_keys: [driver_id], value_type: INT64}
data_sources:
  - name: stats_source
    iceberg: {catalog_type: sql, catalog_name: local, endpoint: "sqlite:///data/catalog.db", warehouse: data/warehouse, namespace: feast, table: driver_stats}
    timestamp_field: event_timestamp
  - name: stats_push
    push: {batch_source: stats_source}
feature_views:
  - name: driver_stats
    entities: [driver]
    ttl: 24h
    source: stats_source
    schema: [{name: conv_rate, dtype: Float32}]
  - name: driver_live
    entities: [driver]
    ttl: 24h
    source: stats_push
    schema: [{name: conv_rate, dtype: Float32}]
feature_services:
  - name: live
    features: [driver_live]
    precompute_online: true
`
	if err := os.WriteFile(filepath.Join(dir, "definitions.yaml"), []byte(defs), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %s", r.stderr)
	}
	return dir
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pushParquet writes rows (driver, rate, time) as Parquet, typed as pandas writes them.
func pushParquet(t *testing.T, dir string, ids []int64, rates []float64, at time.Time) string {
	t.Helper()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "driver_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "conv_rate", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "event_timestamp", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for i := range ids {
		b.Field(0).(*array.Int64Builder).Append(ids[i])
		b.Field(1).(*array.Float64Builder).Append(rates[i])
		b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(at.UnixNano()))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	p := filepath.Join(dir, "rows.parquet")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(sc, f, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// liveValue reads driver_live:conv_rate of one driver through `get` (the
// precomputed path of service live).
func liveValue(t *testing.T, dir string, driver int) string {
	t.Helper()
	r := run(t, dir, nil, "get", "--feature-service", "live", "--entity", fmt.Sprintf("driver_id=%d", driver))
	if r.code != 0 {
		t.Fatalf("get: %d %s", r.code, r.stderr)
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) == 3 && strings.HasSuffix(f[0], "conv_rate") {
			return f[1] + " " + f[2]
		}
	}
	t.Fatalf("no conv_rate in %q", r.stdout)
	return ""
}

func TestPushFormats(t *testing.T) {
	addr := testenv.Redis(t)
	const when = "2026-11-01T10:00:00Z"
	at, _ := time.Parse(time.RFC3339, when)
	tests := []struct {
		name, file, content, stdin string
		args                       []string
	}{
		{name: "csv", file: "rows.csv", content: "driver_id,conv_rate,event_timestamp,note\n1000,0.25," + when + ",x\n1001,0.5," + when + ",y\n"},
		{name: "jsonl", file: "rows.jsonl", content: `{"driver_id": 1000, "conv_rate": 0.25, "event_timestamp": "` + when + `"}` + "\n" +
			`{"driver_id": 1001, "conv_rate": 0.5, "event_timestamp": "` + when + `", "note": "y"}` + "\n"},
		{name: "parquet", file: "parquet"},
		{name: "csv stdin", stdin: "driver_id,conv_rate,event_timestamp\n1000,0.25," + when + "\n1001,0.5," + when + "\n", args: []string{"--format", "csv"}},
		{name: "jsonl stdin", stdin: `{"driver_id": 1000, "conv_rate": 0.25, "event_timestamp": "` + when + `"}` + "\n" +
			`{"driver_id": 1001, "conv_rate": 0.5, "event_timestamp": "` + when + `"}`, args: []string{"--format", "jsonl"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := fmt.Sprintf("%s,db=%d", addr, i+1)
			dir := pushRepo(t, db)
			input := "-"
			switch {
			case tc.file == "parquet":
				input = pushParquet(t, dir, []int64{1000, 1001}, []float64{0.25, 0.5}, at)
			case tc.file != "":
				input = writeFile(t, dir, tc.file, tc.content)
			}
			args := append([]string{"push", "stats_push", "--input", input, "--json"}, tc.args...)
			r := runStdin(t, dir, nil, tc.stdin, args...)
			if r.code != 0 {
				t.Fatalf("push: %d %s", r.code, r.stderr)
			}
			sum := summaryOf(t, r.stdout)
			if sum["rows"] != 2.0 || !strings.Contains(r.stdout, `"view":"driver_live","entities":2,"written":2,"skipped_older":0`) {
				t.Errorf("summary: %s", r.stdout)
			}
			if got := liveValue(t, dir, 1000); got != "0.25 PRESENT" {
				t.Errorf("driver 1000: %s", got)
			}
			if got := liveValue(t, dir, 1001); got != "0.5 PRESENT" {
				t.Errorf("driver 1001: %s", got)
			}
			if got := liveValue(t, dir, 1002); got != "null NOT_FOUND" {
				t.Errorf("driver 1002 (not pushed): %s", got)
			}
		})
	}
}

// A row older than the stored one does not overwrite it; the summary counts it.
func TestPushOlderRowIsSkipped(t *testing.T) {
	dir := pushRepo(t, testenv.Redis(t))
	newer := writeFile(t, dir, "newer.csv", "driver_id,conv_rate,event_timestamp\n1000,0.75,2026-11-01T11:00:00Z\n")
	older := writeFile(t, dir, "older.csv", "driver_id,conv_rate,event_timestamp\n1000,0.125,2026-11-01T09:00:00Z\n1001,0.5,2026-11-01T09:00:00Z\n")
	if r := run(t, dir, nil, "push", "stats_push", "-i", newer); r.code != 0 {
		t.Fatalf("push newer: %s", r.stderr)
	}
	r := run(t, dir, nil, "push", "stats_push", "-i", older)
	if r.code != 0 || !strings.Contains(r.stdout, "driver_live                           2          1         1  ok") {
		t.Fatalf("push older: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if got := liveValue(t, dir, 1000); got != "0.75 PRESENT" {
		t.Errorf("driver 1000 after an older push: %s", got)
	}
	if got := liveValue(t, dir, 1001); got != "0.5 PRESENT" {
		t.Errorf("driver 1001: %s", got)
	}
}

// A bad row at the end of a large file: the error names it, and nothing is
// written online or offline.
func TestPushBadRowWritesNothing(t *testing.T) {
	addr := testenv.Redis(t)
	dir := pushRepo(t, addr)
	var b strings.Builder
	b.WriteString("driver_id,conv_rate,event_timestamp\n")
	for i := range 50000 {
		fmt.Fprintf(&b, "%d,0.5,2026-11-01T10:00:00Z\n", 2000+i)
	}
	b.WriteString("9,not-a-rate,2026-11-01T10:00:00Z\n")
	input := writeFile(t, dir, "big.csv", b.String())
	snapshots := func() int {
		m, _ := filepath.Glob(filepath.Join(dir, "data", "warehouse", "*", "*", "metadata", "*.metadata.json"))
		return len(m)
	}
	before := snapshots()
	r := run(t, dir, nil, "push", "stats_push", "-i", input, "--to", "online_and_offline")
	if r.code != ExitError {
		t.Fatalf("exit %d, want %d: %s", r.code, ExitError, r.stderr)
	}
	want := `big.csv: bad row: line 50002, column "conv_rate": "not-a-rate": not a number (expected a number)`
	if !strings.Contains(r.stderr, "push stats_push: nothing written: ") || !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q\nwant %q", r.stderr, want)
	}
	if r.stdout != "" {
		t.Errorf("a push that wrote nothing printed statistics: %q", r.stdout)
	}
	rc := goredis.NewClient(&goredis.Options{Addr: addr})
	defer func() { _ = rc.Close() }()
	if n := len(featureKeys(t, rc)); n != 0 {
		t.Errorf("%d Redis keys after a rejected push", n)
	}
	if after := snapshots(); after != before {
		t.Errorf("table metadata files %d -> %d after a rejected push", before, after)
	}
}

// --to offline appends to the Iceberg table (one commit), which materialize then reads.
func TestPushOfflineThenMaterialize(t *testing.T) {
	addr := testenv.Redis(t)
	dir := pushRepo(t, addr)
	input := writeFile(t, dir, "rows.jsonl", `{"driver_id": 1000, "conv_rate": 0.875, "event_timestamp": "2026-11-01T10:00:00Z"}`+"\n"+
		`{"driver_id": 1042, "conv_rate": 1.5, "event_timestamp": "2026-11-01T10:00:00Z"}`+"\n")
	r := run(t, dir, nil, "push", "stats_push", "-i", input, "--to", "offline")
	if r.code != 0 || !strings.Contains(r.stdout, "offline: 2 rows appended to feast.driver_stats (snapshot ") {
		t.Fatalf("push offline: %d %q %q", r.code, r.stdout, r.stderr)
	}
	rc := goredis.NewClient(&goredis.Options{Addr: addr})
	defer func() { _ = rc.Close() }()
	if n := len(featureKeys(t, rc)); n != 0 {
		t.Errorf("--to offline wrote %d Redis keys", n)
	}
	r = run(t, dir, nil, "materialize", "2026-11-01T09:00:00", "2026-11-01T11:00:00", "--views", "driver_stats", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"rows_scanned":2,"null_keys_skipped":0,"out_of_range_skipped":0,"entities":2,"written":2`) {
		t.Fatalf("materialize after offline push: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// With both targets, an offline failure after the online write exits 3 and says which landed.
func TestPushBothOfflineFails(t *testing.T) {
	dir := pushRepo(t, testenv.Redis(t))
	// Data files cannot be written where a file stands in for the data folder.
	// (iceberg-go loses this error about one time in four and stages an empty
	// snapshot; the append's record count check catches it, so both ways exit 3.)
	tableDir := filepath.Join(dir, "data", "warehouse", "feast.db", "driver_stats")
	if _, err := os.Stat(tableDir); err != nil {
		m, _ := filepath.Glob(filepath.Join(dir, "data", "warehouse", "*", "*"))
		t.Fatalf("table folder: %v (have %v)", err, m)
	}
	if err := os.RemoveAll(filepath.Join(tableDir, "data")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, tableDir, "data", "not a folder")
	input := writeFile(t, dir, "rows.csv", "driver_id,conv_rate,event_timestamp\n1000,0.25,2026-11-01T10:00:00Z\n")
	r := run(t, dir, nil, "push", "stats_push", "-i", input, "--to", "online_and_offline")
	if r.code != ExitPartial {
		t.Fatalf("exit %d, want %d: %q %q", r.code, ExitPartial, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "Error: online store written; offline append failed: ") ||
		!strings.Contains(r.stderr, "Hint: the online rows landed; re-run the same push with `--to offline`") ||
		!strings.Contains(r.stdout, "offline: feast.driver_stats: FAILED") {
		t.Errorf("output: %q %q", r.stdout, r.stderr)
	}
	if got := liveValue(t, dir, 1000); got != "0.25 PRESENT" {
		t.Errorf("online row: %s", got)
	}
}

func TestPushUsageErrors(t *testing.T) {
	dir := pushRepo(t, testenv.Redis(t))
	csv := writeFile(t, dir, "rows.csv", "driver_id,event_timestamp\n1,2026-11-01\n")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"push", "nope", "-i", csv}, ExitUsage, `push source "nope" not found in project "rides" (push sources: stats_push)`},
		{[]string{"push", "stats_source", "-i", csv}, ExitUsage, `data source "stats_source" is not a push source`},
		{[]string{"push", "stats_push", "-i", csv, "--to", "cloud"}, ExitUsage, `--to: push target "cloud": expected online, offline or online_and_offline`},
		{[]string{"push", "stats_push", "-i", "-"}, ExitUsage, "reading stdin needs --format csv or --format jsonl"},
		{[]string{"push", "stats_push", "-i", "-", "--format", "parquet"}, ExitUsage, "a Parquet input cannot be read from stdin"},
		{[]string{"push", "stats_push"}, ExitUsage, "--input is required"},
		{[]string{"push", "stats_push", "-i", csv}, ExitError, `rows.csv: missing column: "conv_rate" (feature conv_rate of driver_live, Float32)`},
		{[]string{"push", "stats_push", "-i", filepath.Join(dir, "absent.csv")}, ExitError, "push input: open"},
	}
	for _, tc := range tests {
		r := run(t, dir, nil, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
		if r.stdout != "" {
			t.Errorf("%v: a failed push printed %q", tc.args, r.stdout)
		}
	}
}

// An offline push must carry every column of the table: a missing one would
// be appended as null and become the newest value at the next
// materialization. It is refused, by name, and nothing is written.
func TestPushOfflineNeedsEveryTableColumn(t *testing.T) {
	dir := profileRepo(t)
	c := icebergtest.NewCatalog(t, filepath.Join(dir, "data"), "local")
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "customer_id", Type: arrow.BinaryTypes.String},
		{Name: "age", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "tier", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "visits", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true}, // read by no view of this push source
		{Name: "event_timestamp", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	}, nil)
	c.Table(t, "shop", "profiles", sc, "", nil)
	snapshots := func() int {
		tbl, err := c.Cat.LoadTable(context.Background(), table.Identifier{"shop", "profiles"})
		if err != nil {
			t.Fatal(err)
		}
		return len(tbl.Metadata().Snapshots())
	}
	row := `{"customer_id": "c9", "age": 3, "score": 1, "tier": "x", "tags": [], "visits": [], "event_timestamp": "2026-11-01T11:00:00Z"}` + "\n"
	r := runStdin(t, dir, nil, row, "push", "profile_push", "-i", "-", "--format", "jsonl", "--to", "offline")
	if r.code != ExitError || !strings.Contains(r.stderr, `missing column: "region" (column of shop.profiles; an offline push carries every column of the table)`) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if n := snapshots(); n != 0 {
		t.Errorf("the refused push left %d snapshots", n)
	}
	row = strings.Replace(row, `"visits": []`, `"visits": [], "region": "eu"`, 1)
	if r := runStdin(t, dir, nil, row, "push", "profile_push", "-i", "-", "--format", "jsonl", "--to", "offline"); r.code != 0 {
		t.Errorf("a push with every column: exit %d %s", r.code, r.stderr)
	}
	if n := snapshots(); n != 1 {
		t.Errorf("%d snapshots after the push with every column, want 1", n)
	}
}

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
	"github.com/feast-go/feast-go/internal/icebergtest"
	"github.com/feast-go/feast-go/internal/testenv"
	goredis "github.com/redis/go-redis/v9"
)

var mbase = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// materializeRepo writes a repository with a redis online store and one
// Iceberg table of hourly rows for `drivers` drivers over `hours` hours.
func materializeRepo(t *testing.T, redisAddr string, drivers, hours int, extraDefs string) string {
	t.Helper()
	dir := t.TempDir()
	c := icebergtest.NewCatalog(t, filepath.Join(dir, "data"), "local")
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "driver_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "conv_rate", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "event_timestamp", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	for h := range hours {
		for d := range drivers {
			b.Field(0).(*array.Int64Builder).Append(int64(1000 + d))
			b.Field(1).(*array.Float32Builder).Append(float32(h))
			b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(mbase.Add(time.Duration(h) * time.Hour).UnixMicro()))
		}
	}
	icebergtest.Append(t, c.Table(t, "feast", "driver_stats", sc, "event_timestamp", nil), b.NewRecordBatch())
	b.Release()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("feature_store.yaml", fmt.Sprintf("project: rides\nregistry: data/registry.db\nonline_store:\n  type: redis\n  connection_string: %s\n", redisAddr))
	write("definitions.yaml", `entities:
  - {name: driver, join_keys: [driver_id], value_type: INT64}
data_sources:
  - name: stats_source
    iceberg: {catalog_type: sql, catalog_name: local, endpoint: "sqlite:///data/catalog.db", warehouse: data/warehouse, namespace: feast, table: driver_stats}
    timestamp_field: event_timestamp
feature_views:
  - name: driver_stats
    entities: [driver]
    ttl: 24h
    source: stats_source
    schema: [{name: conv_rate, dtype: Float32}]
`+extraDefs)
	return dir
}

func summaryOf(t *testing.T, stdout string) map[string]any {
	t.Helper()
	return testenv.JSONSummary(t, stdout)
}

func TestMaterializeIncrementalEndToEnd(t *testing.T) {
	addr := testenv.Redis(t)
	dir := materializeRepo(t, addr, 50, 48, "")
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %s", r.stderr)
	}
	end := mbase.Add(47 * time.Hour).Format(time.RFC3339)
	r := run(t, dir, nil, "materialize", mbase.Format(time.RFC3339), end, "--json")
	if r.code != 0 {
		t.Fatalf("materialize: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	views := summaryOf(t, r.stdout)["views"].([]any)
	v := views[0].(map[string]any)
	if v["rows_scanned"] != float64(50*48) || v["entities"] != float64(50) || v["written"] != float64(50) || v["interval_recorded"] != true {
		t.Errorf("view result = %v", v)
	}
	rc := goredis.NewClient(&goredis.Options{Addr: addr})
	defer func() { _ = rc.Close() }()
	if n := len(featureKeys(t, rc)); n != 50 {
		t.Errorf("redis holds %d keys, want 50", n)
	}
	// Incremental from the recorded end: the rows on the edge are read again and skipped as not newer.
	r = run(t, dir, nil, "materialize-incremental", end, "--json")
	if r.code != 0 {
		t.Fatalf("materialize-incremental: exit %d: %s", r.code, r.stderr)
	}
	sum := summaryOf(t, r.stdout)
	v = sum["views"].([]any)[0].(map[string]any)
	if v["rows_scanned"] != float64(50) || v["written"] != float64(0) || v["skipped_older"] != float64(50) {
		t.Errorf("rerun result = %v", v)
	}
	if sum["command"] != "materialize-incremental" || !strings.Contains(r.stdout, `"command":"materialize-incremental","message_type":"status"`) {
		t.Errorf("records name another command: %s", r.stdout)
	}
	// Text output for people.
	r = run(t, dir, nil, "materialize-incremental", end)
	if r.code != 0 || !strings.Contains(r.stdout, "driver_stats") || !strings.Contains(r.stdout, "catalog loads 1, table loads 1") {
		t.Errorf("text summary: %q %q", r.stdout, r.stderr)
	}
}

// brokenRepo is materializeRepo with a second view, broken, whose table
// does not exist: a run of both views is partial.
func brokenRepo(t *testing.T, addr string) string {
	t.Helper()
	dir := materializeRepo(t, addr, 5, 2, `  - name: broken
    entities: [driver]
    source: missing_source
    schema: [{name: conv_rate, dtype: Float32}]
`)
	defs := filepath.Join(dir, "definitions.yaml")
	b, _ := os.ReadFile(defs)
	text := strings.Replace(string(b), "feature_views:", `  - name: missing_source
    iceberg: {catalog_type: sql, catalog_name: local, endpoint: "sqlite:///data/catalog.db", warehouse: data/warehouse, namespace: feast, table: nope}
    timestamp_field: event_timestamp
feature_views:`, 1)
	if err := os.WriteFile(defs, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %s", r.stderr)
	}
	return dir
}

func TestMaterializePartialFailureExits3(t *testing.T) {
	dir := brokenRepo(t, testenv.Redis(t))
	r := run(t, dir, nil, "materialize", mbase.Format(time.RFC3339), "now", "--json")
	if r.code != ExitPartial {
		t.Fatalf("exit %d, want 3: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "broken") || !strings.Contains(r.stderr, "feast.nope") {
		t.Errorf("stderr does not name the failed view and table: %q", r.stderr)
	}
	views := summaryOf(t, r.stdout)["views"].([]any)
	recorded := map[string]bool{}
	for _, v := range views {
		m := v.(map[string]any)
		recorded[m["view"].(string)] = m["interval_recorded"].(bool)
	}
	if !recorded["driver_stats"] || recorded["broken"] {
		t.Errorf("recorded = %v, want only driver_stats", recorded)
	}
}

func TestApplyDeletesRemovedViewRows(t *testing.T) {
	addr := testenv.Redis(t)
	dir := materializeRepo(t, addr, 3, 1, `  - name: second
    entities: [driver]
    source: stats_source
    schema: [{name: conv_rate, dtype: Float32}]
`)
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %s", r.stderr)
	}
	if r := run(t, dir, nil, "materialize", mbase.Format(time.RFC3339), mbase.Format(time.RFC3339)); r.code != 0 {
		t.Fatalf("materialize: %s", r.stderr)
	}
	defs := filepath.Join(dir, "definitions.yaml")
	b, _ := os.ReadFile(defs)
	if err := os.WriteFile(defs, []byte(string(b)[:strings.Index(string(b), "  - name: second")]), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, dir, nil, "apply")
	if r.code != 0 || !strings.Contains(r.stdout, `deleted the online rows of removed feature view "second" from 3 entities`) {
		t.Fatalf("apply: %d %q %q", r.code, r.stdout, r.stderr)
	}
	rc := goredis.NewClient(&goredis.Options{Addr: addr})
	defer func() { _ = rc.Close() }()
	keys := featureKeys(t, rc)
	if len(keys) != 3 {
		t.Fatalf("%d keys left, want 3 (driver_stats rows)", len(keys))
	}
	fields := rc.HKeys(context.Background(), keys[0]).Val()
	for _, f := range fields {
		if f == "_ts:second" {
			t.Errorf("the removed view's timestamp field survived: %q", fields)
		}
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	tests := []struct{ in, want string }{
		{"now", "2026-11-23T06:00:00Z"}, {"-1h", "2026-11-23T05:00:00Z"}, {"-2d", "2026-11-21T06:00:00Z"}, {"now-1.5h", "2026-11-23T04:30:00Z"},
		{"2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z"}, {"2026-01-02T03:04:05+02:00", "2026-01-02T01:04:05Z"},
		{"2026-01-02T03:04:05", "2026-01-02T03:04:05Z"}, {"2026-01-02 03:04:05", "2026-01-02T03:04:05Z"},
		{"2026-01-02", "2026-01-02T00:00:00Z"}, {"2026-01-02T03:04:05.123456", "2026-01-02T03:04:05.123456Z"},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in, now)
		if err != nil || got.Format(time.RFC3339Nano) != tt.want {
			t.Errorf("parseTime(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"yesterday", "-1x", "2026-13-01", ""} {
		if _, err := parseTime(bad, now); err == nil || exitCode(err) != ExitUsage {
			t.Errorf("parseTime(%q): %v", bad, err)
		}
	}
}

// Relative times work as positional arguments, as materialize --help shows.
func TestRelativeTimesAsArguments(t *testing.T) {
	tests := []struct {
		args []string
		want [2]string // Start, End as loaded
	}{
		{[]string{"materialize", "-2d", "now", "--views", "v"}, [2]string{"now-2d", "now"}},
		{[]string{"materialize", "-30m", "-1.5h"}, [2]string{"now-30m", "now-1.5h"}},
		{[]string{"materialize-incremental", "-1h"}, [2]string{"", "now-1h"}},
	}
	for _, tt := range tests {
		opts, _, r := loaded(t, nil, nil, tt.args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, r.code, r.stderr)
		}
		o := opts.(*MaterializeOptions)
		if o.Start != tt.want[0] || o.End != tt.want[1] {
			t.Errorf("%v: start %q end %q, want %q", tt.args, o.Start, o.End, tt.want)
		}
	}
	// Through Main: the arguments parse, and the run gets as far as the unknown view.
	repo := driversRepo(t)
	if r := run(t, repo, nil, "apply", "-q"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := run(t, repo, nil, "materialize", "-2d", "now", "--views", "nope"); r.code != ExitUsage || !strings.Contains(r.stderr, `--views: feature view "nope"`) {
		t.Errorf("materialize -2d now: exit %d %q", r.code, r.stderr)
	}
	if got := protectRelativeTimes([]string{"push", "src", "--", "-2d"}); got[3] != "-2d" {
		t.Errorf("an argument after -- was rewritten: %v", got)
	}
}

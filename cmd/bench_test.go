package cmd

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/bench"
	"github.com/feast-go/feast-go/internal/golden"
	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/onlinestore"
	redisstore "github.com/feast-go/feast-go/onlinestore/redis"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
	goredis "github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"
)

func fixedBenchReport() *bench.Report {
	ms := func(f float64) time.Duration { return time.Duration(f * 1e6) }
	lat := func(path string, batch int, p50, p95, p99, mean float64) bench.Latency {
		return bench.Latency{Path: path, Batch: batch, Stats: bench.Stats{N: 200, P50: ms(p50), P95: ms(p95), P99: ms(p99), Mean: ms(mean), Min: ms(p50 / 2), Max: ms(p99 * 2)}}
	}
	return &bench.Report{
		Service: "driver_activity", Views: 5, Features: 12, Source: "redis online store", Entities: 10000, Iterations: 200, Warmup: 30,
		Check: &bench.Check{Entities: 100, Features: 12},
		Latency: []bench.Latency{
			lat("regular", 1, 0.25, 0.4, 0.6, 0.27), lat("precomputed", 1, 0.1, 0.15, 0.2, 0.11),
			lat("regular", 100, 3.2, 4.1, 5.5, 3.4), lat("precomputed", 100, 0.8, 1.2, 1.6, 0.85),
		},
		Throughput: []*bench.Throughput{
			{Path: "regular", Concurrency: 10, Batch: 10, Seconds: 15, Requests: 90000, RequestsPS: 6000, RowsPS: 60000, Stats: bench.Stats{N: 90000, P50: ms(1.5), P99: ms(4)}},
			{Path: "precomputed", Concurrency: 10, Batch: 10, Seconds: 15, Requests: 300000, RequestsPS: 20000, RowsPS: 200000, Stats: bench.Stats{N: 300000, P50: ms(0.45), P99: ms(1.1)}},
		},
	}
}

// The report as people and scripts read it (golden; -update rewrites).
func TestBenchOutputGolden(t *testing.T) {
	golden.Assert(t, "bench_text", []byte(formatBench(fixedBenchReport())))
	var out bytes.Buffer
	e := &Env{Deps: &Deps{IO: &IOStreams{Out: &out}}}
	e.Printer = newPrinter(&out, true)
	if err := e.printBench(fixedBenchReport()); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "bench_json", out.Bytes())
}

// benchRepo: materializeRepo plus a precomputed service over its view, materialized.
func benchRepo(t *testing.T, addr string) string {
	t.Helper()
	dir := materializeRepo(t, addr, 50, 2, "feature_services:\n  - name: svc\n    features: [driver_stats]\n    precompute_online: true\n")
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %s", r.stderr)
	}
	if r := run(t, dir, nil, "materialize", mbase.Format(time.RFC3339), mbase.Add(time.Hour).Format(time.RFC3339), "-q"); r.code != 0 {
		t.Fatalf("materialize: %s", r.stderr)
	}
	return dir
}

func TestBenchDirectRedis(t *testing.T) {
	addr := testenv.Redis(t)
	dir := benchRepo(t, addr)
	chart := filepath.Join(dir, "latency.png")
	r := run(t, dir, nil, "bench", "--feature-service", "svc", "--batch-sizes", "1,5,100", "--iterations", "20", "--warmup", "2",
		"--duration", "300ms", "--concurrency", "3", "--plot", chart, "--json")
	if r.code != 0 {
		t.Fatalf("bench: %d %s", r.code, r.stderr)
	}
	sum := summaryOf(t, r.stdout)
	if sum["entities"] != 50.0 || sum["features"] != 1.0 {
		t.Errorf("summary: %v", sum)
	}
	check, _ := sum["check"].(map[string]any)
	if check["entities"] != 50.0 || check["mismatches"] != 0.0 {
		t.Errorf("check: %v", check)
	}
	lat, _ := sum["latency"].([]any)
	if len(lat) != 6 {
		t.Fatalf("%d latency rows, want 3 sizes × 2 paths: %v", len(lat), lat)
	}
	for _, row := range lat {
		m := row.(map[string]any)
		if m["n"] != 20.0 || m["p50_ms"].(float64) <= 0 || m["p99_ms"].(float64) < m["p50_ms"].(float64) {
			t.Errorf("latency row %v", m)
		}
	}
	tp, _ := sum["throughput"].([]any)
	if len(tp) != 2 || tp[0].(map[string]any)["requests"].(float64) <= 0 || tp[1].(map[string]any)["errors"] != 0.0 {
		t.Errorf("throughput: %v", tp)
	}
	f, err := os.Open(chart)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("chart: %v", err)
	}

	// Text output, entities from a file, regular path only.
	ents := writeFile(t, dir, "entities.csv", "driver_id\n1000\n1001\n1049\n")
	r = run(t, dir, nil, "bench", "--feature-service", "svc", "--entities", ents, "--paths", "regular", "--batch-sizes", "2", "--iterations", "5", "--duration", "0")
	if r.code != 0 || !strings.Contains(r.stdout, "3 entities from the "+ents) || !strings.Contains(r.stdout, "     2  regular") || strings.Contains(r.stdout, "THROUGHPUT") {
		t.Errorf("bench --entities: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// A vector left behind by a write that did not rebuild it is caught before timing.
func TestBenchCatchesStaleVector(t *testing.T) {
	addr := testenv.Redis(t)
	dir := benchRepo(t, addr)
	st, err := redisstore.Open(context.Background(), registry.RedisConfig{RedisType: "redis", ConnectionString: addr}, redisstore.Options{Project: "rides"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	key, _ := onlinestore.NewKeyEncoder([]string{"driver_id"}, 3).Append(nil, []*feastpb.Value{{Val: &feastpb.Value_Int64Val{Int64Val: 1007}}})
	val, _ := proto.Marshal(&feastpb.Value{Val: &feastpb.Value_FloatVal{FloatVal: 42}})
	if _, err := st.WriteView(context.Background(), onlinestore.View{Name: "driver_stats", JoinKeys: []string{"driver_id"}, Features: []string{"conv_rate"}},
		[]onlinestore.Row{{Key: key, EventTS: mbase.Add(3 * time.Hour), Values: [][]byte{val}}}); err != nil {
		t.Fatal(err)
	}
	r := run(t, dir, nil, "bench", "--feature-service", "svc", "--iterations", "3", "--duration", "0")
	if r.code != ExitError || !strings.Contains(r.stderr, "precomputed and regular reads differ: 1 of 50 values") ||
		!strings.Contains(r.stderr, `entity {driver_id=1007}, feature 1: regular "OUTSIDE_MAX_AGE 42", precomputed "OUTSIDE_MAX_AGE 1"`) ||
		!strings.Contains(r.stderr, "run `feast-go precompute svc`") {
		t.Errorf("stale vector: exit %d\n%s", r.code, r.stderr)
	}
	// After the rebuild the same bench passes. (The test clock is frozen and a
	// vector is rewritten only when its write time is newer: drop the stale one.)
	rcli := goredis.NewClient(&goredis.Options{Addr: addr})
	defer func() { _ = rcli.Close() }()
	rcli.HDel(context.Background(), redisstore.Key(key, "rides"), "_ts:__precomputed__svc")
	if r := run(t, dir, nil, "precompute", "svc", "-q"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := run(t, dir, nil, "bench", "--feature-service", "svc", "--iterations", "3", "--duration", "0", "--batch-sizes", "1"); r.code != 0 {
		t.Errorf("after precompute: %d %s", r.code, r.stderr)
	}
}

func TestBenchErrors(t *testing.T) {
	addr := testenv.Redis(t)
	dir := materializeRepo(t, addr, 2, 1, "feature_services:\n  - name: svc\n    features: [driver_stats]\n    precompute_online: true\n  - name: plain\n    features: [driver_stats]\n")
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"bench"}, ExitUsage, "give --feature-service NAME or --features"},
		{[]string{"bench", "--feature-service", "nope"}, ExitUsage, `feature service "nope": not found`},
		{[]string{"bench", "--features", "driver_stats:nope"}, ExitUsage, `feature view "driver_stats" has no feature "nope"`},
		{[]string{"bench", "--feature-service", "plain", "--paths", "precomputed"}, ExitUsage, `feature service "plain" does not precompute`},
		{[]string{"bench", "--feature-service", "svc", "--batch-sizes", "0"}, ExitUsage, "--batch-sizes: 0 is not a positive size"},
		{[]string{"bench", "--feature-service", "svc"}, ExitError, `no entities found for feature view "driver_stats" in the redis online store`},
		{[]string{"bench", "--feature-service", "svc", "--entities", "x.txt"}, ExitUsage, "cannot tell the format"},
	}
	for _, tc := range tests {
		r := run(t, dir, nil, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d %q; want %d %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	// precompute requested but no vectors: the check says which command fixes it.
	if r := run(t, dir, nil, "materialize", mbase.Format(time.RFC3339), mbase.Format(time.RFC3339), "-q"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	rcli := goredis.NewClient(&goredis.Options{Addr: addr})
	defer func() { _ = rcli.Close() }()
	for _, k := range rcli.Keys(context.Background(), "*").Val() {
		rcli.HDel(context.Background(), k, "_ts:__precomputed__svc")
	}
	r := run(t, dir, nil, "bench", "--feature-service", "svc", "--duration", "0")
	if r.code != ExitError || !strings.Contains(r.stderr, "has feature data but no precomputed vector; run `feast-go precompute svc`") {
		t.Errorf("no vectors: %d %s", r.code, r.stderr)
	}
	// An unreachable server is named after the retries.
	port := testenv.FreePort(t)
	r = run(t, dir, nil, "bench", "--feature-service", "svc", "--target", fmt.Sprintf("http://127.0.0.1:%d", port), "--retries", "1", "--duration", "0", "--no-check")
	if r.code != ExitError || !strings.Contains(r.stderr, "feature server unreachable") {
		t.Errorf("unreachable: %d %s", r.code, r.stderr)
	}
}

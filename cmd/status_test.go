package cmd

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/golden"
	"github.com/feast-go/feast-go/internal/testenv"
)

// runIDs are the random parts of run ids, scrubbed for golden files.
var runIDs = regexp.MustCompile(`[0-9]{8}T[0-9]{6}Z-[0-9a-f]{12}`)

// status before and after a materialization, and with views older than
// their limits (exit 4), in text and JSON (golden; -update rewrites).
func TestStatusGolden(t *testing.T) {
	addr := testenv.Redis(t)
	dir := materializeRepo(t, addr, 3, 2, "  - name: hourly\n    entities: [driver]\n    ttl: 2h\n    source: stats_source\n    schema: [{name: conv_rate, dtype: Float32}]\n"+
		"feature_services:\n  - name: svc\n    features: [driver_stats]\n    precompute_online: true\n")
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %s", r.stderr)
	}
	r := run(t, dir, nil, "status")
	if r.code != 0 {
		t.Fatalf("status before any run: %d %s", r.code, r.stderr)
	}
	golden.Assert(t, "status_before_text", []byte(r.stdout))

	if r := run(t, dir, nil, "materialize", mbase.Format(time.RFC3339), mbase.Add(time.Hour).Format(time.RFC3339), "--views", "driver_stats"); r.code != 0 {
		t.Fatalf("materialize: %d %s", r.code, r.stderr)
	}
	r = run(t, dir, nil, "status", "--runs", "5")
	if r.code != 0 {
		t.Fatalf("status after a run: %d %s", r.code, r.stderr)
	}
	golden.Assert(t, "status_after_text", runIDs.ReplaceAll([]byte(r.stdout), []byte("RUN-ID")))

	// A limit for every view, and a tighter one for driver_stats from feature_store.yaml.
	cfg := filepath.Join(dir, "feature_store.yaml")
	b, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(b, []byte("feast_go:\n  freshness: {driver_stats: 1h}\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, dir, nil, "status", "--max-age", "24h", "--json")
	if r.code != ExitStale {
		t.Fatalf("stale views: exit %d, want %d: %s", r.code, ExitStale, r.stderr)
	}
	golden.Assert(t, "status_stale_json", []byte(r.stdout))
	if !strings.Contains(r.stderr, "stale feature views") {
		t.Errorf("stderr %q", r.stderr)
	}
	if r := run(t, dir, nil, "status", "--max-age", "24h"); r.code != ExitStale || !strings.Contains(r.stdout, "stale: driver_stats, hourly") {
		t.Errorf("stale views in text: exit %d %q", r.code, r.stdout)
	}

	for _, bad := range []string{"feast_go:\n  freshness: {nope: 1h}\n", "feast_go:\n  freshness: {driver_stats: soon}\n"} {
		if err := os.WriteFile(cfg, append(b, []byte(bad)...), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := run(t, dir, nil, "status"); r.code == 0 || !strings.Contains(r.stderr, "freshness") {
			t.Errorf("%q: exit %d %q", bad, r.code, r.stderr)
		}
	}
}

// status reads the registry alone when the online store is down: the views'
// freshness still decides the exit code.
func TestStatusWithoutTheOnlineStore(t *testing.T) {
	dir := materializeRepo(t, "127.0.0.1:"+itoaPort(t), 3, 2, "")
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %s", r.stderr)
	}
	r := run(t, dir, nil, "status", "--max-age", "1h")
	if r.code != ExitStale || !strings.Contains(r.stderr, "vectors and runs unknown") {
		t.Errorf("exit %d, %q", r.code, r.stderr)
	}
}

func itoaPort(t *testing.T) string { return strconv.Itoa(testenv.FreePort(t)) }

func TestSpan(t *testing.T) {
	for _, tt := range []struct {
		seconds float64
		want    string
	}{{0, "0s"}, {45, "45s"}, {60, "1m"}, {750, "12m30s"}, {3600, "1h"}, {11100, "3h5m"}, {86400, "24h"}, {172800, "2d"}, {187200, "2d4h"}, {-90, "-1m30s"}} {
		if got := span(tt.seconds); got != tt.want {
			t.Errorf("span(%v) = %q, want %q", tt.seconds, got, tt.want)
		}
	}
}

package interop

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/feast-go/feast-go/internal/testenv"
)

// benchSummary runs feast-go bench in dir and returns its JSON summary.
func benchSummary(t *testing.T, dir string, args ...string) map[string]any {
	t.Helper()
	out := feastGo(t, dir, append([]string{"bench", "--json"}, args...)...)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		if rec["message_type"] == "summary" {
			return rec
		}
	}
	t.Fatalf("no summary in %q", out)
	return nil
}

// TestBenchAgainstFeastServe: feast-go bench --target drives Feast 0.67's own
// feature server (feast serve) over the repository Feast materialized, through
// the pooled client and without keep-alive; both paths run, and the
// correctness check compares Feast's regular and precomputed answers.
func TestBenchAgainstFeastServe(t *testing.T) {
	python := testenv.FeastPython(t)
	addr := testenv.Redis(t)
	dir := feastRepo(t, python, addr, 5)
	testenv.Run(t, dir, feastCLI(python), "materialize", windowStart, windowEnd)
	url := testenv.FeastServe(t, python, dir)

	common := []string{"--feature-service", "driver_activity", "--target", url, "--batch-sizes", "1,5", "--iterations", "10",
		"--warmup", "2", "--duration", "1s", "--concurrency", "2", "--check-sample", "20"}
	pooled := benchSummary(t, dir, common...)
	unpooled := benchSummary(t, dir, append(common, "--no-keepalive")...)
	for name, sum := range map[string]map[string]any{"pooled": pooled, "no-keepalive": unpooled} {
		check, _ := sum["check"].(map[string]any)
		if check["mismatches"] != 0.0 || check["entities"] != 20.0 {
			t.Errorf("%s: check %v", name, check)
		}
		if lat, _ := sum["latency"].([]any); len(lat) != 4 {
			t.Errorf("%s: %d latency rows, want 2 sizes × 2 paths", name, len(lat))
		}
		for _, tp := range sum["throughput"].([]any) {
			m := tp.(map[string]any)
			if m["requests"].(float64) <= 0 || m["errors"] != 0.0 {
				t.Errorf("%s: throughput %v", name, m)
			}
		}
	}
	ph, uh := pooled["http"].(map[string]any), unpooled["http"].(map[string]any)
	// Pooled: a handful of connections (one per worker, and new ones when the
	// server recycles its worker after --max-requests); unpooled: one per request.
	if ph["connections_opened"].(float64) > 10 || ph["requests"].(float64) < 100 {
		t.Errorf("pooled client opened %v connections for %v requests", ph["connections_opened"], ph["requests"])
	}
	// A worker's last request may find the phase over before it dials.
	if d, r := uh["connections_opened"].(float64), uh["requests"].(float64); d > r || d < r-2 {
		t.Errorf("--no-keepalive opened %v connections for %v requests", uh["connections_opened"], uh["requests"])
	}
}

package interop

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feast-go/feast-go/internal/testenv"
)

// benchSummary runs feast-go bench in dir and returns its JSON summary.
func benchSummary(t *testing.T, dir string, args ...string) map[string]any {
	t.Helper()
	return testenv.JSONSummary(t, feastGo(t, dir, append([]string{"bench", "--json"}, args...)...))
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

	// online_store type remote: `get` reads through the same server and sees
	// the values it reads from Redis directly (statuses aside: Feast's regular
	// path does not apply ttl).
	remoteCfg := "project: drivers\nregistry: data/registry.db\nprovider: local\nonline_store:\n  type: remote\n  path: " + url + "\n"
	if err := os.WriteFile(filepath.Join(dir, "remote.yaml"), []byte(remoteCfg), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"get", "--feature-service", "driver_activity", "--entity", "driver_id=1001", "--entity", "driver_id=99999", "--json"}
	direct, viaServer := getValues(t, feastGo(t, dir, args...)), getValues(t, feastGo(t, dir, append(args, "--config", "remote.yaml")...))
	if len(direct) != 8 || fmt.Sprint(direct) != fmt.Sprint(viaServer) {
		t.Errorf("get through the remote store differs from Redis:\nredis:  %v\nremote: %v", direct, viaServer)
	}
}

// getValues maps "entity feature" to the value in feast-go get --json output.
func getValues(t *testing.T, out string) map[string]string {
	t.Helper()
	vals := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec struct {
			Entity   string                    `json:"entity"`
			Features map[string]map[string]any `json:"features"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("get output %q: %v", line, err)
		}
		for name, f := range rec.Features {
			vals[rec.Entity+" "+name] = fmt.Sprint(f["value"])
		}
	}
	return vals
}

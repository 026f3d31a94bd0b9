package cmd

import (
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/golden"
	"github.com/feast-go/feast-go/internal/testenv"
)

// What materialize prints, in text and JSON (the test clock is frozen, so
// every duration is 0; golden, -update rewrites).
func TestMaterializeOutputGolden(t *testing.T) {
	addr := testenv.Redis(t)
	dir := materializeRepo(t, addr, 3, 2, "feature_services:\n  - name: svc\n    features: [driver_stats]\n    precompute_online: true\n")
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %s", r.stderr)
	}
	start, end := mbase.Format(time.RFC3339), mbase.Add(time.Hour).Format(time.RFC3339)
	r := run(t, dir, nil, "materialize", start, end)
	if r.code != 0 {
		t.Fatalf("materialize: %d %s", r.code, r.stderr)
	}
	golden.Assert(t, "materialize_text", []byte(r.stdout))
	r = run(t, dir, nil, "materialize-incremental", mbase.Add(2*time.Hour).Format(time.RFC3339), "--json")
	if r.code != 0 {
		t.Fatalf("materialize-incremental: %d %s", r.code, r.stderr)
	}
	golden.Assert(t, "materialize_incremental_json", []byte(r.stdout))
}

// What push prints, in text and JSON, and what a failed push prints: nothing
// on stdout, the error on stderr (golden).
func TestPushOutputGolden(t *testing.T) {
	dir := profileRepo(t)
	row := `{"customer_id": "c3", "age": 30, "score": 0.5, "tier": "gold", "tags": ["new"], "visits": [1], "event_timestamp": "2026-11-01T11:00:00Z", "extra": 1}` + "\n"
	r := runStdin(t, dir, nil, row, "push", "profile_push", "-i", "-", "--format", "jsonl")
	if r.code != 0 {
		t.Fatalf("push: %d %s", r.code, r.stderr)
	}
	golden.Assert(t, "push_text", []byte(r.stdout))
	r = runStdin(t, dir, nil, row, "push", "profile_push", "-i", "-", "--format", "jsonl", "--json")
	if r.code != 0 {
		t.Fatalf("push --json: %d %s", r.code, r.stderr)
	}
	golden.Assert(t, "push_json", []byte(r.stdout))
	bad := `{"customer_id": "c4", "age": "old", "score": "x", "event_timestamp": "2026-11-01T11:00:00Z"}` + "\n" +
		`{"customer_id": "c5", "age": 1e12, "event_timestamp": "2026-11-01T11:00:00Z"}` + "\n"
	r = runStdin(t, dir, nil, bad, "push", "profile_push", "-i", "-", "--format", "jsonl", "--json")
	if r.code != ExitError {
		t.Fatalf("bad push: exit %d", r.code)
	}
	golden.Assert(t, "push_bad_json", []byte(r.stdout))
	golden.Assert(t, "push_bad_stderr", []byte(r.stderr))
}

// Usage errors, in text (stderr) and as JSON records (stdout).
func TestUsageErrorOutputGolden(t *testing.T) {
	repo := driversRepo(t)
	r := run(t, repo, nil, "materialize", "2026-01-01")
	golden.Assert(t, "usage_error_text", []byte(r.stderr))
	r = run(t, repo, nil, "materialize", "2026-01-01", "--json")
	golden.Assert(t, "usage_error_json", []byte(r.stdout))
}

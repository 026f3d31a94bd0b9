package cmd

import (
	"strings"
	"testing"

	"github.com/feast-go/feast-go/internal/golden"
)

// profileRepo is a SQLite repository whose view customer_profile (read by
// service profiles) has scalar, list and nullable features, fed by a push
// source (online pushes need no Iceberg table).
func profileRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "feature_store.yaml", "project: shop\nregistry: data/registry.db\nonline_store:\n  type: sqlite\n  path: data/online.db\n")
	writeFile(t, dir, "definitions.yaml", `entities:
  - {name: customer, join_keys: [customer_id], value_type: STRING}
data_sources:
  - name: profile_source
    iceberg: {catalog_type: sql, catalog_name: local, endpoint: "sqlite:///data/catalog.db", warehouse: data/warehouse, namespace: shop, table: profiles}
    timestamp_field: event_timestamp
  - name: profile_push
    push: {batch_source: profile_source}
feature_views:
  - name: customer_profile
    entities: [customer]
    ttl: 48h
    source: profile_push
    schema:
      - {name: age, dtype: Int32}
      - {name: score, dtype: Float32}
      - {name: tier, dtype: String}
      - {name: tags, dtype: Array(String)}
      - {name: visits, dtype: Array(Int64)}
feature_services:
  - name: profiles
    features: [customer_profile]
`)
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %s", r.stderr)
	}
	rows := `{"customer_id": "c1", "age": 41, "score": 0.75, "tier": "gold", "tags": ["vip", "early bird"], "visits": [3, 5], "event_timestamp": "2026-11-01T10:00:00Z"}
{"customer_id": "c2", "age": null, "score": null, "tier": "silver", "tags": [], "visits": null, "event_timestamp": "2026-10-20T10:00:00Z"}
`
	if r := run(t, dir, nil, "push", "profile_push", "-i", writeFile(t, dir, "rows.jsonl", rows), "-q"); r.code != 0 {
		t.Fatalf("push: %s", r.stderr)
	}
	return dir
}

// get's output as people and scripts read it: readable lists in text, typed
// JSON (numbers, arrays, null), every status (golden; -update rewrites).
func TestGetOutputGolden(t *testing.T) {
	dir := profileRepo(t)
	args := []string{"get", "--feature-service", "profiles", "--entity", "customer_id=c1", "--entity", "customer_id=c2", "--entity", "customer_id=nobody"}
	r := run(t, dir, nil, args...)
	if r.code != 0 {
		t.Fatalf("get: %d %s", r.code, r.stderr)
	}
	golden.Assert(t, "get_text", []byte(r.stdout))
	r = run(t, dir, nil, append(args, "--json")...)
	if r.code != 0 {
		t.Fatalf("get --json: %d %s", r.code, r.stderr)
	}
	golden.Assert(t, "get_json", []byte(r.stdout))
}

// --features reads single features, view by view.
func TestGetFeatures(t *testing.T) {
	dir := profileRepo(t)
	r := run(t, dir, nil, "get", "--features", "customer_profile:tier,customer_profile:tags", "--entity", "customer_id=c1", "--full-feature-names=false")
	want := "customer_id=c1\n  tier                                 gold                     PRESENT\n  tags                                 [\"vip\", \"early bird\"]    PRESENT\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("get --features: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = run(t, dir, nil, "get", "--features", "customer_profile:nope", "--entity", "customer_id=c1")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `--features: "customer_profile:nope": feature view "customer_profile" has no feature "nope"`) {
		t.Errorf("unknown feature: %d %q", r.code, r.stderr)
	}
}

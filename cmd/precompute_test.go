package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
	goredis "github.com/redis/go-redis/v9"
)

// TestMaterializeRebuildsVectorsAndPrecomputeRestoresThem: materialize writes
// the vectors of the entities it touched; a deleted vector is restored by
// `feast-go precompute`; --since limits the rebuild.
func TestMaterializeRebuildsVectorsAndPrecomputeRestoresThem(t *testing.T) {
	addr := testenv.Redis(t)
	dir := materializeRepo(t, addr, 4, 3, "")
	defs := filepath.Join(dir, "definitions.yaml")
	b, _ := os.ReadFile(defs)
	svc := "feature_services:\n  - name: svc\n    features: [driver_stats]\n    precompute_online: true\n"
	if err := os.WriteFile(defs, append(b, []byte(svc)...), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %s", r.stderr)
	}
	r := run(t, dir, nil, "materialize", mbase.Format(time.RFC3339), mbase.Add(2*time.Hour).Format(time.RFC3339))
	if r.code != 0 || !strings.Contains(r.stdout, "svc") || !strings.Contains(r.stdout, "precomputed vectors: 4 written for 4 entities") {
		t.Fatalf("materialize: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// The same window again: every row is as old as the stored one, so no vector changes.
	r = run(t, dir, nil, "materialize", mbase.Format(time.RFC3339), mbase.Add(2*time.Hour).Format(time.RFC3339))
	if r.code != 0 || strings.Contains(r.stdout, "precomputed vectors") {
		t.Errorf("a run that wrote nothing rebuilt vectors: %d %q %q", r.code, r.stdout, r.stderr)
	}
	ctx := context.Background()
	rc := goredis.NewClient(&goredis.Options{Addr: addr})
	defer func() { _ = rc.Close() }()
	keys := featureKeys(t, rc)
	if len(keys) != 4 {
		t.Fatalf("%d keys", len(keys))
	}
	if rc.HExists(ctx, keys[0], "_ts:__precomputed__svc").Val() != true {
		t.Fatal("no vector written by materialize")
	}
	rc.HDel(ctx, keys[0], "_ts:__precomputed__svc")
	// The test clock is frozen: the three intact vectors have the same write
	// time and are not rewritten (newer-wins); the deleted one is.
	r = run(t, dir, nil, "precompute", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"entities":4,"written":1`) {
		t.Fatalf("precompute: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if !rc.HExists(ctx, keys[0], "_ts:__precomputed__svc").Val() {
		t.Error("precompute did not restore the vector")
	}
	r = run(t, dir, nil, "precompute", "svc", "--since", "2030-01-01")
	if r.code != 0 || !strings.Contains(r.stdout, "svc") || !strings.Contains(r.stdout, "          4          0          4") {
		t.Errorf("--since: %q %q", r.stdout, r.stderr)
	}
	if r := run(t, dir, nil, "precompute", "nope"); r.code != ExitUsage {
		t.Errorf("unknown service: exit %d", r.code)
	}
}

func TestInitRefusesNonEmptyFolder(t *testing.T) {
	dir := t.TempDir()
	if r := run(t, dir, nil, "init", "demo"); r.code != 0 || !strings.Contains(r.stdout, "Wrote a demo repository") {
		t.Fatalf("init: %d %q %q", r.code, r.stdout, r.stderr)
	}
	for _, f := range []string{"feature_store.yaml", "definitions.yaml", "data/catalog.db"} {
		if _, err := os.Stat(filepath.Join(dir, "demo", f)); err != nil {
			t.Errorf("init did not write %s: %v", f, err)
		}
	}
	if r := run(t, dir, nil, "init", "demo"); r.code != ExitUsage || !strings.Contains(r.stderr, "--force") {
		t.Errorf("second init: exit %d, %q", r.code, r.stderr)
	}
	if r := run(t, dir, nil, "init", "demo", "--force", "--json"); r.code != 0 || !strings.Contains(r.stdout, `"rows":14700`) {
		t.Errorf("init --force: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// An offline push from a copied demo would land in the original's tables
// (Iceberg records absolute locations): it is refused, naming both folders.
func TestPushOfflineRefusesACopiedDemo(t *testing.T) {
	dir := t.TempDir()
	if r := run(t, dir, nil, "init", "orig"); r.code != 0 {
		t.Fatalf("init: %d %q", r.code, r.stderr)
	}
	testenv.CopyDir(t, filepath.Join(dir, "orig"), filepath.Join(dir, "copy"))
	if r := run(t, filepath.Join(dir, "copy"), nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %d %q", r.code, r.stderr)
	}
	input := filepath.Join(dir, "rows.csv")
	if err := os.WriteFile(input, []byte("driver_id,conv_rate,acc_rate,avg_daily_trips,event_timestamp,created\n1001,0.5,0.5,3,2026-11-01T00:00:00,2026-11-01T00:00:00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, filepath.Join(dir, "copy"), nil, "push", "driver_stats_push", "--input", input, "--to", "offline")
	if r.code != ExitError || !strings.Contains(r.stderr, "copied or moved") || !strings.Contains(r.stderr, filepath.Join(dir, "orig")) {
		t.Errorf("offline push from a copy: exit %d, %q", r.code, r.stderr)
	}
}

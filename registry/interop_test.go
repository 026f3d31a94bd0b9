package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/golden"
	"github.com/feast-go/feast-go/internal/testenv"
)

// feastRepo copies a fixture repository and creates its Iceberg tables with pyiceberg.
func feastRepo(t *testing.T, python, fixture string) string {
	t.Helper()
	dir := t.TempDir()
	testenv.CopyDir(t, fixture, dir)
	testenv.Run(t, dir, python, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "make_tables.py"), dir)
	return dir
}

func feastCLI(python string) string { return filepath.Join(filepath.Dir(python), "feast") }

// TestFeastWritesFeastGoReads: a registry written by Feast 0.67's `feast apply`
// loads in feast-go as the same objects the YAML definitions describe, and a
// feast-go apply on top of it stays readable by Feast.
func TestFeastWritesFeastGoReads(t *testing.T) {
	python := testenv.FeastPython(t)
	dir := feastRepo(t, python, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "drivers_py"))
	testenv.Run(t, dir, feastCLI(python), "apply")

	ctx := context.Background()
	store := &FileStore{Path: filepath.Join(dir, "data", "registry.db")}
	r, err := store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o, err := r.Objects("drivers")
	if err != nil {
		t.Fatal(err)
	}
	fv, err := o.FeatureView("driver_hourly_stats")
	if err != nil {
		t.Fatal(err)
	}
	if fv.TTL != 24*time.Hour || fieldList(fv.EntityColumns) != "[driver_id:Int64]" || fv.BatchSource.Iceberg == nil ||
		fv.BatchSource.Iceberg.Endpoint != "sqlite:///data/catalog.db" || fv.BatchSource.CreatedTimestampColumn != "created" {
		t.Errorf("driver_hourly_stats read as %+v (source %+v)", fv, fv.BatchSource)
	}
	push, err := o.FeatureView("driver_fresh_stats")
	if err != nil || push.StreamSource == nil || push.StreamSource.Type != SourcePush || push.BatchSource.Name != "driver_stats_source" {
		t.Errorf("push-fed view read as %+v, %v", push, err)
	}

	// The YAML twin of Feast's Python definitions plans no change.
	p := Diff(o, loadDriversDefs(t, nil))
	if p.HasChanges() {
		var b strings.Builder
		_ = p.WriteText(&b)
		t.Errorf("feast-go sees differences from Feast's own registry:\n%s", b.String())
	}

	// feast-go changes Feast's registry; Feast reads the result.
	changed := loadDriversDefs(t, func(s string) string { return strings.Replace(s, "ttl: 24h", "ttl: 36h", 1) })
	if _, err := Apply(ctx, store, changed, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	got := readWithFeast(t, python, dir)
	if ttl := got["feature_views"].(map[string]any)["driver_hourly_stats"].(map[string]any)["ttl_seconds"]; ttl != float64(36*3600) {
		t.Errorf("Feast reads ttl %v after feast-go's apply, want %d", ttl, 36*3600)
	}
	testenv.Run(t, dir, feastCLI(python), "feature-views", "list")
}

// TestFeastReadsFeastGoRegistry: a registry feast-go wrote from YAML loads in
// Feast 0.67 with every object and field as defined.
func TestFeastReadsFeastGoRegistry(t *testing.T) {
	python := testenv.FeastPython(t)
	dir := feastRepo(t, python, filepath.Join(testenv.RepoRoot(), "testdata", "repos", "drivers"))
	store := &FileStore{Path: filepath.Join(dir, "data", "registry.db")}
	if _, err := Apply(context.Background(), store, loadDriversDefs(t, nil), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	got := readWithFeast(t, python, dir)
	b, _ := json.MarshalIndent(got, "", " ")
	golden.Assert(t, "feast_reads_drivers", append(b, '\n'))
	out := testenv.Run(t, dir, feastCLI(python), "feature-services", "list")
	if !strings.Contains(out, "driver_activity") || !strings.Contains(out, "customer_view") {
		t.Errorf("feast feature-services list:\n%s", out)
	}
}

func readWithFeast(t *testing.T, python, dir string) map[string]any {
	t.Helper()
	out := testenv.Run(t, dir, python, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "read_registry.py"), dir)
	// Feast may log warnings before the JSON.
	i := strings.Index(out, "{")
	var got map[string]any
	if i < 0 || json.Unmarshal([]byte(out[i:]), &got) != nil {
		t.Fatalf("read_registry.py printed no JSON:\n%s", out)
	}
	return got
}

func TestMain(m *testing.M) {
	// Feast prints usage statistics notices unless told not to.
	_ = os.Setenv("FEAST_USAGE", "False")
	if os.Getenv("FEAST_GO_HELPER_APPEND") == "1" {
		if err := helperAppend(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

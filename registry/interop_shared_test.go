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

// sharedRegistries are the registries on servers that Feast and feast-go
// share in the interop tests: registry_type and path as Feast takes them. Each
// call makes a fresh, empty registry.
func sharedRegistries() map[string]func(t *testing.T) (typ, path string) {
	n := 0
	fresh := func() string { n++; return fmt.Sprintf("reg%d/registry.db", n) }
	return map[string]func(t *testing.T) (string, string){
		"sql-sqlite": func(t *testing.T) (string, string) {
			return "sql", "sqlite:///" + filepath.Join(t.TempDir(), "registry.db")
		},
		"sql-postgres": func(t *testing.T) (string, string) {
			return "sql", "postgresql+psycopg://" + strings.TrimPrefix(testenv.Postgres(t), "postgresql://")
		},
		"sql-mariadb": func(t *testing.T) (string, string) {
			return "sql", "mysql+pymysql://" + strings.TrimPrefix(testenv.MariaDB(t), "mysql://")
		},
		"s3": func(t *testing.T) (string, string) {
			if os.Getenv("FEAST_S3_ENDPOINT_URL") == "" {
				t.Setenv("FEAST_S3_ENDPOINT_URL", testenv.S3(t, "feast-registry"))
			}
			return "file", "s3://feast-registry/" + fresh()
		},
		"remote": func(t *testing.T) (string, string) {
			return "remote", testenv.RegistryServer(t, testenv.FeastPython(t), serverRepo(t), "", "")
		},
		"gcs": func(t *testing.T) (string, string) {
			if os.Getenv("STORAGE_EMULATOR_HOST") == "" {
				testenv.GCS(t, "feast-registry")
			}
			return "file", "gs://feast-registry/" + fresh()
		},
	}
}

// useRegistry points a repository's feature_store.yaml at another registry.
func useRegistry(t *testing.T, dir string, typ, path string) *Config {
	t.Helper()
	p := filepath.Join(dir, "feature_store.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.Replace(string(b), "registry: data/registry.db", "registry:\n  registry_type: "+typ+"\n  path: "+path+"\n  cache_ttl_seconds: 0", 1)
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestFeastAndFeastGoShareRegistry: on each registry server Feast applies,
// feast-go reads the same objects the YAML twin describes, records an
// interval and a state that Feast reads, and applies a change Feast sees;
// and a registry feast-go created from nothing reads in Feast as the file
// registry does.
func TestFeastAndFeastGoShareRegistry(t *testing.T) {
	python := testenv.FeastPython(t)
	for name, newRegistry := range sharedRegistries() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := feastRepo(t, python, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "drivers_py"))
			typ, path := newRegistry(t)
			cfg := useRegistry(t, dir, typ, path)
			testenv.Run(t, dir, feastCLI(python), "apply")

			store := openTestStore(t, cfg)
			r, err := store.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			o, err := r.Objects("drivers")
			if err != nil {
				t.Fatal(err)
			}
			if p := Diff(o, loadDriversDefs(t, nil)); p.HasChanges() {
				var b strings.Builder
				_ = p.WriteText(&b)
				t.Errorf("feast-go reads Feast's SQL registry differently:\n%s", b.String())
			}

			start, end := t0, t0.Add(24*time.Hour)
			if err := store.Update(ctx, func(r *Registry) error {
				return r.RecordMaterialization("drivers", "driver_hourly_stats", start, end, t0)
			}); err != nil {
				t.Fatal(err)
			}
			if err := store.Update(ctx, func(r *Registry) error {
				_, err := r.SetViewState("drivers", "customer_profile", StateMaterializing)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			changed := loadDriversDefs(t, func(s string) string { return strings.Replace(s, "ttl: 24h", "ttl: 36h", 1) })
			if _, err := Apply(ctx, store, changed, ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			views := readWithFeast(t, python, dir)["feature_views"].(map[string]any)
			hourly := views["driver_hourly_stats"].(map[string]any)
			if got, _ := json.Marshal(hourly["intervals"]); string(got) != `[["2026-11-01T12:00:00+00:00","2026-11-02T12:00:00+00:00"]]` {
				t.Errorf("Feast reads intervals %s", got)
			}
			if hourly["state"] != StateAvailableOnline || views["customer_profile"].(map[string]any)["state"] != StateMaterializing {
				t.Errorf("Feast reads states %v and %v", hourly["state"], views["customer_profile"].(map[string]any)["state"])
			}
			if hourly["ttl_seconds"] != float64(36*3600) {
				t.Errorf("Feast reads ttl %v after feast-go's apply", hourly["ttl_seconds"])
			}

			// feast-go creates the registry; Feast reads what it reads from a file registry.
			dir2 := t.TempDir() // no tables: Feast only lists the objects
			testenv.CopyDir(t, filepath.Join(testenv.RepoRoot(), "testdata", "repos", "drivers"), dir2)
			typ, path = newRegistry(t)
			cfg2 := useRegistry(t, dir2, typ, path)
			if _, err := Apply(ctx, openTestStore(t, cfg2), loadDriversDefs(t, nil), ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			b, _ := json.MarshalIndent(readWithFeast(t, python, dir2), "", " ")
			golden.Assert(t, "feast_reads_drivers", append(b, '\n'))
		})
	}
}

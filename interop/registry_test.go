package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feast-go/feast-go/cmd"
	"github.com/feast-go/feast-go/internal/testenv"
)

// registryPassword is in the registry URL and must never be printed.
const registryPassword = "Reg1stry-Pw-never-shown"

// TestMaterializeOnSharedRegistry: Feast and feast-go share one registry on a
// server, as a CronJob and a feature server on other hosts would: SQL in
// PostgreSQL, a file in S3, Feast's registry server. Both materialize the same
// window into their own Redis db with the same bytes; feast-go's incremental
// run records its interval where Feast reads it; Feast serves feast-go's rows.
// No password reaches the output.
func TestMaterializeOnSharedRegistry(t *testing.T) {
	python := testenv.FeastPython(t)
	kinds := map[string]func(t *testing.T) (typ, path string){
		"sql-postgres": func(t *testing.T) (string, string) {
			pg := strings.Replace(testenv.Postgres(t), "postgres@", "postgres:"+registryPassword+"@", 1) // trust auth ignores it
			return "sql", "postgresql+psycopg://" + strings.TrimPrefix(pg, "postgresql://")
		},
		"s3": func(t *testing.T) (string, string) {
			t.Setenv("FEAST_S3_ENDPOINT_URL", testenv.S3(t, "feast"))
			return "file", "s3://feast/drivers/registry.db"
		},
		"remote": func(t *testing.T) (string, string) {
			dir := t.TempDir()
			yaml := "project: drivers\nregistry: data/registry.db\nprovider: local\nonline_store:\n  type: sqlite\n  path: data/online.db\nentity_key_serialization_version: 3\n"
			if err := os.WriteFile(filepath.Join(dir, "feature_store.yaml"), []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			return "remote", testenv.RegistryServer(t, python, dir, "", "")
		},
	}
	for name, kind := range kinds {
		t.Run(name, func(t *testing.T) {
			typ, path := kind(t)
			materializeOnSharedRegistry(t, python, typ, path)
		})
	}
}

func materializeOnSharedRegistry(t *testing.T, python, typ, path string) {
	addr := testenv.Redis(t)
	config := func(db int) string {
		return fmt.Sprintf("project: drivers\nregistry:\n  registry_type: %s\n  path: %s\n  cache_ttl_seconds: 0\nprovider: local\nonline_store:\n  type: redis\n  connection_string: %s,db=%d\noffline_store:\n  type: duckdb\nentity_key_serialization_version: 3\n", typ, path, addr, db)
	}
	feastDir := t.TempDir()
	testenv.CopyDir(t, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "drivers_py"), feastDir)
	if err := os.WriteFile(filepath.Join(feastDir, "feature_store.yaml"), []byte(config(1)), 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Run(t, feastDir, python, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "make_tables.py"), feastDir, "--rows")
	testenv.Run(t, feastDir, feastCLI(python), "apply")
	goDir := t.TempDir()
	testenv.CopyDir(t, feastDir, goDir) // same tables; the registry is the shared one
	if err := os.WriteFile(filepath.Join(goDir, "feature_store.yaml"), []byte(config(2)), 0o644); err != nil {
		t.Fatal(err)
	}

	testenv.Run(t, feastDir, feastCLI(python), "materialize", windowStart, windowEnd)
	out, errOut := feastGoAll(t, goDir, "materialize", windowStart, windowEnd, "--json", "--log-level", "debug")
	sameRedisBytes(t, addr, 1, 2, fieldNames(t, goDir), 70)

	out2, errOut2 := feastGoAll(t, goDir, "materialize-incremental", incrementalEnd, "--json", "--log-level", "debug")
	status, errOut3 := feastGoAll(t, goDir, "status", "--json")
	for _, s := range []string{out, errOut, out2, errOut2, status, errOut3} {
		if strings.Contains(s, registryPassword) {
			t.Fatalf("the registry password was printed:\n%s", s)
		}
	}
	if !strings.Contains(status, `"last_end":"2026-10-04T00:00:00Z"`) {
		t.Errorf("status --json does not show the incremental run's watermark: %s", status)
	}

	got := readRegistryWithFeast(t, python, feastDir)
	hourly := got["feature_views"].(map[string]any)["driver_hourly_stats"].(map[string]any)
	ivs, _ := json.Marshal(hourly["intervals"])
	if !strings.Contains(string(ivs), "2026-10-04T00:00:00+00:00") || hourly["state"] != "AVAILABLE_ONLINE" {
		t.Errorf("Feast reads intervals %s and state %v after feast-go's incremental run", ivs, hourly["state"])
	}
	// Feast serves feast-go's rows, the incremental one (driver 3000) included.
	read := jsonTail(testenv.Run(t, goDir, python, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "read_online.py"), goDir))
	if !strings.Contains(read, `"driver_hourly_stats__avg_daily_trips": [48, -1, 218, null, 5, null, null]`) {
		t.Errorf("Feast's read over feast-go's rows: %s", read)
	}
}

// feastGoAll runs feast-go in dir, fails the test on a non-zero exit, and
// returns stdout and stderr.
func feastGoAll(t *testing.T, dir string, args ...string) (string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	d := cmd.SystemDeps(cmd.BuildInfo{})
	d.IO = &cmd.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	d.Getwd = func() (string, error) { return dir, nil }
	if code := cmd.Main(context.Background(), args, d); code != 0 {
		t.Fatalf("feast-go %v: exit %d\n%s%s", args, code, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

func readRegistryWithFeast(t *testing.T, python, dir string) map[string]any {
	t.Helper()
	out := testenv.Run(t, dir, python, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "read_registry.py"), dir)
	var got map[string]any
	if err := json.Unmarshal([]byte(jsonTail(out)), &got); err != nil {
		t.Fatalf("read_registry.py: %v\n%s", err, out)
	}
	return got
}

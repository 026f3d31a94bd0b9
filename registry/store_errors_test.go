package registry

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
)

// TestStoreBadInput: an unreachable server, wrong credentials, missing
// tables and a corrupt row each give an error that names the registry, says
// what to check, never shows the password, and write nothing.
func TestStoreBadInput(t *testing.T) {
	if testing.Short() {
		t.Skip("registries on servers do not run with -short")
	}
	ctx := context.Background()
	pg := testenv.Postgres(t)
	maria := testenv.MariaDB(t)
	closed := testenv.FreePort(t) // nothing listens there
	const pw = "Pa55-word-never-shown"

	cases := []struct {
		name string
		cfg  RegistryConfig
		want string
	}{
		{"postgres unreachable", RegistryConfig{Type: "sql", Path: "postgresql://feast:" + pw + "@127.0.0.1:" + itoa(closed) + "/feast"}, "registry unavailable"},
		{"postgres wrong password", RegistryConfig{Type: "sql", Path: strings.Replace(pg, "postgres@", "nobody:"+pw+"@", 1)}, "registry unavailable"},
		{"mariadb wrong password", RegistryConfig{Type: "sql", Path: strings.Replace(maria, testenv.MariaDBPassword, pw, 1)}, "Access denied"},
		{"mysql unknown parameter", RegistryConfig{Type: "sql", Path: "mysql://feast:" + pw + "@127.0.0.1/feast?ssl_mode=x"}, "ssl_mode"},
		{"verify missing tables", RegistryConfig{Type: "sql", Path: "sqlite:///" + filepath.Join(t.TempDir(), "r.db"), SchemaMode: "verify"}, "tables projects"},
		{"remote unreachable", RegistryConfig{Type: "remote", Path: "127.0.0.1:" + itoa(closed)}, "registry unavailable"},
	}
	t.Setenv("FEAST_S3_ENDPOINT_URL", testenv.S3(t, "present"))
	cases = append(cases,
		struct {
			name string
			cfg  RegistryConfig
			want string
		}{"s3 missing bucket", RegistryConfig{Type: "file", Path: "s3://absent-bucket/registry.db"}, "bucket absent-bucket"},
		struct {
			name string
			cfg  RegistryConfig
			want string
		}{"gcs unreachable", RegistryConfig{Type: "file", Path: "gs://b/registry.db"}, "registry unavailable"},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			limit := 30 * time.Second
			if strings.HasPrefix(c.cfg.Path, "gs://") {
				t.Setenv("STORAGE_EMULATOR_HOST", "http://127.0.0.1:"+itoa(closed))
				limit = 3 * time.Second // the GCS client retries a refused connection until the deadline
			}
			cctx, cancel := context.WithTimeout(ctx, limit)
			defer cancel()
			s, err := OpenStore(&Config{Project: "drivers", Dir: t.TempDir(), Registry: c.cfg})
			if err == nil {
				defer func() { _ = s.Close() }()
				_, err = s.Read(cctx)
				if err == nil || errors.Is(err, ErrNoRegistry) {
					err = s.Update(cctx, func(r *Registry) error { return nil })
				}
			}
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.Contains(msg, c.want) || !strings.Contains(msg, "registry") {
				t.Errorf("error %q, want it to name the registry and say %q", msg, c.want)
			}
			if strings.Contains(msg, pw) {
				t.Errorf("the password is in the error: %s", msg)
			}
		})
	}

	// A corrupt row: reads fail naming the table and the row; an update
	// writes nothing.
	path := filepath.Join(t.TempDir(), "registry.db")
	s := openTestStore(t, &Config{Project: "drivers", Registry: RegistryConfig{Type: "sql", Path: "sqlite:///" + path}})
	if _, err := Apply(ctx, s, loadDriversDefs(t, nil), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if _, err := db.Exec("UPDATE entities SET entity_proto = x'ffffff' WHERE entity_name = 'driver'"); err != nil {
		t.Fatal(err)
	}
	var before int64
	_ = db.QueryRow("SELECT SUM(last_updated_timestamp) FROM feature_views").Scan(&before)
	_, err = s.Read(ctx)
	if err == nil || !strings.Contains(err.Error(), `entities row "driver"`) || !strings.Contains(err.Error(), path) {
		t.Errorf("corrupt row: %v", err)
	}
	if err := s.Update(ctx, func(r *Registry) error {
		return r.RecordMaterialization("drivers", "driver_hourly_stats", t0, t0.Add(time.Hour), t0.Add(time.Hour))
	}); err == nil {
		t.Error("an update over a corrupt row succeeded")
	}
	var after int64
	_ = db.QueryRow("SELECT SUM(last_updated_timestamp) FROM feature_views").Scan(&after)
	if after != before {
		t.Error("a failed update wrote feature_views")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

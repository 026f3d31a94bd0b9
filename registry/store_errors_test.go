package registry

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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

// TestSQLStoreFaultsMidUpdate: PostgreSQL failing inside an update. A
// connection killed between the read and the write fails the update, writes
// nothing, and the next update succeeds on a new connection; a server that
// stops answering fails the call within the store's timeout instead of
// hanging the run.
func TestSQLStoreFaultsMidUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("registries on servers do not run with -short")
	}
	ctx := context.Background()
	pg := testenv.Postgres(t)
	s := openTestStore(t, &Config{Project: "drivers", Registry: RegistryConfig{Type: "sql", Path: pg}}).(*SQLStore)
	if _, err := Apply(ctx, s, loadDriversDefs(t, nil), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", pg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = admin.Close() }()
	others := "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"

	err = s.Update(ctx, func(r *Registry) error {
		if _, err := admin.Exec("SELECT pg_terminate_backend(pid) FROM (" + others + ") AS o"); err != nil {
			t.Fatal(err)
		}
		return r.RecordMaterialization("drivers", "driver_hourly_stats", t0, t0.Add(time.Hour), t0)
	})
	if err == nil || !strings.Contains(err.Error(), "registry ") {
		t.Fatalf("update over a killed connection: %v", err)
	}
	if n := len(viewOf(t, s, "driver_hourly_stats").Intervals); n != 0 {
		t.Fatalf("a failed update recorded %d intervals", n)
	}
	if err := s.Update(ctx, func(r *Registry) error {
		return r.RecordMaterialization("drivers", "driver_hourly_stats", t0, t0.Add(time.Hour), t0)
	}); err != nil {
		t.Fatalf("the next update did not recover: %v", err)
	}

	// Freeze the store's server processes (SIGSTOP): the read must give up.
	s.Timeout = 2 * time.Second
	rows, err := admin.Query(others)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for rows.Next() {
		var pid int
		_ = rows.Scan(&pid)
		pids = append(pids, pid)
	}
	_ = rows.Close()
	if len(pids) == 0 {
		t.Fatal("the store holds no connection to freeze")
	}
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGSTOP)
	}
	defer func() {
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}()
	start := time.Now()
	_, err = s.Read(ctx)
	if took := time.Since(start); err == nil || took > 30*time.Second {
		t.Fatalf("read from a frozen server: %v after %s", err, took)
	}
	if !errors.Is(err, ErrRegistryUnreadable) || !strings.Contains(err.Error(), "registry ") {
		t.Errorf("frozen server: %v", err)
	}
}

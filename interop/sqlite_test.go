package interop

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/onlinestore"
	sqlitestore "github.com/feast-go/feast-go/onlinestore/sqlite"
	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"

	_ "modernc.org/sqlite"
)

func writeSQLiteConfig(t *testing.T, dir string) {
	t.Helper()
	cfg := "project: drivers\nregistry: data/registry.db\nprovider: local\nonline_store:\n  type: sqlite\n  path: data/online.db\noffline_store:\n  type: duckdb\nentity_key_serialization_version: 3\n"
	if err := os.WriteFile(filepath.Join(dir, "feature_store.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSameSQLiteRowsAsFeast: Feast and feast-go materialize the same table
// into their own SQLite online stores; every table row matches (the vector
// tables compared as vectors), and Feast reads feast-go's store as its own.
func TestSameSQLiteRowsAsFeast(t *testing.T) {
	python := testenv.FeastPython(t)
	feastDir := t.TempDir()
	testenv.CopyDir(t, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "drivers_py"), feastDir)
	writeSQLiteConfig(t, feastDir)
	// Feast 0.67's SQLite writer fails on a null created time (sqlite3 cannot bind
	// NaT), so here every row has one; the Redis test keeps the null.
	testenv.Run(t, feastDir, python, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "make_tables.py"), feastDir, "--rows", "--created-always")
	testenv.Run(t, feastDir, feastCLI(python), "apply")
	goDir := t.TempDir()
	testenv.CopyDir(t, feastDir, goDir)
	_ = os.Remove(filepath.Join(goDir, "data", "online.db")) // feast-go creates its own tables

	testenv.Run(t, feastDir, feastCLI(python), "materialize", windowStart, windowEnd)
	feastGo(t, goDir, "materialize", windowStart, windowEnd)

	fdb := openDB(t, filepath.Join(feastDir, "data", "online.db"))
	gdb := openDB(t, filepath.Join(goDir, "data", "online.db"))
	// Feast builds precomputed vectors only on Redis ("Entity scanning not
	// supported"); feast-go builds them on SQLite too, checked below through Feast's reader.
	tables := []string{"drivers_driver_hourly_stats", "drivers_driver_fresh_stats", "drivers_customer_profile",
		"drivers_driver_customer_trips", "drivers_zone_stats"}
	for _, tbl := range tables {
		f, g := dumpTable(t, fdb, tbl), dumpTable(t, gdb, tbl)
		if len(f) < 10 || len(f) != len(g) {
			t.Errorf("table %s: Feast %d rows, feast-go %d rows", tbl, len(f), len(g))
			continue
		}
		for k, fr := range f {
			gr, ok := g[k]
			switch {
			case !ok:
				t.Errorf("table %s: row %s missing from feast-go's store", tbl, k)
			case strings.Contains(tbl, "__precomputed__"):
				if d := compareVectors("vector", fr[0], gr[0]); d != "" {
					t.Errorf("table %s row %s: %s", tbl, k, d)
				}
			case fr != gr:
				t.Errorf("table %s row %s:\n  Feast    value=%x text=%q event=%q created=%q\n  feast-go value=%x text=%q event=%q created=%q",
					tbl, k, fr[0], fr[1], fr[2], fr[3], gr[0], gr[1], gr[2], gr[3])
			}
		}
	}
	// feast-go reads the store Feast wrote.
	fs, err := sqlitestore.Open(context.Background(), filepath.Join(feastDir, "data", "online.db"), "drivers", false)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = fs.Close() }()
	key, _ := onlinestore.NewKeyEncoder([]string{"driver_id"}, 3).Append(nil, []*feastpb.Value{{Val: &feastpb.Value_Int64Val{Int64Val: 1001}}})
	got, err := fs.ReadViews(context.Background(), [][]byte{key}, []onlinestore.View{{Name: "driver_hourly_stats", Features: []string{"avg_daily_trips"}}})
	var trips feastpb.Value
	if err != nil || !got[0][0].Found || proto.Unmarshal(got[0][0].Values[0], &trips) != nil || trips.GetInt64Val() != -1 {
		t.Errorf("feast-go reading Feast's SQLite store: %+v %v (want the created-time tie winner, trips -1)", got, err)
	}
	if n := len(dumpTable(t, gdb, "drivers___precomputed__driver_activity")); n != 41 {
		t.Errorf("feast-go wrote %d vectors to SQLite, want 41", n)
	}
	read := filepath.Join(testenv.RepoRoot(), "testdata", "feast", "read_online.py")
	if a, b := jsonTail(testenv.Run(t, feastDir, python, read, feastDir, "--no-precomputed")), jsonTail(testenv.Run(t, goDir, python, read, goDir, "--no-precomputed")); a != b {
		t.Errorf("get_online_features differs\nover Feast's store:    %s\nover feast-go's store: %s", a, b)
	}
	// Feast's precomputed path reads feast-go's SQLite vectors.
	if out := jsonTail(testenv.Run(t, goDir, python, read, goDir)); !strings.Contains(out, "driver_hourly_stats__conv_rate") {
		t.Errorf("Feast's precomputed read over feast-go's SQLite store: %s", out)
	}
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// dumpTable maps "entity key/feature" to (value, value_text, event_ts, created_ts).
func dumpTable(t *testing.T, db *sql.DB, table string) map[string][4]string {
	t.Helper()
	rows, err := db.Query(fmt.Sprintf(`SELECT entity_key, feature_name, value, COALESCE(value_text, '<null>'), COALESCE(CAST(event_ts AS TEXT), '<null>'), COALESCE(CAST(created_ts AS TEXT), '<null>') FROM %q`, table))
	if err != nil {
		t.Fatalf("table %s: %v", table, err)
	}
	defer func() { _ = rows.Close() }()
	out := map[string][4]string{}
	for rows.Next() {
		var key, value []byte
		var name, text, ev, cr string
		if err := rows.Scan(&key, &name, &value, &text, &ev, &cr); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%x/%s", key, name)] = [4]string{string(value), text, ev, cr}
	}
	return out
}

package sqlitefile

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

// A database in a folder whose name holds URI syntax opens where it is.
func TestURIOpensOddPaths(t *testing.T) {
	for _, name := range []string{"plain", "a#b", "what?x=1", "100%25", "sp ace"} {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "x.db")
		db, err := sql.Open("sqlite", URI(p, "_pragma=busy_timeout(1000)"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("CREATE TABLE t (x)"); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_ = db.Close()
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: the database is not at %s: %v", name, p, err)
		}
	}
}

package registry

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// SQLStore is Feast's SQL registry (registry_type: sql) in PostgreSQL,
// MySQL/MariaDB or SQLite: one row per object in Feast 0.67's tables.
//
// An Update is one transaction. It first locks the project's
// last_updated_timestamp row in feast_metadata (SELECT ... FOR UPDATE; on
// SQLite the transaction takes the database's write lock as it begins), so
// feast-go writers of one project take turns and none loses another's interval
// append or state change. Rows are then read with FOR UPDATE, and only the
// rows whose object changed are written.
type SQLStore struct {
	target   sqlTarget
	location string // the URL without its password
	project  string
	schema   string // Feast's schema_mode: auto, verify or skip
	// Now is the clock for last_updated_timestamp columns (time.Now when nil).
	Now func() time.Time
	// Timeout bounds a read or one update attempt (sqlOpTimeout when 0), so
	// a database that stops answering mid-run fails the run instead of hanging it.
	Timeout time.Duration

	mu    sync.Mutex
	db    *sql.DB
	ready bool // the schema was created or verified
}

// sqlOpTimeout bounds a read or an update attempt: above PostgreSQL's 60 s
// lock_timeout and MySQL's 50 s lock wait, so those report first.
const sqlOpTimeout = 90 * time.Second

// OpenSQLStore returns the SQL registry c names for project. It connects on first use.
func OpenSQLStore(c RegistryConfig, project, repoDir string) (*SQLStore, error) {
	loc := RedactURI(c.Path)
	t, err := sqlTargetOf(c.Path, repoDir)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", loc, err)
	}
	mode := c.SchemaMode
	if mode == "" {
		mode = "auto"
	}
	return &SQLStore{target: t, location: loc, project: project, schema: mode}, nil
}

// Location is the registry's URL with any password removed.
func (s *SQLStore) Location() string { return s.location }

// Close closes the connection pool.
func (s *SQLStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db, s.ready = nil, false
	return err
}

func (s *SQLStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// conn opens the pool and makes sure Feast's tables are there.
func (s *SQLStore) conn(ctx context.Context) (*sql.DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		db, err := sql.Open(s.target.driver, s.target.dsn)
		if err != nil {
			return nil, s.fail("open", err)
		}
		db.SetMaxOpenConns(4)
		db.SetConnMaxIdleTime(time.Minute)
		s.db = db
	}
	if !s.ready {
		if err := s.prepare(ctx); err != nil {
			return nil, err
		}
		s.ready = true
	}
	return s.db, nil
}

// prepare creates the missing tables (schema_mode auto) or checks that they
// are all there (verify), as Feast does when it opens a SQL registry.
func (s *SQLStore) prepare(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return s.fail("connect", err)
	}
	switch s.schema {
	case "skip":
		return nil
	case "verify":
		var missing []string
		for _, t := range schemaDDL {
			if _, err := s.db.ExecContext(ctx, "SELECT 1 FROM "+t.table+" WHERE 1 = 0"); err != nil {
				if cerr := ctx.Err(); cerr != nil {
					return cerr
				}
				missing = append(missing, t.table)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("registry %s: %w: tables %s are missing (schema_mode: verify); create them with `feast registry create-schema` or set schema_mode: auto", s.location, ErrRegistryUnreadable, strings.Join(missing, ", "))
		}
		return nil
	}
	for _, stmt := range createStatements(s.target.dialect) {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			if s.target.dialect == dialectMySQL && isMySQLDuplicateKey(err) {
				continue // another process created the index a moment before
			}
			return s.fail("create tables", err)
		}
	}
	return nil
}

// fail wraps a database error with the registry's name and what to check.
func (s *SQLStore) fail(what string, err error) error {
	return unavailable(s.location, what, err, redactDBError(err, s.target.dsn),
		"check that the database is reachable and the user may read and write Feast's registry tables")
}

// redactDBError keeps a driver's message from repeating the DSN's password.
func redactDBError(err error, dsn string) string {
	msg := err.Error()
	if i := strings.Index(dsn, "://"); i > 0 {
		if at := strings.Index(dsn[i+3:], "@"); at > 0 {
			if _, pw, ok := strings.Cut(dsn[i+3:i+3+at], ":"); ok && pw != "" {
				msg = strings.ReplaceAll(msg, pw, Redacted)
			}
		}
	} else if at := strings.Index(dsn, "@"); at > 0 {
		if _, pw, ok := strings.Cut(dsn[:at], ":"); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, Redacted)
		}
	}
	return msg
}

// Read loads every project's objects. A database that holds no project is ErrNoRegistry.
func (s *SQLStore) Read(ctx context.Context) (*Registry, error) {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(s.Timeout, sqlOpTimeout))
	defer cancel()
	db, err := s.conn(ctx)
	if err != nil {
		return nil, err
	}
	opts := &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	if s.target.dialect == dialectSQLite {
		opts = nil // one immediate transaction: a consistent snapshot of a local file
	}
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return nil, s.fail("read", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := s.readRows(ctx, tx, false)
	if err != nil {
		return nil, err
	}
	if rows.empty() {
		return nil, fmt.Errorf("registry %s: %w", s.location, ErrNoRegistry)
	}
	r, err := rows.registry()
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", s.location, err)
	}
	return r, nil
}

// Update runs fn on the registry inside one locking transaction and writes
// the rows of the objects fn changed. A deadlock or serialization failure
// reported by the database is retried from a fresh read.
func (s *SQLStore) Update(ctx context.Context, fn func(*Registry) error) error {
	cctx, cancel := context.WithTimeout(ctx, cmp.Or(s.Timeout, sqlOpTimeout))
	db, err := s.conn(cctx)
	cancel()
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err := s.update(ctx, db, fn)
		if err == nil || attempt == 5 || !isRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * 20 * time.Millisecond):
		}
	}
}

func (s *SQLStore) update(ctx context.Context, db *sql.DB, fn func(*Registry) error) error {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(s.Timeout, sqlOpTimeout))
	defer cancel()
	if err := s.ensureLockRow(ctx, db); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail("begin", err)
	}
	defer func() { _ = tx.Rollback() }()
	if s.target.dialect == dialectPostgres {
		if _, err := tx.ExecContext(ctx, "SET LOCAL lock_timeout = '60s'"); err != nil {
			return s.fail("begin", err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.q("SELECT metadata_value FROM feast_metadata WHERE project_id = ? AND metadata_key = ?"+s.forUpdate()), s.project, metaLastUpdated); err != nil {
		return s.fail("lock", err)
	}
	old, err := s.readRows(ctx, tx, true)
	if err != nil {
		return err
	}
	r := NewRegistry()
	if !old.empty() {
		if r, err = old.registry(); err != nil {
			return fmt.Errorf("registry %s: %w", s.location, err)
		}
	}
	if write, err := runUpdate(r, fn); !write {
		return err
	}
	changes, err := old.diff(r)
	if err != nil {
		return fmt.Errorf("registry %s: %w", s.location, err)
	}
	if len(changes) == 0 {
		return nil
	}
	if err := s.write(ctx, tx, changes); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.fail("commit", err)
	}
	return nil
}

// ensureLockRow creates the project's last_updated_timestamp row that
// writers lock, in its own statement, when it is missing.
func (s *SQLStore) ensureLockRow(ctx context.Context, db *sql.DB) error {
	ts := s.now().Unix()
	var stmt string
	switch s.target.dialect {
	case dialectPostgres:
		stmt = "INSERT INTO feast_metadata (project_id, metadata_key, metadata_value, last_updated_timestamp) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
	case dialectMySQL:
		stmt = "INSERT IGNORE INTO feast_metadata (project_id, metadata_key, metadata_value, last_updated_timestamp) VALUES (?, ?, ?, ?)"
	default:
		stmt = "INSERT OR IGNORE INTO feast_metadata (project_id, metadata_key, metadata_value, last_updated_timestamp) VALUES (?, ?, ?, ?)"
	}
	if _, err := db.ExecContext(ctx, stmt, s.project, metaLastUpdated, fmt.Sprint(ts), ts); err != nil {
		return s.fail("lock", err)
	}
	return nil
}

// write applies the changed rows and stamps the project's last update.
func (s *SQLStore) write(ctx context.Context, tx *sql.Tx, changes []rowChange) error {
	ts := s.now().Unix()
	touched := map[string]bool{}
	for _, c := range changes {
		var err error
		t := c.table
		switch {
		case c.meta:
			_, err = tx.ExecContext(ctx, s.q("INSERT INTO feast_metadata (project_id, metadata_key, metadata_value, last_updated_timestamp) VALUES (?, ?, ?, ?)"), c.project, metaProjectUUID, string(c.proto), ts)
		case c.proto == nil:
			_, err = tx.ExecContext(ctx, s.q("DELETE FROM "+t.name+" WHERE "+t.idCol+" = ? AND project_id = ?"), c.name, c.project)
		case c.exists:
			_, err = tx.ExecContext(ctx, s.q("UPDATE "+t.name+" SET "+t.protoCol+" = ?, last_updated_timestamp = ? WHERE "+t.idCol+" = ? AND project_id = ?"), c.proto, ts, c.name, c.project)
		case t.name == "projects":
			_, err = tx.ExecContext(ctx, s.q("INSERT INTO projects (project_id, project_name, last_updated_timestamp, project_proto) VALUES (?, ?, ?, ?)"), c.name, c.name, ts, c.proto)
		default:
			_, err = tx.ExecContext(ctx, s.q("INSERT INTO "+t.name+" ("+t.idCol+", project_id, last_updated_timestamp, "+t.protoCol+") VALUES (?, ?, ?, ?)"), c.name, c.project, ts, c.proto)
		}
		if err != nil {
			return s.fail("write "+t.name+" row "+c.name, err)
		}
		touched[c.project] = true
	}
	for p := range touched {
		if _, err := tx.ExecContext(ctx, s.q("UPDATE feast_metadata SET metadata_value = ?, last_updated_timestamp = ? WHERE project_id = ? AND metadata_key = ?"), fmt.Sprint(ts), ts, p, metaLastUpdated); err != nil {
			return s.fail("write feast_metadata", err)
		}
	}
	return nil
}

// q rewrites ? placeholders as $N for PostgreSQL.
func (s *SQLStore) q(query string) string {
	if s.target.dialect != dialectPostgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// forUpdate is the row-locking clause where the database has one; SQLite's
// immediate transactions hold the whole database instead.
func (s *SQLStore) forUpdate() string {
	if s.target.dialect == dialectSQLite {
		return ""
	}
	return " FOR UPDATE"
}

// isRetryable reports a deadlock, serialization failure or lock wait timeout.
func isRetryable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "40P01" || pg.Code == "40001" || pg.Code == "55P03"
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		return my.Number == 1213 || my.Number == 1205
	}
	return false
}

func isMySQLDuplicateKey(err error) bool {
	var my *mysql.MySQLError
	return errors.As(err, &my) && (my.Number == 1061 || my.Number == 1050)
}

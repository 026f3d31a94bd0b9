package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/feast-go/feast-go/internal/sqlitefile"
	"github.com/feast-go/feast-go/onlinestore"
	"google.golang.org/protobuf/encoding/protowire"

	_ "modernc.org/sqlite" // database/sql driver "sqlite", pure Go
)

// Store writes and reads Feast's SQLite online store.
type Store struct {
	db      *sql.DB
	project string
	blind   bool
	mu      sync.Mutex // SQLite has one writer; writes are serialized here instead of retried
	created map[string]bool
	owner   string // this writer's name in the ledger
}

// Open opens (creating if needed) the database file at path.
func Open(ctx context.Context, path, project string, blind bool) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("sqlite online store %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", sqlitefile.URI(path, "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite online store %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite online store %s: %w", path, err)
	}
	return &Store{db: db, project: project, blind: blind, created: map[string]bool{}, owner: onlinestore.NewOwner()}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// TableName is Feast's table of a view: "<project>_<view>".
func (s *Store) TableName(view string) string { return s.project + "_" + view }

func quote(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

// ensureTable creates a view's table as Feast's update() does.
func (s *Store) ensureTable(ctx context.Context, view string) error {
	t := s.TableName(view)
	if s.created[t] {
		return nil
	}
	_, err := s.db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+quote(t)+
		" (entity_key BLOB, feature_name TEXT, value BLOB, value_text TEXT, vector_value BLOB, event_ts timestamp, created_ts timestamp,  PRIMARY KEY(entity_key, feature_name))")
	if err == nil {
		_, err = s.db.ExecContext(ctx, "CREATE INDEX IF NOT EXISTS "+quote(t+"_ek")+" ON "+quote(t)+" (entity_key);")
	}
	if err != nil {
		return fmt.Errorf("sqlite online store: create table %s: %w", t, err)
	}
	s.created[t] = true
	return nil
}

// epoch is how Feast's SQLite store keeps times: it registers an sqlite3
// adapter writing int(datetime.timestamp()), whole seconds. (Feast calls it on
// naive UTC datetimes, which Python reads as local time: on a machine not set
// to UTC Feast's stored values are shifted. feast-go writes true UTC seconds.)
func epoch(t time.Time) int64 { return t.Unix() }

// parseTime reads an event_ts cell: epoch seconds as Feast writes them, or an
// ISO text form older writers left.
func parseTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case int64:
		return time.Unix(x, 0).UTC(), nil
	case float64:
		return time.Unix(0, int64(x*1e9)).UTC(), nil
	case string, []byte:
		s := fmt.Sprint(x)
		if b, ok := x.([]byte); ok {
			s = string(b)
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC(), nil
		}
		for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999", time.RFC3339Nano} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), nil
			}
		}
	case time.Time:
		return x.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("event_ts %v: not a timestamp", v)
}

// WriteView upserts the rows in one transaction. Unless opened blind, a row
// whose event time is not newer than the stored one is left alone.
func (s *Store) WriteView(ctx context.Context, v onlinestore.View, rows []onlinestore.Row) (onlinestore.WriteStats, error) {
	if v.Rider != nil {
		return onlinestore.WriteWithRiders(ctx, s.WriteView, v, rows)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var st onlinestore.WriteStats
	if err := s.ensureTable(ctx, v.Name); err != nil {
		return st, err
	}
	t := quote(s.TableName(v.Name))
	upsert := "INSERT INTO " + t + " (entity_key, feature_name, value, value_text, event_ts, created_ts) VALUES (?, ?, ?, ?, ?, ?) " +
		"ON CONFLICT(entity_key, feature_name) DO UPDATE SET value = excluded.value, value_text = excluded.value_text, " +
		"event_ts = excluded.event_ts, created_ts = excluded.created_ts"
	if !s.blind {
		upsert += " WHERE excluded.event_ts > " + t + ".event_ts"
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("sqlite online store: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, upsert)
	if err != nil {
		return st, fmt.Errorf("sqlite online store: %w", err)
	}
	defer func() { _ = stmt.Close() }()
	for n, r := range rows {
		ts := epoch(r.EventTS)
		var created any
		if !r.CreatedTS.IsZero() {
			created = epoch(r.CreatedTS)
		}
		var changed int64
		for i, f := range v.Features {
			res, err := stmt.ExecContext(ctx, r.Key, f, r.Values[i], valueText(r.Values[i]), ts, created)
			if err != nil {
				return onlinestore.WriteStats{}, fmt.Errorf("sqlite online store: write %s: %w", t, err)
			}
			n, _ := res.RowsAffected()
			changed += n
		}
		if changed > 0 || len(v.Features) == 0 {
			st.Written++
		} else {
			st.SkippedOlder++
			st.Older = append(st.Older, n)
		}
	}
	if err := tx.Commit(); err != nil {
		return onlinestore.WriteStats{}, fmt.Errorf("sqlite online store: commit: %w", err)
	}
	return st, nil
}

// valueText is Feast's value_text column: the string, or str() of a number or bool.
func valueText(v []byte) any {
	if len(v) == 0 {
		return nil
	}
	num, typ, n := protowire.ConsumeTag(v)
	if n < 0 {
		return nil
	}
	b := v[n:]
	switch num {
	case 2: // string_val
		s, m := protowire.ConsumeString(b)
		if m < 0 {
			return nil
		}
		return s
	case 3, 4: // int32_val, int64_val
		x, m := protowire.ConsumeVarint(b)
		if m < 0 {
			return nil
		}
		if num == 3 {
			return strconv.FormatInt(int64(int32(x)), 10)
		}
		return strconv.FormatInt(int64(x), 10)
	case 5: // double_val
		x, m := protowire.ConsumeFixed64(b)
		if m < 0 || typ != protowire.Fixed64Type {
			return nil
		}
		return pyFloat(math.Float64frombits(x))
	case 6: // float_val: Python widens it to a double first
		x, m := protowire.ConsumeFixed32(b)
		if m < 0 || typ != protowire.Fixed32Type {
			return nil
		}
		return pyFloat(float64(math.Float32frombits(x)))
	case 7: // bool_val
		x, m := protowire.ConsumeVarint(b)
		if m < 0 {
			return nil
		}
		return map[bool]string{true: "True", false: "False"}[x != 0]
	}
	return nil
}

// ReadViews reads the views' rows for the keys (one query per view).
func (s *Store) ReadViews(ctx context.Context, keys [][]byte, views []onlinestore.View) ([][]onlinestore.FeatureRow, error) {
	out := make([][]onlinestore.FeatureRow, len(keys))
	for i := range out {
		out[i] = make([]onlinestore.FeatureRow, len(views))
		for j, v := range views {
			out[i][j].Values = make([][]byte, len(v.Features))
		}
	}
	index := map[string][]int{}
	args := make([]any, len(keys))
	for i, k := range keys {
		index[string(k)] = append(index[string(k)], i)
		args[i] = k
	}
	for j, v := range views {
		feature := map[string]int{}
		for f, name := range v.Features {
			feature[name] = f
		}
		q := "SELECT entity_key, feature_name, value, event_ts FROM " + quote(s.TableName(v.Name)) +
			" WHERE entity_key IN (" + strings.TrimSuffix(strings.Repeat("?,", len(keys)), ",") + ")"
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			if strings.Contains(err.Error(), "no such table") {
				continue // nothing materialized for this view yet
			}
			return nil, fmt.Errorf("sqlite online store: read %s: %w", v.Name, err)
		}
		for rows.Next() {
			var key []byte
			var name string
			var ts any
			var val []byte
			if err := rows.Scan(&key, &name, &val, &ts); err != nil {
				_ = rows.Close()
				return nil, fmt.Errorf("sqlite online store: read %s: %w", v.Name, err)
			}
			t, err := parseTime(ts)
			if err != nil {
				_ = rows.Close()
				return nil, fmt.Errorf("sqlite online store: read %s: %w", v.Name, err)
			}
			for _, i := range index[string(key)] {
				r := &out[i][j]
				r.Found, r.EventTS = true, t
				if f, ok := feature[name]; ok {
					r.Values[f] = val
				}
			}
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Continuity is nil: committed SQLite transactions are durable.
func (s *Store) Continuity(context.Context) error { return nil }

// DeleteView drops the view's table, as Feast's update() does.
func (s *Store) DeleteView(ctx context.Context, v onlinestore.View) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.TableName(v.Name)
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(DISTINCT entity_key) FROM "+quote(t)).Scan(&n)
	if err != nil && !strings.Contains(err.Error(), "no such table") {
		return 0, fmt.Errorf("sqlite online store: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+quote(t)); err != nil {
		return 0, fmt.Errorf("sqlite online store: drop %s: %w", t, err)
	}
	delete(s.created, t)
	return n, nil
}

// ScanKeys lists the entity keys that have rows of the view.
func (s *Store) ScanKeys(ctx context.Context, v onlinestore.View, fn func(keys [][]byte) error) error {
	rows, err := s.db.QueryContext(ctx, "SELECT DISTINCT entity_key FROM "+quote(s.TableName(v.Name)))
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil
		}
		return fmt.Errorf("sqlite online store: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var batch [][]byte
	for rows.Next() {
		var k []byte
		if err := rows.Scan(&k); err != nil {
			return err
		}
		batch = append(batch, k)
		if len(batch) == 1000 {
			if err := fn(batch); err != nil {
				return err
			}
			batch = nil
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

var (
	_ onlinestore.Store      = (*Store)(nil)
	_ onlinestore.KeyScanner = (*Store)(nil)
)

package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
)

// boardTable holds the records of sharded runs, beside Feast's tables: one
// row per (project, run, field). A record not changed for
// onlinestore.BoardTTL is removed when a later run stores its plan.
const boardTable = "feast_go_shard_runs"

// RunBoard implements onlinestore.Store.
func (s *Store) RunBoard() onlinestore.RunBoard { return board{s} }

// KeyGroups implements onlinestore.Store: SQLite takes rows in any order.
func (s *Store) KeyGroups() onlinestore.KeyGroups { return onlinestore.KeyGroups{} }

// Traits: event_ts holds epoch seconds, as Feast writes it; riders take a
// second write.
func (s *Store) Traits() onlinestore.Traits {
	return onlinestore.Traits{TimeResolution: time.Second}
}

type board struct{ s *Store }

func (b board) ensure(ctx context.Context) error {
	_, err := b.s.db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+boardTable+
		" (project TEXT NOT NULL, run TEXT NOT NULL, field TEXT NOT NULL, value BLOB NOT NULL, updated_ms INTEGER NOT NULL, PRIMARY KEY (project, run, field))")
	if err != nil {
		return fmt.Errorf("sqlite online store: %s: %w", boardTable, err)
	}
	return nil
}

func (b board) Put(ctx context.Context, run, field string, value []byte, keep bool) ([]byte, error) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if err := b.ensure(ctx); err != nil {
		return nil, err
	}
	now := time.Now()
	tx, err := b.s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite online store: record of run %s: %w", run, err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt := "INSERT INTO " + boardTable + " (project, run, field, value, updated_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (project, run, field) DO "
	if keep {
		stmt += "NOTHING"
	} else {
		stmt += "UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms"
	}
	steps := []struct {
		q    string
		args []any
	}{
		{stmt, []any{b.s.project, run, field, value, now.UnixMilli()}},
		{"UPDATE " + boardTable + " SET updated_ms = ? WHERE project = ? AND run = ?", []any{now.UnixMilli(), b.s.project, run}},
		{"DELETE FROM " + boardTable + " WHERE updated_ms < ?", []any{now.Add(-onlinestore.BoardTTL).UnixMilli()}},
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return nil, fmt.Errorf("sqlite online store: record of run %s: %w", run, err)
		}
	}
	var got []byte
	if err := tx.QueryRowContext(ctx, "SELECT value FROM "+boardTable+" WHERE project = ? AND run = ? AND field = ?", b.s.project, run, field).Scan(&got); err != nil {
		return nil, fmt.Errorf("sqlite online store: record of run %s: %w", run, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite online store: record of run %s: %w", run, err)
	}
	return got, nil
}

func (b board) Record(ctx context.Context, run string) (map[string][]byte, error) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if err := b.ensure(ctx); err != nil {
		return nil, err
	}
	rows, err := b.s.db.QueryContext(ctx, "SELECT field, value FROM "+boardTable+" WHERE project = ? AND run = ? AND updated_ms >= ?",
		b.s.project, run, time.Now().Add(-onlinestore.BoardTTL).UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("sqlite online store: record of run %s: %w", run, err)
	}
	defer func() { _ = rows.Close() }()
	out := map[string][]byte{}
	for rows.Next() {
		var f string
		var v []byte
		if err := rows.Scan(&f, &v); err != nil {
			return nil, fmt.Errorf("sqlite online store: record of run %s: %w", run, err)
		}
		out[f] = v
	}
	return out, rows.Err()
}

// Epoch is constant: a SQLite file keeps what it acknowledged.
func (b board) Epoch(context.Context) (string, error) { return "sqlite", nil }

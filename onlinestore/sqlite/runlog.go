package sqlite

import (
	"context"
	"fmt"

	"github.com/feast-go/feast-go/onlinestore"
)

// runLogTable holds the run history, beside Feast's tables.
const runLogTable = "feast_go_runs"

// RunLog implements onlinestore.Store.
func (s *Store) RunLog() onlinestore.RunLog { return runLog{s} }

type runLog struct{ s *Store }

func (l runLog) ensure(ctx context.Context) error {
	_, err := l.s.db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+runLogTable+
		" (seq INTEGER PRIMARY KEY AUTOINCREMENT, project TEXT NOT NULL, record BLOB NOT NULL)")
	if err != nil {
		return fmt.Errorf("sqlite online store: %s: %w", runLogTable, err)
	}
	return nil
}

func (l runLog) AppendRun(ctx context.Context, record []byte, keep int) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if err := l.ensure(ctx); err != nil {
		return err
	}
	tx, err := l.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite online store: append to the run history: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+runLogTable+" (project, record) VALUES (?, ?)", l.s.project, record); err != nil {
		return fmt.Errorf("sqlite online store: append to the run history: %w", err)
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM "+runLogTable+" WHERE project = ? AND seq NOT IN (SELECT seq FROM "+runLogTable+
		" WHERE project = ? ORDER BY seq DESC LIMIT ?)", l.s.project, l.s.project, max(keep, 1))
	if err != nil {
		return fmt.Errorf("sqlite online store: trim the run history: %w", err)
	}
	return tx.Commit()
}

func (l runLog) Runs(ctx context.Context, n int) ([][]byte, error) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if err := l.ensure(ctx); err != nil {
		return nil, err
	}
	rows, err := l.s.db.QueryContext(ctx, "SELECT record FROM "+runLogTable+" WHERE project = ? ORDER BY seq DESC LIMIT ?", l.s.project, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite online store: read the run history: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("sqlite online store: read the run history: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

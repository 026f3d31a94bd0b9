package sqlite

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
)

// Ledger implements onlinestore.Store: a table per ledger
// (feast_go_vector_debts, feast_go_view_claims), one row per (project,
// service, owner), beside Feast's "<project>_<view>" tables. A note is live
// while its lease holds.
func (s *Store) Ledger(kind onlinestore.LedgerKind) onlinestore.Ledger {
	return ledger{s: s, table: "feast_go_" + strings.ReplaceAll(string(kind), "-", "_")}
}

type ledger struct {
	s     *Store
	table string
}

func (l ledger) Owner() string { return l.s.owner }

func (l ledger) ensure(ctx context.Context) error {
	_, err := l.s.db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+l.table+
		" (project TEXT NOT NULL, service TEXT NOT NULL, owner TEXT NOT NULL, until_ms INTEGER NOT NULL, PRIMARY KEY (project, service, owner))")
	return err
}

func (l ledger) Owe(ctx context.Context, services []string, lease time.Duration) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if err := l.ensure(ctx); err != nil {
		return fmt.Errorf("sqlite online store: %s: %w", l.table, err)
	}
	until := time.Now().Add(lease).UnixMilli()
	for _, svc := range services {
		_, err := l.s.db.ExecContext(ctx, "INSERT INTO "+l.table+" VALUES (?, ?, ?, ?) ON CONFLICT (project, service, owner) DO UPDATE SET until_ms = excluded.until_ms",
			l.s.project, svc, l.s.owner, until)
		if err != nil {
			return fmt.Errorf("sqlite online store: note owed vectors: %w", err)
		}
	}
	return nil
}

func (l ledger) Settle(ctx context.Context, service, owner string) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if err := l.ensure(ctx); err != nil {
		return fmt.Errorf("sqlite online store: %s: %w", l.table, err)
	}
	_, err := l.s.db.ExecContext(ctx, "DELETE FROM "+l.table+" WHERE project = ? AND service = ? AND owner = ?", l.s.project, service, cmp.Or(owner, l.s.owner))
	if err != nil {
		return fmt.Errorf("sqlite online store: settle owed vectors: %w", err)
	}
	return nil
}

func (l ledger) Debts(ctx context.Context) ([]onlinestore.Debt, error) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if err := l.ensure(ctx); err != nil {
		return nil, fmt.Errorf("sqlite online store: %s: %w", l.table, err)
	}
	rows, err := l.s.db.QueryContext(ctx, "SELECT service, owner, until_ms FROM "+l.table+" WHERE project = ? ORDER BY service, owner", l.s.project)
	if err != nil {
		return nil, fmt.Errorf("sqlite online store: read owed vectors: %w", err)
	}
	defer func() { _ = rows.Close() }()
	now := time.Now().UnixMilli()
	var out []onlinestore.Debt
	for rows.Next() {
		var d onlinestore.Debt
		var until int64
		if err := rows.Scan(&d.Service, &d.Owner, &until); err != nil {
			return nil, fmt.Errorf("sqlite online store: read owed vectors: %w", err)
		}
		d.Live = until > now
		out = append(out, d)
	}
	return out, rows.Err()
}

package retry

import (
	"context"
	"errors"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
)

// Defaults of a zero Policy.
const (
	DefaultRetries = 3
	DefaultBackoff = 100 * time.Millisecond
)

// Policy says how often and when to try again.
type Policy struct {
	Retries   int                  // attempts after the first; 0 = DefaultRetries, < 0 = none
	Backoff   time.Duration        // first delay, doubled each time; 0 = DefaultBackoff
	Retryable func(err error) bool // nil = errors.Is(err, onlinestore.ErrConnection)
	OnRetry   func()               // called before each retry (counters)
}

func (p Policy) retries() int {
	switch {
	case p.Retries < 0:
		return 0
	case p.Retries == 0:
		return DefaultRetries
	}
	return p.Retries
}

func (p Policy) retryable(err error) bool {
	if p.Retryable != nil {
		return p.Retryable(err)
	}
	return errors.Is(err, onlinestore.ErrConnection)
}

// Do calls fn until it succeeds, fails with an error that is not retryable,
// the retries are spent, or ctx ends. It returns fn's last error, or ctx's.
func Do(ctx context.Context, p Policy, fn func(context.Context) error) error {
	backoff := p.Backoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	n := p.retries()
	for attempt := 0; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt >= n || !p.retryable(err) {
			return err
		}
		if p.OnRetry != nil {
			p.OnRetry()
		}
		t := time.NewTimer(backoff << attempt)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Wrap retries a store's writes, reads and deletes under p. Every call is
// idempotent: writes are compare-and-set or blind overwrites of the same
// bytes. The wrapper lists keys when s does.
func Wrap(s onlinestore.Store, p Policy) onlinestore.Store {
	w := &store{s: s, p: p}
	if ks, ok := s.(onlinestore.KeyScanner); ok {
		return &scanStore{store: w, ks: ks}
	}
	return w
}

type store struct {
	s onlinestore.Store
	p Policy
}

func (w *store) WriteView(ctx context.Context, v onlinestore.View, rows []onlinestore.Row) (onlinestore.WriteStats, error) {
	var st onlinestore.WriteStats
	err := Do(ctx, w.p, func(ctx context.Context) error {
		var err error
		st, err = w.s.WriteView(ctx, v, rows)
		return err
	})
	return st, err
}

func (w *store) ReadViews(ctx context.Context, keys [][]byte, views []onlinestore.View) ([][]onlinestore.FeatureRow, error) {
	var out [][]onlinestore.FeatureRow
	err := Do(ctx, w.p, func(ctx context.Context) error {
		var err error
		out, err = w.s.ReadViews(ctx, keys, views)
		return err
	})
	return out, err
}

func (w *store) DeleteView(ctx context.Context, v onlinestore.View) (int64, error) {
	var n int64
	err := Do(ctx, w.p, func(ctx context.Context) error {
		var err error
		n, err = w.s.DeleteView(ctx, v)
		return err
	})
	return n, err
}

func (w *store) Continuity(ctx context.Context) error { return w.s.Continuity(ctx) }

func (w *store) Close() error { return w.s.Close() }

// Ledger retries the store's ledger calls; all of them are idempotent.
func (w *store) Ledger(kind onlinestore.LedgerKind) onlinestore.Ledger {
	l := w.s.Ledger(kind)
	if l == nil {
		return nil
	}
	return ledger{l: l, p: w.p}
}

// RunLog retries the history's calls. An append retried after a lost reply
// may record a run twice; the history is for people, and says so.
func (w *store) RunLog() onlinestore.RunLog {
	l := w.s.RunLog()
	if l == nil {
		return nil
	}
	return runLog{l: l, p: w.p}
}

// RunBoard retries the board's calls; all of them are idempotent.
func (w *store) RunBoard() onlinestore.RunBoard {
	b := w.s.RunBoard()
	if b == nil {
		return nil
	}
	return board{b: b, p: w.p}
}

func (w *store) KeyGroups() onlinestore.KeyGroups { return w.s.KeyGroups() }
func (w *store) Traits() onlinestore.Traits       { return w.s.Traits() }

type board struct {
	b onlinestore.RunBoard
	p Policy
}

func (r board) Put(ctx context.Context, run, field string, value []byte, keep bool) ([]byte, error) {
	var out []byte
	err := Do(ctx, r.p, func(ctx context.Context) error {
		var err error
		out, err = r.b.Put(ctx, run, field, value, keep)
		return err
	})
	return out, err
}

func (r board) Record(ctx context.Context, run string) (map[string][]byte, error) {
	var out map[string][]byte
	err := Do(ctx, r.p, func(ctx context.Context) error {
		var err error
		out, err = r.b.Record(ctx, run)
		return err
	})
	return out, err
}

func (r board) Epoch(ctx context.Context) (string, error) {
	var out string
	err := Do(ctx, r.p, func(ctx context.Context) error {
		var err error
		out, err = r.b.Epoch(ctx)
		return err
	})
	return out, err
}

type runLog struct {
	l onlinestore.RunLog
	p Policy
}

func (r runLog) AppendRun(ctx context.Context, record []byte, keep int) error {
	return Do(ctx, r.p, func(ctx context.Context) error { return r.l.AppendRun(ctx, record, keep) })
}

func (r runLog) Runs(ctx context.Context, n int) ([][]byte, error) {
	var out [][]byte
	err := Do(ctx, r.p, func(ctx context.Context) error {
		var err error
		out, err = r.l.Runs(ctx, n)
		return err
	})
	return out, err
}

type ledger struct {
	l onlinestore.Ledger
	p Policy
}

func (r ledger) Owe(ctx context.Context, services []string, lease time.Duration) error {
	return Do(ctx, r.p, func(ctx context.Context) error { return r.l.Owe(ctx, services, lease) })
}

func (r ledger) Settle(ctx context.Context, service, owner string) error {
	return Do(ctx, r.p, func(ctx context.Context) error { return r.l.Settle(ctx, service, owner) })
}

func (r ledger) Owner() string { return r.l.Owner() }

func (r ledger) Debts(ctx context.Context) ([]onlinestore.Debt, error) {
	var out []onlinestore.Debt
	err := Do(ctx, r.p, func(ctx context.Context) error {
		var err error
		out, err = r.l.Debts(ctx)
		return err
	})
	return out, err
}

// scanStore is a wrapped store that lists keys. A scan is not retried: it
// hands batches on as it goes, so a second attempt would repeat them.
type scanStore struct {
	*store
	ks onlinestore.KeyScanner
}

func (w *scanStore) ScanKeys(ctx context.Context, v onlinestore.View, fn func(keys [][]byte) error) error {
	return w.ks.ScanKeys(ctx, v, fn)
}

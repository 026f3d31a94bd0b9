package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
)

// Memory is an in-memory onlinestore.Store with the Redis store's semantics
// (one hash per key, newer-wins unless Blind), for fast unit tests. FailAfter,
// when positive, makes the FailAfter-th and later WriteView calls fail;
// LostFrom, when positive, makes the LostFrom-th and later Continuity calls
// report lost writes (a server restart).
type Memory struct {
	Blind     bool
	FailAfter int
	Err       error
	LostFrom  int

	checks int

	// Owner names this store's writer in its ledger ("" = "memory"); Gone
	// marks owners whose notes are dead whatever their lease.
	Owner string
	Gone  map[string]bool
	notes map[[3]string]time.Time // (ledger, service, owner) -> lease end
	runs  [][]byte                // run history, newest first
	board map[string]map[string][]byte
	// Epoch is what the board reports as the store's incarnation.
	Epoch string
	// Groups, when set, is the store's preferred row order (KeyGroups).
	Groups onlinestore.KeyGroups
	// InlineRiders makes the store say it writes riders with their rows,
	// as Redis does, so that flows hand it riders.
	InlineRiders bool

	mu     sync.Mutex
	writes int
	hashes map[string]map[string]memValue // key -> view -> value
}

type memValue struct {
	ts     time.Time
	values map[string][]byte // feature -> serialized Value
}

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{hashes: map[string]map[string]memValue{}} }

// Keys counts the stored hashes.
func (m *Memory) Keys() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.hashes)
}

// WriteView implements onlinestore.Store.
func (m *Memory) WriteView(ctx context.Context, v onlinestore.View, rows []onlinestore.Row) (onlinestore.WriteStats, error) {
	if v.Rider != nil {
		return onlinestore.WriteWithRiders(ctx, m.WriteView, v, rows)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return onlinestore.WriteStats{}, err
	}
	m.writes++
	if m.FailAfter > 0 && m.writes >= m.FailAfter {
		return onlinestore.WriteStats{}, m.Err
	}
	var st onlinestore.WriteStats
	for n, r := range rows {
		h := m.hashes[string(r.Key)]
		if h == nil {
			h = map[string]memValue{}
			m.hashes[string(r.Key)] = h
		}
		if cur, ok := h[v.Name]; ok && !m.Blind && !r.EventTS.Truncate(time.Microsecond).After(cur.ts) {
			st.SkippedOlder++
			st.Older = append(st.Older, n)
			continue
		}
		vals := map[string][]byte{}
		for i, b := range r.Values {
			vals[v.Features[i]] = append([]byte(nil), b...)
		}
		h[v.Name] = memValue{ts: r.EventTS.Truncate(time.Microsecond), values: vals}
		st.Written++
	}
	return st, nil
}

// ReadViews implements onlinestore.Store.
func (m *Memory) ReadViews(_ context.Context, keys [][]byte, views []onlinestore.View) ([][]onlinestore.FeatureRow, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([][]onlinestore.FeatureRow, len(keys))
	for i, k := range keys {
		out[i] = make([]onlinestore.FeatureRow, len(views))
		for j, v := range views {
			row := onlinestore.FeatureRow{Values: make([][]byte, len(v.Features))}
			if cur, ok := m.hashes[string(k)][v.Name]; ok {
				row.Found, row.EventTS = true, cur.ts
				for f, name := range v.Features {
					row.Values[f] = cur.values[name]
				}
			}
			out[i][j] = row
		}
	}
	return out, nil
}

// DeleteView implements onlinestore.Store.
func (m *Memory) DeleteView(_ context.Context, v onlinestore.View) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prefix := string(onlinestore.NewKeyEncoder(v.JoinKeys, 3).Prefix())
	var n int64
	for k, h := range m.hashes {
		if _, ok := h[v.Name]; ok && strings.HasPrefix(k, prefix) {
			delete(h, v.Name)
			if len(h) == 0 {
				delete(m.hashes, k)
			}
			n++
		}
	}
	return n, nil
}

// ScanKeys implements onlinestore.KeyScanner: the keys holding v, in one batch.
func (m *Memory) ScanKeys(_ context.Context, v onlinestore.View, fn func(keys [][]byte) error) error {
	m.mu.Lock()
	var keys [][]byte
	for k, h := range m.hashes {
		if _, ok := h[v.Name]; ok {
			keys = append(keys, []byte(k))
		}
	}
	m.mu.Unlock()
	if len(keys) == 0 {
		return nil
	}
	return fn(keys)
}

// Close implements onlinestore.Store.
func (m *Memory) Close() error { return nil }

// Continuity reports lost writes from the LostFrom-th call on.
func (m *Memory) Continuity(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checks++
	if m.LostFrom > 0 && m.checks >= m.LostFrom {
		return fmt.Errorf("memory store: %w (a simulated restart)", onlinestore.ErrDataLost)
	}
	return nil
}

// Ledger implements onlinestore.Store: notes live while their lease holds,
// unless their owner is in Gone (a writer that was killed).
func (m *Memory) Ledger(kind onlinestore.LedgerKind) onlinestore.Ledger {
	return memLedger{m: m, kind: kind}
}

type memLedger struct {
	m    *Memory
	kind onlinestore.LedgerKind
}

// owner names the memory store's own writer in its ledger.
func (m *Memory) owner() string { return cmp.Or(m.Owner, "memory") }

func (l memLedger) Owe(_ context.Context, services []string, lease time.Duration) error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	if l.m.notes == nil {
		l.m.notes = map[[3]string]time.Time{}
	}
	for _, s := range services {
		l.m.notes[[3]string{string(l.kind), s, l.m.owner()}] = time.Now().Add(lease)
	}
	return nil
}

func (l memLedger) Settle(_ context.Context, service, owner string) error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	delete(l.m.notes, [3]string{string(l.kind), service, cmp.Or(owner, l.m.owner())})
	return nil
}

func (l memLedger) Owner() string { return l.m.owner() }

func (l memLedger) Debts(context.Context) ([]onlinestore.Debt, error) {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	var out []onlinestore.Debt
	for k, until := range l.m.notes {
		if k[0] == string(l.kind) {
			out = append(out, onlinestore.Debt{Service: k[1], Owner: k[2], Live: time.Now().Before(until) && !l.m.Gone[k[2]]})
		}
	}
	slices.SortFunc(out, func(a, b onlinestore.Debt) int { return cmp.Compare(a.Service+"\n"+a.Owner, b.Service+"\n"+b.Owner) })
	return out, nil
}

// RunLog implements onlinestore.Store.
func (m *Memory) RunLog() onlinestore.RunLog { return memRunLog{m} }

type memRunLog struct{ m *Memory }

func (l memRunLog) AppendRun(_ context.Context, record []byte, keep int) error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	l.m.runs = append([][]byte{append([]byte(nil), record...)}, l.m.runs...)
	if len(l.m.runs) > max(keep, 1) {
		l.m.runs = l.m.runs[:max(keep, 1)]
	}
	return nil
}

func (l memRunLog) Runs(_ context.Context, n int) ([][]byte, error) {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	return slices.Clone(l.m.runs[:min(n, len(l.m.runs))]), nil
}

// RunBoard implements onlinestore.Store.
func (m *Memory) RunBoard() onlinestore.RunBoard { return memBoard{m} }

// KeyGroups implements onlinestore.Store.
func (m *Memory) KeyGroups() onlinestore.KeyGroups { return m.Groups }

// Traits: microseconds, as Redis keeps; riders as InlineRiders says (they
// take a second write either way).
func (m *Memory) Traits() onlinestore.Traits {
	return onlinestore.Traits{TimeResolution: time.Microsecond, Riders: m.InlineRiders}
}

type memBoard struct{ m *Memory }

func (b memBoard) Put(ctx context.Context, run, field string, value []byte, keep bool) ([]byte, error) {
	b.m.mu.Lock()
	defer b.m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if b.m.board == nil {
		b.m.board = map[string]map[string][]byte{}
	}
	rec := b.m.board[run]
	if rec == nil {
		rec = map[string][]byte{}
		b.m.board[run] = rec
	}
	if cur, ok := rec[field]; ok && keep {
		return slices.Clone(cur), nil
	}
	rec[field] = slices.Clone(value)
	return slices.Clone(value), nil
}

func (b memBoard) Record(_ context.Context, run string) (map[string][]byte, error) {
	b.m.mu.Lock()
	defer b.m.mu.Unlock()
	out := map[string][]byte{}
	for k, v := range b.m.board[run] {
		out[k] = slices.Clone(v)
	}
	return out, nil
}

func (b memBoard) Epoch(context.Context) (string, error) {
	b.m.mu.Lock()
	defer b.m.mu.Unlock()
	return b.m.Epoch, nil
}

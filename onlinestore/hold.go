package onlinestore

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Holding is a writer's live notes in a ledger: written by Hold, renewed
// every lease/3 until Release. A renewal that fails is not an error of the
// writer: the note then dies with its lease, which costs the others time
// (a rebuild, a takeover), never data.
type Holding struct {
	ledger Ledger
	lease  time.Duration
	mu     sync.Mutex
	held   map[string]bool
	stop   context.CancelFunc
	done   chan struct{}
}

// Lease is how long a note lives unless renewed; a holder renews it every
// Lease/3. A store that sees its writer's connections go (Redis) ends the
// note at once instead.
const Lease = 30 * time.Second

// holdTimeout bounds each ledger call made outside the writer's context
// (renewals, and the release after an interruption).
const holdTimeout = 5 * time.Second

// Hold notes names in l for lease and keeps renewing them.
func Hold(ctx context.Context, l Ledger, names []string, lease time.Duration) (*Holding, error) {
	if err := l.Owe(ctx, names, lease); err != nil {
		return nil, err
	}
	renewCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	h := &Holding{ledger: l, lease: lease, held: map[string]bool{}, stop: stop, done: make(chan struct{})}
	for _, n := range names {
		h.held[n] = true
	}
	go h.renew(renewCtx)
	return h, nil
}

func (h *Holding) renew(ctx context.Context) {
	defer close(h.done)
	tick := time.NewTicker(h.lease / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if names := h.Names(); len(names) > 0 {
				rctx, cancel := context.WithTimeout(ctx, holdTimeout)
				_ = h.ledger.Owe(rctx, names, h.lease)
				cancel()
			}
		}
	}
}

// Names lists the notes still held, sorted.
func (h *Holding) Names() []string {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.held))
	for n := range h.held {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Settle removes a held note: its work is done.
func (h *Holding) Settle(ctx context.Context, name string) {
	if h == nil {
		return
	}
	h.mu.Lock()
	held := h.held[name]
	delete(h.held, name)
	h.mu.Unlock()
	if held {
		_ = h.ledger.Settle(ctx, name, "")
	}
}

// Abandon stops renewing; the notes still held stay, ended at once (dead
// to the others, who act on them: owed vectors are rebuilt). It may be
// called again.
func (h *Holding) Abandon() {
	h.end(func(ctx context.Context, names []string) { _ = h.ledger.Owe(ctx, names, 0) })
}

// Release stops renewing and removes the notes still held (a claim given
// back). It may be called again.
func (h *Holding) Release() {
	h.end(func(ctx context.Context, names []string) {
		for _, n := range names {
			_ = h.ledger.Settle(ctx, n, "")
		}
	})
}

func (h *Holding) end(finish func(context.Context, []string)) {
	if h == nil {
		return
	}
	h.stop()
	<-h.done
	names := h.Names()
	h.mu.Lock()
	clear(h.held)
	h.mu.Unlock()
	if len(names) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), holdTimeout)
		defer cancel()
		finish(ctx, names)
	}
}

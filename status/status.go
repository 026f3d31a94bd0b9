package status

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/runlog"
)

// Options choose what to check and show.
type Options struct {
	MaxAge    time.Duration            // views older than this are stale; 0: no limit
	Freshness map[string]time.Duration // per view, overriding MaxAge
	Runs      int                      // newest runs to list
	Now       time.Time
}

// Report is a project's freshness.
type Report struct {
	Project  string          `json:"project"`
	At       time.Time       `json:"at"`
	Views    []View          `json:"views"`
	Services []Service       `json:"services,omitempty"`
	Runs     []runlog.Record `json:"runs,omitempty"`
	Stale    []string        `json:"stale,omitempty"`
	Warnings []string        `json:"warnings,omitempty"` // what could not be read (the online store)
	history  []runlog.Record // newest first, for the services' last rebuilds
	debts    []onlinestore.Debt
	claims   []onlinestore.Debt
}

// View is one online feature view's freshness.
type View struct {
	View       string    `json:"view"`
	LastEnd    time.Time `json:"last_end,omitzero"` // end of the newest recorded interval
	AgeSeconds *float64  `json:"age_seconds"`       // null: never materialized
	TTLSeconds float64   `json:"ttl_seconds"`       // 0: no expiry
	State      string    `json:"state,omitempty"`
	ClaimedBy  []Owed    `json:"claimed_by,omitempty"` // runs holding the view (the run lock)
	MaxAge     float64   `json:"max_age_seconds,omitempty"`
	Stale      bool      `json:"stale"`
}

// Service is one precomputed service's vectors.
type Service struct {
	Service     string    `json:"service"`
	LastRebuilt time.Time `json:"last_rebuilt,omitzero"` // from the run history; zero: unknown
	AgeSeconds  *float64  `json:"age_seconds"`
	Owed        []Owed    `json:"owed,omitempty"`
}

// Owed is a note in the store's ledger: a run that may have left the
// service's vectors behind its rows.
type Owed struct {
	Owner string `json:"owner"`
	Live  bool   `json:"live"` // the run is still going; otherwise the next run rebuilds
}

// ErrStale is a view staler than its maximum age.
var ErrStale = errors.New("stale feature views")

// Build checks objs's online views and, when store is not nil, reads the
// vectors' ledger and the run history from it. A store that cannot be read
// is a warning in the report, not an error: the views' freshness comes from
// the registry alone. The error wraps ErrStale when a view is stale.
func Build(ctx context.Context, objs *registry.Objects, store onlinestore.Store, opts Options) (*Report, error) {
	r := &Report{Project: objs.Project, At: opts.Now.UTC()}
	for name := range opts.Freshness {
		if _, err := objs.FeatureView(name); err != nil {
			return nil, fmt.Errorf("feast_go.freshness: %w", err)
		}
	}
	r.readStore(ctx, store, opts.Runs)
	for _, fv := range objs.FeatureViews {
		if !fv.Online {
			continue
		}
		v := View{View: fv.Name, TTLSeconds: fv.TTL.Seconds(), State: fv.State}
		for _, c := range r.claims {
			if c.Service == fv.Name {
				v.ClaimedBy = append(v.ClaimedBy, Owed{Owner: c.Owner, Live: c.Live})
			}
		}
		limit := opts.MaxAge
		if d, ok := opts.Freshness[fv.Name]; ok {
			limit = d
		}
		v.MaxAge = limit.Seconds()
		if end := fv.LastMaterialized(); !end.IsZero() {
			v.LastEnd = end.UTC()
			age := opts.Now.Sub(end).Seconds()
			v.AgeSeconds = &age
			v.Stale = limit > 0 && opts.Now.Sub(end) > limit
		} else {
			v.Stale = limit > 0 // never materialized: staler than any limit
		}
		if v.Stale {
			r.Stale = append(r.Stale, fv.Name)
		}
		r.Views = append(r.Views, v)
	}
	slices.SortFunc(r.Views, func(a, b View) int { return cmp.Compare(a.View, b.View) })
	slices.Sort(r.Stale)
	for _, fs := range objs.FeatureServices {
		if fs.PrecomputeOnline {
			r.Services = append(r.Services, r.service(fs.Name, opts.Now))
		}
	}
	if len(r.Runs) > opts.Runs {
		r.Runs = r.Runs[:opts.Runs]
	}
	if len(r.Stale) > 0 {
		return r, fmt.Errorf("%w: %v", ErrStale, r.Stale)
	}
	return r, nil
}

// historyForVectors is how many runs are searched for a service's last rebuild.
const historyForVectors = runlog.DefaultKeep

func (r *Report) readStore(ctx context.Context, store onlinestore.Store, runs int) {
	if store == nil {
		return
	}
	r.debts = r.readLedger(ctx, store, onlinestore.VectorDebts, "owed vectors")
	r.claims = r.readLedger(ctx, store, onlinestore.ViewClaims, "claims on feature views")
	if l := store.RunLog(); l != nil {
		h, err := runlog.Read(ctx, l, max(runs, historyForVectors))
		if err != nil {
			r.Warnings = append(r.Warnings, fmt.Sprintf("run history unknown: %v", err))
		}
		r.history, r.Runs = h, h
	}
}

// readLedger reads one of the store's ledgers, sorted; a failure is a warning.
func (r *Report) readLedger(ctx context.Context, store onlinestore.Store, kind onlinestore.LedgerKind, what string) []onlinestore.Debt {
	l := store.Ledger(kind)
	if l == nil {
		return nil
	}
	ds, err := l.Debts(ctx)
	if err != nil {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s unknown: %v", what, err))
	}
	slices.SortFunc(ds, func(a, b onlinestore.Debt) int {
		return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(a.Owner, b.Owner))
	})
	return ds
}

func (r *Report) service(name string, now time.Time) Service {
	s := Service{Service: name}
	for _, run := range r.history {
		if slices.ContainsFunc(run.Vectors, func(v runlog.Vectors) bool { return v.Service == name }) {
			s.LastRebuilt = run.Ended.UTC()
			age := now.Sub(run.Ended).Seconds()
			s.AgeSeconds = &age
			break
		}
	}
	for _, d := range r.debts {
		if d.Service == name {
			s.Owed = append(s.Owed, Owed{Owner: d.Owner, Live: d.Live})
		}
	}
	return s
}

package status

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/storetest"
	"github.com/feast-go/feast-go/registry"
)

// Freshness per view against the limits, and what the store's ledgers say:
// a view a run holds, a service whose vectors a stopped run still owes.
func TestBuild(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	objs := &registry.Objects{Project: "p",
		FeatureViews: []*registry.FeatureView{
			{Name: "fresh", Online: true, Intervals: []registry.Interval{{End: now.Add(-10 * time.Minute)}}},
			{Name: "old", Online: true, Intervals: []registry.Interval{{End: now.Add(-3 * time.Hour)}}},
			{Name: "never", Online: true},
			{Name: "offline_only"},
		},
		FeatureServices: []*registry.FeatureService{{Name: "svc", PrecomputeOnline: true}},
	}
	store := storetest.NewMemory()
	store.Owner = "host-1-aa"
	if err := store.Ledger(onlinestore.ViewClaims).Owe(ctx, []string{"old"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := store.Ledger(onlinestore.VectorDebts).Owe(ctx, []string{"svc"}, 0); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		opts      Options
		stale     string
		wantStale bool
	}{
		{"no limit", Options{Now: now}, "[]", false},
		{"max age 1h", Options{Now: now, MaxAge: time.Hour}, "[never old]", true},
		{"old allowed 4h", Options{Now: now, MaxAge: time.Hour, Freshness: map[string]time.Duration{"old": 4 * time.Hour}}, "[never]", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Build(ctx, objs, store, tt.opts)
			if errors.Is(err, ErrStale) != tt.wantStale || fmt.Sprint(r.Stale) != tt.stale {
				t.Errorf("stale %v (%v), want %s", r.Stale, err, tt.stale)
			}
			if len(r.Views) != 3 {
				t.Errorf("%d views, want the 3 online ones", len(r.Views))
			}
			for _, v := range r.Views {
				if held := fmt.Sprint(v.ClaimedBy); (v.View == "old") != (held == "[{host-1-aa true}]") {
					t.Errorf("view %s claimed by %s", v.View, held)
				}
			}
			if len(r.Services) != 1 || fmt.Sprint(r.Services[0].Owed) != "[{host-1-aa false}]" {
				t.Errorf("services %+v, want svc owed by a stopped run", r.Services)
			}
		})
	}
	if _, err := Build(ctx, objs, store, Options{Now: now, Freshness: map[string]time.Duration{"nope": time.Hour}}); err == nil {
		t.Error("a freshness limit for an unknown view was accepted")
	}
}

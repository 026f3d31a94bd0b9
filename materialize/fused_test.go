package materialize

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/storetest"
	"github.com/feast-go/feast-go/precompute"
	pt "github.com/feast-go/feast-go/precompute/precomputetest"
)

// fusedDefs are two views over one table and two services reading them,
// with their features in another order than the views', and an alias.
const fusedDefs = srcDefs + `feature_views:
  - name: stats
    entities: [driver]
    ttl: 0
    source: src
    schema: [{name: conv_rate, dtype: Float32}, {name: trips, dtype: Int64}]
  - name: more
    entities: [driver]
    ttl: 0
    source: src
    schema: [{name: trips, dtype: Int64}, {name: conv_rate, dtype: Float32}]
feature_services:
  - name: both
    features:
      - {view: stats, alias: s, features: [trips, conv_rate]}
      - "more:[conv_rate]"
    precompute_online: true
  - name: stats_only
    features: [stats]
    precompute_online: true
`

// Vectors built from the rows a run wrote are, byte for byte, those a
// rebuild reads back from the store: with every view of a service in the
// run, with a view left out of the run (read back), and with rows the store
// skipped as older (the stored, newer row read back).
func TestFusedVectorsMatchReadBack(t *testing.T) {
	h := func(n int) time.Time { return base.Add(time.Duration(n) * time.Hour) }
	var rows []srcRow
	for i := range int64(10) {
		conv := ptr(float32(i) / 10)
		if i == 4 {
			conv = nil // a null in the vector
		}
		rows = append(rows, srcRow{id: ptr(i), conv: ptr[float32](9), trips: 100 + i, ts: h(1), cr: h(1)},
			srcRow{id: ptr(i), conv: conv, trips: i, ts: h(2).Add(time.Duration(i) * 1500 * time.Nanosecond), cr: h(2)})
	}
	type run struct {
		views      []string
		fromMemory map[string]int64 // per service
	}
	for _, tt := range []struct {
		name  string
		newer []int64 // entities of view stats that the store already holds newer
		runs  []run
	}{
		{"every view in the run", nil, []run{
			{nil, map[string]int64{"both": 10, "stats_only": 10}},
		}},
		{"a view left out", nil, []run{
			{[]string{"more"}, map[string]int64{"both": 0}},
			{[]string{"stats"}, map[string]int64{"both": 0, "stats_only": 10}},
		}},
		{"rows older than the stored ones", []int64{3, 7}, []run{
			{nil, map[string]int64{"both": 8, "stats_only": 8}},
		}},
	} {
		for _, inline := range []bool{false, true} { // a store that writes riders gets stats_only's vectors with the rows
			t.Run(fmt.Sprintf("%s, riders %v", tt.name, inline), func(t *testing.T) {
				f := newFixtureDefs(t, rows, fusedDefs)
				f.store.InlineRiders = inline
				for _, id := range tt.newer {
					st, err := f.store.WriteView(context.Background(), onlinestore.View{Name: "stats", Features: []string{"conv_rate", "trips"}},
						[]onlinestore.Row{{Key: f.key(id), EventTS: h(50), Values: [][]byte{nil, {0x20, 0x2a}}}})
					if err != nil || st.Written != 1 {
						t.Fatal(st, err)
					}
				}
				for n, r := range tt.runs {
					now := h(100 + n) // each run's vectors newer than the last's
					views, _, err := SelectViews(f.objs, r.views)
					if err != nil {
						t.Fatal(err)
					}
					plan, _ := PlanWindow(views, h(0), h(10))
					runner := f.runner()
					runner.Now = func() time.Time { return now }
					sum, err := runner.Run(context.Background(), plan)
					if err != nil {
						t.Fatal(err)
					}
					got := map[string]int64{}
					for _, p := range sum.Precompute {
						if p.Written != 10 {
							t.Errorf("run %d: service %s wrote %d vectors, want 10", n, p.Service, p.Written)
						}
						got[p.Service] = p.FromMemory
					}
					if len(got) != len(r.fromMemory) {
						t.Errorf("run %d: services rebuilt %v, want %v", n, got, r.fromMemory)
					}
					for svc, want := range r.fromMemory {
						if got[svc] != want {
							t.Errorf("run %d: service %s built %d vectors from memory, want %d", n, svc, got[svc], want)
						}
						compareWithReadBack(t, f, svc, now)
					}
				}
			})
		}
	}
}

// compareWithReadBack checks that every stored vector of svc is the one a
// rebuild from the store makes at now, and that every entity has one.
func compareWithReadBack(t *testing.T, f *fixture, svc string, now time.Time) {
	t.Helper()
	if n := vectorsLikeReadBack(t, f, svc, now); n != 10 {
		t.Errorf("service %s: %d vectors, want 10", svc, n)
	}
}

// vectorsLikeReadBack checks that the stored vectors of svc are those a
// rebuild from the store makes at now (none where it makes none), and
// counts them.
func vectorsLikeReadBack(t *testing.T, f *fixture, svc string, now time.Time) int {
	t.Helper()
	fs, err := f.objs.FeatureService(svc)
	if err != nil {
		t.Fatal(err)
	}
	var keys [][]byte
	for i := range int64(10) {
		keys = append(keys, f.key(i))
	}
	c := pt.NewCapture(f.store)
	b := &precompute.Builder{Store: c, Objects: f.objs, Now: func() time.Time { return now }}
	if _, err := b.Rebuild(context.Background(), fs, keys, time.Time{}); err != nil {
		t.Fatal(err)
	}
	stored, err := f.store.ReadViews(context.Background(), keys, []onlinestore.View{precompute.StoreView(svc, []string{"driver_id"})})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, k := range keys {
		want, ok := c.Rows[string(k)]
		got := stored[i][0]
		if got.Found != ok || ok && (!got.EventTS.Equal(now) || !bytes.Equal(got.Values[0], want)) {
			t.Errorf("service %s, entity %d: stored vector (at %v)\n%x\nwant (read back)\n%x", svc, i, got.EventTS, got.Values[0], want)
		}
		if got.Found {
			n++
		}
	}
	return n
}

// landedButFailed applies the first write of view and then fails it, as a
// connection lost after the server ran the commands.
type landedButFailed struct {
	*storetest.Memory
	view   string
	failed atomic.Bool
}

func (s *landedButFailed) WriteView(ctx context.Context, v onlinestore.View, rows []onlinestore.Row) (onlinestore.WriteStats, error) {
	st, err := s.Memory.WriteView(ctx, v, rows)
	if err == nil && v.Name == s.view && s.failed.CompareAndSwap(false, true) {
		return onlinestore.WriteStats{}, errors.New("connection reset by peer")
	}
	return st, err
}

// The rows of a failed write may be in the store all the same: their
// vectors are rebuilt from it, so none is left stale when the rerun finds
// every row as old as the stored one and writes nothing.
func TestVectorsOfAFailedWriteAreRebuilt(t *testing.T) {
	var rows []srcRow
	for i := range int64(10) {
		rows = append(rows, srcRow{id: ptr(i), conv: ptr(float32(i)), trips: i, ts: base, cr: base})
	}
	f := newFixtureDefs(t, rows, fusedDefs)
	views, _, _ := SelectViews(f.objs, []string{"stats"})
	plan, _ := PlanWindow(views, base, base.Add(time.Hour))
	r := f.runner()
	now := base.Add(24 * time.Hour)
	r.Now = func() time.Time { return now }
	r.Store = &landedButFailed{Memory: f.store, view: "stats"}
	sum, err := r.Run(context.Background(), plan)
	if !errors.Is(err, ErrViewsFailed) || len(sum.VectorsPending) != 0 {
		t.Fatalf("err %v, pending %v; want the view failed and the vectors done", err, sum.VectorsPending)
	}
	for _, svc := range []string{"both", "stats_only"} { // at least the failed chunk's 3 entities, written all the same
		if n := vectorsLikeReadBack(t, f, svc, now); n < 3 {
			t.Errorf("service %s: %d vectors, want those of every entity in the store", svc, n)
		}
	}
}

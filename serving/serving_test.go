package serving

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore/storetest"
	"github.com/feast-go/feast-go/precompute"
	pt "github.com/feast-go/feast-go/precompute/precomputetest"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"
)

func TestRebuildAndReadFiveViews(t *testing.T) {
	ctx := context.Background()
	o := pt.FiveViews()
	svc := o.FeatureServices[0]
	store := storetest.NewMemory()
	pt.Seed(t, store, o, 1, pt.Now.Add(-time.Minute))
	pt.Seed(t, store, o, 2, pt.Now.Add(-2*time.Hour))    // v1 (ttl 1h) is too old for entity 2
	pt.Seed(t, store, o, 3, pt.Now.Add(-time.Minute), 3) // entity 3 has no v3 data
	b := &precompute.Builder{Store: store, Objects: o, Now: func() time.Time { return pt.Now }}
	st, err := b.Rebuild(ctx, svc, [][]byte{pt.Key(t, 1), pt.Key(t, 2), pt.Key(t, 3), pt.Key(t, 9)}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 3 || st.Skipped != 1 {
		t.Errorf("stats = %+v, want 3 written and entity 9 (no data) skipped", st)
	}
	r := &Reader{Store: store, Objects: o, Now: func() time.Time { return pt.Now }}
	// Mixed order, duplicates and an unkNown entity.
	req := [][]byte{pt.Key(t, 3), pt.Key(t, 1), pt.Key(t, 9), pt.Key(t, 1), pt.Key(t, 2)}
	res, err := r.Read(ctx, svc, req, true)
	if err != nil {
		t.Fatal(err)
	}
	wantNames := "v0__f0_a v0__f0_b v1__f1_a v1__f1_b alias2__f2_b v3__f3_a v3__f3_b v4__f4_a v4__f4_b"
	if strings.Join(res.Names, " ") != wantNames {
		t.Fatalf("names = %v", res.Names)
	}
	ids := []int64{3, 1, 9, 1, 2}
	for row, id := range ids {
		for col, f := range res.Rows[row] {
			view := int([]byte(res.Names[col])[1] - '0')
			if res.Names[col][:6] == "alias2" {
				view = 2
			}
			switch {
			case id == 9:
				if f.Status != NotFound {
					t.Errorf("entity 9 %s: status %v, want NOT_FOUND", res.Names[col], f.Status)
				}
			case id == 3 && view == 3:
				if f.Status != NotFound || len(f.Value) != 0 {
					t.Errorf("entity 3 %s: %v %x, want NOT_FOUND (no v3 data)", res.Names[col], f.Status, f.Value)
				}
			case id == 2 && view == 1:
				if f.Status != OutsideMaxAge || len(f.Value) == 0 {
					t.Errorf("entity 2 %s: status %v, want OUTSIDE_MAX_AGE with the value", res.Names[col], f.Status)
				}
			default:
				var v feastpb.Value
				_ = proto.Unmarshal(f.Value, &v)
				feature := int64(res.Names[col][len(res.Names[col])-1] - 'a')
				if want := id*100 + int64(view)*10 + feature; v.GetInt64Val() != want || f.Status != Present {
					t.Errorf("entity %d %s: %d (%v), want %d", id, res.Names[col], v.GetInt64Val(), f.Status, want)
				}
			}
		}
	}
	short, err := r.Read(ctx, svc, [][]byte{pt.Key(t, 1)}, false)
	if err != nil || short.Names[0] != "f0_a" || short.Names[4] != "f2_b" {
		t.Errorf("short names = %v, %v", short.Names, err)
	}
}

func TestReaderRefusesMissingAndStaleVectors(t *testing.T) {
	ctx := context.Background()
	o := pt.FiveViews()
	svc := o.FeatureServices[0]
	store := storetest.NewMemory()
	pt.Seed(t, store, o, 1, pt.Now)
	r := &Reader{Store: store, Objects: o, Now: func() time.Time { return pt.Now }}
	_, err := r.Read(ctx, svc, [][]byte{pt.Key(t, 1)}, true)
	if !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "{driver_id=1}") || !strings.Contains(err.Error(), "feast-go precompute svc") {
		t.Errorf("missing vector: %v", err)
	}
	b := &precompute.Builder{Store: store, Objects: o, Now: func() time.Time { return pt.Now }}
	if _, err := b.Rebuild(ctx, svc, [][]byte{pt.Key(t, 1)}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	// The schema changes: a feature's type in the registry (same names).
	changed := *svc
	changed.Projections = append([]registry.Projection(nil), svc.Projections...)
	changed.Projections[0].Features = []registry.Field{{Name: "f0_a", Type: feastpb.ValueType_DOUBLE}, {Name: "f0_b", Type: feastpb.ValueType_INT64}}
	_, err = r.Read(ctx, &changed, [][]byte{pt.Key(t, 1)}, true)
	if !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "fingerprint") {
		t.Errorf("stale fingerprint: %v", err)
	}
	// A rebuild fixes it.
	b.Now = func() time.Time { return pt.Now.Add(time.Second) }
	if _, err := b.Rebuild(ctx, &changed, [][]byte{pt.Key(t, 1)}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(ctx, &changed, [][]byte{pt.Key(t, 1)}, true); err != nil {
		t.Errorf("after rebuild: %v", err)
	}
}

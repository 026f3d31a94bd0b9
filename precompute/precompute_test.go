package precompute

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/storetest"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func i64(v int64) []byte {
	b, _ := proto.Marshal(&feastpb.Value{Val: &feastpb.Value_Int64Val{Int64Val: v}})
	return b
}

func key(t testing.TB, id int64) []byte {
	k, err := onlinestore.NewKeyEncoder([]string{"driver_id"}, 3).Append(nil, []*feastpb.Value{{Val: &feastpb.Value_Int64Val{Int64Val: id}}})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fiveViews: views v0..v4 over driver_id, view vi has features fi_a, fi_b; v1 has a 1h ttl.
func fiveViews() *registry.Objects {
	o := &registry.Objects{Project: "p"}
	for i := range 5 {
		fv := &registry.FeatureView{Name: fmt.Sprintf("v%d", i), Online: true,
			EntityColumns: []registry.Field{{Name: "driver_id", Type: feastpb.ValueType_INT64}},
			Features:      []registry.Field{{Name: fmt.Sprintf("f%d_a", i), Type: feastpb.ValueType_INT64}, {Name: fmt.Sprintf("f%d_b", i), Type: feastpb.ValueType_INT64}}}
		if i == 1 {
			fv.TTL = time.Hour
		}
		o.FeatureViews = append(o.FeatureViews, fv)
	}
	svc := &registry.FeatureService{Name: "svc", PrecomputeOnline: true}
	for i, fv := range o.FeatureViews {
		p := registry.Projection{View: fv.Name, Features: fv.Features}
		if i == 2 {
			p.Alias, p.Features = "alias2", fv.Features[1:] // alias and a subset
		}
		svc.Projections = append(svc.Projections, p)
	}
	o.FeatureServices = []*registry.FeatureService{svc}
	return o
}

// seed writes entity id's rows to every view but skipViews, values id*100+view*10+feature.
func seed(t testing.TB, s onlinestore.Store, o *registry.Objects, id int64, ts time.Time, skipViews ...int) {
	t.Helper()
	for i, fv := range o.FeatureViews {
		if strings.Contains(fmt.Sprint(skipViews), fmt.Sprint(i)) {
			continue
		}
		v := onlinestore.View{Name: fv.Name, JoinKeys: fv.JoinKeys(), Features: []string{fv.Features[0].Name, fv.Features[1].Name}}
		row := onlinestore.Row{Key: key(t, id), EventTS: ts, Values: [][]byte{i64(id*100 + int64(i)*10), i64(id*100 + int64(i)*10 + 1)}}
		if _, err := s.WriteView(context.Background(), v, []onlinestore.Row{row}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRebuildAndReadFiveViews(t *testing.T) {
	ctx := context.Background()
	o := fiveViews()
	svc := o.FeatureServices[0]
	store := storetest.NewMemory()
	seed(t, store, o, 1, now.Add(-time.Minute))
	seed(t, store, o, 2, now.Add(-2*time.Hour))    // v1 (ttl 1h) is too old for entity 2
	seed(t, store, o, 3, now.Add(-time.Minute), 3) // entity 3 has no v3 data
	b := &Builder{Store: store, Objects: o, Now: func() time.Time { return now }}
	st, err := b.Rebuild(ctx, svc, [][]byte{key(t, 1), key(t, 2), key(t, 3), key(t, 9)}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 3 || st.Skipped != 1 {
		t.Errorf("stats = %+v, want 3 written and entity 9 (no data) skipped", st)
	}
	r := &Reader{Store: store, Objects: o, Now: func() time.Time { return now }}
	// Mixed order, duplicates and an unknown entity.
	req := [][]byte{key(t, 3), key(t, 1), key(t, 9), key(t, 1), key(t, 2)}
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
	short, err := r.Read(ctx, svc, [][]byte{key(t, 1)}, false)
	if err != nil || short.Names[0] != "f0_a" || short.Names[4] != "f2_b" {
		t.Errorf("short names = %v, %v", short.Names, err)
	}
}

func TestReaderRefusesMissingAndStaleVectors(t *testing.T) {
	ctx := context.Background()
	o := fiveViews()
	svc := o.FeatureServices[0]
	store := storetest.NewMemory()
	seed(t, store, o, 1, now)
	r := &Reader{Store: store, Objects: o, Now: func() time.Time { return now }}
	_, err := r.Read(ctx, svc, [][]byte{key(t, 1)}, true)
	if !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "{driver_id=1}") || !strings.Contains(err.Error(), "feast-go precompute svc") {
		t.Errorf("missing vector: %v", err)
	}
	b := &Builder{Store: store, Objects: o, Now: func() time.Time { return now }}
	if _, err := b.Rebuild(ctx, svc, [][]byte{key(t, 1)}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	// The schema changes: a feature's type in the registry (same names).
	changed := *svc
	changed.Projections = append([]registry.Projection(nil), svc.Projections...)
	changed.Projections[0].Features = []registry.Field{{Name: "f0_a", Type: feastpb.ValueType_DOUBLE}, {Name: "f0_b", Type: feastpb.ValueType_INT64}}
	_, err = r.Read(ctx, &changed, [][]byte{key(t, 1)}, true)
	if !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "fingerprint") {
		t.Errorf("stale fingerprint: %v", err)
	}
	// A rebuild fixes it.
	b.Now = func() time.Time { return now.Add(time.Second) }
	if _, err := b.Rebuild(ctx, &changed, [][]byte{key(t, 1)}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(ctx, &changed, [][]byte{key(t, 1)}, true); err != nil {
		t.Errorf("after rebuild: %v", err)
	}
}

func TestBlobLayoutIsFeasts(t *testing.T) {
	o := fiveViews()
	s := SchemaOf(o.FeatureServices[0])
	vals := make([][]byte, len(s.Names))
	vals[0] = i64(7)
	stamps := []ViewStamp{{Name: "v0", TS: now}, {Name: "v1"}, {Name: "alias2", TS: now}, {Name: "v3", TS: now}, {Name: "v4", TS: now}}
	blob := appendBlob(nil, &s, vals, stamps, now)
	pv, err := DecodeVector(vectorValue(blob))
	if err != nil {
		t.Fatal(err)
	}
	// Re-encoding the parsed message with the generated code gives the same bytes:
	// the hand-written encoder is canonical protobuf, fields in number order.
	again, _ := proto.MarshalOptions{Deterministic: true}.Marshal(pv)
	if string(again) != string(blob) {
		t.Errorf("blob is not canonical:\n%x\n%x", blob, again)
	}
	if len(pv.GetValues()) != len(s.Names) || pv.GetValues()[0].GetInt64Val() != 7 || len(pv.GetFvTimestamps()) != 5 ||
		pv.GetFvTimestamps()[1].GetEventTimestamp() == nil || !pv.GetPrecomputedAt().AsTime().Equal(now) || pv.GetFeastGoSchemaFingerprint() != s.Fingerprint {
		t.Errorf("decoded %v", pv)
	}
}

func TestSinceSkipsOldEntities(t *testing.T) {
	o := fiveViews()
	store := storetest.NewMemory()
	seed(t, store, o, 1, now.Add(-48*time.Hour))
	seed(t, store, o, 2, now)
	b := &Builder{Store: store, Objects: o, Now: func() time.Time { return now }}
	st, err := b.Rebuild(context.Background(), o.FeatureServices[0], [][]byte{key(t, 1), key(t, 2)}, now.Add(-time.Hour))
	if err != nil || st.Written != 1 || st.Skipped != 1 {
		t.Errorf("since: %+v %v", st, err)
	}
}

package precompute

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/onlinestore/storetest"
	pt "github.com/feast-go/feast-go/precompute/precomputetest"
	"github.com/feast-go/feast-go/registry"
	"google.golang.org/protobuf/proto"
)

func TestBlobLayoutIsFeasts(t *testing.T) {
	o := pt.FiveViews()
	s := SchemaOf(o.FeatureServices[0])
	vals := make([][]byte, len(s.Names))
	vals[0] = pt.Int64(7)
	stamps := []ViewStamp{{Name: "v0", TS: pt.Now}, {Name: "v1"}, {Name: "alias2", TS: pt.Now}, {Name: "v3", TS: pt.Now}, {Name: "v4", TS: pt.Now}}
	blob := appendBlob(nil, &s, vals, stamps, pt.Now)
	pv, err := testenv.DecodeVector(appendVectorValue(nil, blob))
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
		pv.GetFvTimestamps()[1].GetEventTimestamp() == nil || !pv.GetPrecomputedAt().AsTime().Equal(pt.Now) || pv.GetFeastGoSchemaFingerprint() != s.Fingerprint {
		t.Errorf("decoded %v", pv)
	}
}

func TestSinceSkipsOldEntities(t *testing.T) {
	o := pt.FiveViews()
	store := storetest.NewMemory()
	pt.Seed(t, store, o, 1, pt.Now.Add(-48*time.Hour))
	pt.Seed(t, store, o, 2, pt.Now)
	b := &Builder{Store: store, Objects: o, Now: func() time.Time { return pt.Now }}
	st, err := b.Rebuild(context.Background(), o.FeatureServices[0], [][]byte{pt.Key(t, 1), pt.Key(t, 2)}, pt.Now.Add(-time.Hour))
	if err != nil || st.Written != 1 || st.Skipped != 1 {
		t.Errorf("since: %+v %v", st, err)
	}
}

func TestServices(t *testing.T) {
	o := pt.FiveViews()
	plain := &registry.FeatureService{Name: "plain", Projections: o.FeatureServices[0].Projections}
	o.FeatureServices = append(o.FeatureServices, plain)
	tests := []struct {
		names []string
		want  string
		err   error
	}{
		{nil, "[svc]", nil},
		{[]string{"svc"}, "[svc]", nil},
		{[]string{"plain"}, "", ErrNotPrecomputed},
		{[]string{"nope"}, "", registry.ErrNotFound},
	}
	for _, tt := range tests {
		got, err := Services(o, tt.names)
		var names []string
		for _, fs := range got {
			names = append(names, fs.Name)
		}
		if !errors.Is(err, tt.err) || (tt.err == nil && fmt.Sprint(names) != tt.want) {
			t.Errorf("Services(%v) = %v, %v; want %s, %v", tt.names, names, err, tt.want, tt.err)
		}
	}
}

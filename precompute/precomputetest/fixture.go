package precomputetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"
)

// Now is the fixture's clock.
var Now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// Int64 is a serialized int64 Value.
func Int64(v int64) []byte {
	b, _ := proto.Marshal(&feastpb.Value{Val: &feastpb.Value_Int64Val{Int64Val: v}})
	return b
}

// Key is driver id's serialized entity key.
func Key(t testing.TB, id int64) []byte {
	k, err := onlinestore.NewKeyEncoder([]string{"driver_id"}, 3).Append(nil, []*feastpb.Value{{Val: &feastpb.Value_Int64Val{Int64Val: id}}})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// FiveViews: views v0..v4 over driver_id, view vi has features fi_a, fi_b; v1
// has a 1h ttl; service svc reads all of them, v2 as alias2 with fi_b only.
func FiveViews() *registry.Objects {
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

// Seed writes entity id's rows to every view but skipViews, values id*100+view*10+feature.
func Seed(t testing.TB, s onlinestore.Store, o *registry.Objects, id int64, ts time.Time, skipViews ...int) {
	t.Helper()
	for i, fv := range o.FeatureViews {
		if slices.Contains(skipViews, i) {
			continue
		}
		row := onlinestore.Row{Key: Key(t, id), EventTS: ts, Values: [][]byte{Int64(id*100 + int64(i)*10), Int64(id*100 + int64(i)*10 + 1)}}
		if _, err := s.WriteView(context.Background(), onlinestore.ViewOf(fv), []onlinestore.Row{row}); err != nil {
			t.Fatal(err)
		}
	}
}

// Capture takes the vectors a Builder writes, by entity key, instead of
// writing them; it reads from the store it wraps.
type Capture struct {
	onlinestore.Store
	mu   sync.Mutex
	Rows map[string][]byte // entity key -> the vector Value
}

// NewCapture wraps s.
func NewCapture(s onlinestore.Store) *Capture {
	return &Capture{Store: s, Rows: map[string][]byte{}}
}

// WriteView takes the rows.
func (c *Capture) WriteView(_ context.Context, _ onlinestore.View, rows []onlinestore.Row) (onlinestore.WriteStats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rows {
		c.Rows[string(r.Key)] = bytes.Clone(r.Values[0])
	}
	return onlinestore.WriteStats{Written: int64(len(rows))}, nil
}

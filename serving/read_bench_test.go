package serving

import (
	"context"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore/storetest"
	"github.com/feast-go/feast-go/precompute"
	pt "github.com/feast-go/feast-go/precompute/precomputetest"
)

// Both read paths over the in-memory store, 100 entities per request, five
// views: what feast-go adds to a request on top of the store's round trip.
func benchmarkRead(b *testing.B, precomputed bool) {
	ctx := context.Background()
	o := pt.FiveViews()
	svc := o.FeatureServices[0]
	store := storetest.NewMemory()
	keys := make([][]byte, 100)
	for i := range keys {
		pt.Seed(b, store, o, int64(i), pt.Now.Add(-time.Minute))
		keys[i] = pt.Key(b, int64(i))
	}
	if _, err := (&precompute.Builder{Store: store, Objects: o, Now: func() time.Time { return pt.Now }}).Rebuild(ctx, svc, keys, time.Time{}); err != nil {
		b.Fatal(err)
	}
	r := &Reader{Store: store, Objects: o, Now: func() time.Time { return pt.Now }}
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if precomputed {
			_, err = r.Read(ctx, svc, keys, true)
		} else {
			_, err = r.ReadRegular(ctx, svc, keys, true)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadPrecomputed(b *testing.B) { benchmarkRead(b, true) }
func BenchmarkReadRegular(b *testing.B)     { benchmarkRead(b, false) }

package registry

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// countingStore counts reads and can fail them.
type countingStore struct {
	Store
	reads atomic.Int32
	fail  error
}

func (s *countingStore) Read(ctx context.Context) (*Registry, error) {
	s.reads.Add(1)
	if s.fail != nil {
		return nil, s.fail
	}
	return s.Store.Read(ctx)
}

func TestCacheTTL(t *testing.T) {
	ctx := context.Background()
	file := &FileStore{Path: filepath.Join(t.TempDir(), "registry.db")}
	if _, err := Apply(ctx, file, loadDriversDefs(t, nil), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	now := t0
	clock := func() time.Time { return now }
	cases := []struct {
		name      string
		ttl       time.Duration
		wantReads int // after reads at +0, +30s, +61s
	}{
		{"ttl 60s refreshes after it", time.Minute, 2},
		{"ttl 0 never expires", 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now = t0
			s := &countingStore{Store: file}
			cache, err := NewCache(ctx, s, "drivers", RegistryConfig{CacheTTL: c.ttl, CacheMode: "sync"}, clock)
			if err != nil {
				t.Fatal(err)
			}
			defer cache.Close()
			for _, d := range []time.Duration{0, 30 * time.Second, 61 * time.Second} {
				now = t0.Add(d)
				if o := cache.Objects(ctx); o == nil || len(o.FeatureViews) == 0 {
					t.Fatalf("no objects at +%s", d)
				}
			}
			if n := int(s.reads.Load()); n != c.wantReads {
				t.Errorf("%d reads, want %d", n, c.wantReads)
			}
		})
	}

	// A failed refresh keeps serving the last objects and reports the failure.
	s := &countingStore{Store: file}
	cache, err := NewCache(ctx, s, "drivers", RegistryConfig{CacheTTL: time.Minute, CacheMode: "sync"}, clock)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("registry down")
	s.fail, now = boom, now.Add(2*time.Minute)
	if o := cache.Objects(ctx); o == nil || !errors.Is(cache.Err(), boom) {
		t.Errorf("after a failed refresh: objects %v, err %v", o != nil, cache.Err())
	}

	// Thread mode refreshes in the background.
	s = &countingStore{Store: file}
	cache, err = NewCache(ctx, s, "drivers", RegistryConfig{CacheTTL: 10 * time.Millisecond, CacheMode: "thread"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for int(s.reads.Load()) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cache.Close()
	if n := int(s.reads.Load()); n < 3 {
		t.Errorf("thread mode read %d times in 5 s with a 10 ms ttl", n)
	}
}

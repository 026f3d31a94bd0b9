package registry

import (
	"context"
	"sync"
	"time"
)

// Cache keeps a project's objects read from a store for long-running
// readers, as Feast's caching registry does: cache_ttl_seconds is how long a
// read stays fresh (0: read once, never again); in cache_mode "sync" an
// expired read is refreshed by the next caller, in "thread" a background
// goroutine refreshes it every TTL. A refresh that fails keeps the last
// objects; Err reports the failure. One-shot commands do not use it: they
// read the registry once per run.
type Cache struct {
	store   Store
	project string
	ttl     time.Duration
	now     func() time.Time

	mu   sync.Mutex
	objs *Objects
	read time.Time
	err  error
	stop context.CancelFunc
	done chan struct{}
}

// NewCache reads the project's objects once and returns the cache over them.
// In thread mode it starts the refresher; Close stops it.
func NewCache(ctx context.Context, store Store, project string, c RegistryConfig, now func() time.Time) (*Cache, error) {
	if now == nil {
		now = time.Now
	}
	cache := &Cache{store: store, project: project, ttl: c.CacheTTL, now: now}
	if err := cache.refresh(ctx); err != nil {
		return nil, err
	}
	if c.CacheMode == "thread" && c.CacheTTL > 0 {
		rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		cache.stop, cache.done = cancel, make(chan struct{})
		go cache.loop(rctx)
	}
	return cache, nil
}

func (c *Cache) loop(ctx context.Context) {
	defer close(c.done)
	t := time.NewTicker(c.ttl)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = c.refresh(ctx)
		}
	}
}

func (c *Cache) refresh(ctx context.Context) error {
	r, err := c.store.Read(ctx)
	var objs *Objects
	if err == nil {
		objs, err = r.Objects(c.project)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
	if err != nil {
		return err
	}
	c.objs, c.read = objs, c.now()
	return nil
}

// Objects returns the cached objects, refreshed first in sync mode when the
// TTL has passed.
func (c *Cache) Objects(ctx context.Context) *Objects {
	c.mu.Lock()
	expired := c.stop == nil && c.ttl > 0 && c.now().Sub(c.read) >= c.ttl
	c.mu.Unlock()
	if expired {
		_ = c.refresh(ctx)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.objs
}

// Err is the last refresh's failure (nil when it succeeded).
func (c *Cache) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close stops the background refresher.
func (c *Cache) Close() {
	if c.stop != nil {
		c.stop()
		<-c.done
	}
}

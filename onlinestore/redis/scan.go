package redis

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/feast-go/feast-go/onlinestore"
	goredis "github.com/redis/go-redis/v9"
)

// keyPattern is the SCAN pattern of every hash of the join keys in the project.
func (s *Store) keyPattern(joinKeys []string) string {
	prefix := onlinestore.NewKeyEncoder(joinKeys, 3).Prefix()
	return globEscape(string(prefix)) + "*" + globEscape(s.opts.Project)
}

// scan runs SCAN MATCH pattern on every node holding data (each master of a
// cluster, concurrently) and calls fn with each page of keys and the node.
func (s *Store) scan(ctx context.Context, pattern string, fn func(ctx context.Context, c goredis.UniversalClient, keys []string) error) error {
	scanNode := func(ctx context.Context, c goredis.UniversalClient) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, pattern, 1000).Result()
			if err != nil {
				return err
			}
			if len(keys) > 0 {
				if err := fn(ctx, c, keys); err != nil {
					return err
				}
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	if cc, ok := s.c.(*goredis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error { return scanNode(ctx, c) })
	}
	return scanNode(ctx, s.c)
}

// ScanKeys lists the project's entity keys of the view's join keys (SCAN by
// Feast's key prefix; all views of those join keys share the hashes), calling
// fn with batches of serialized keys, one call at a time.
func (s *Store) ScanKeys(ctx context.Context, v onlinestore.View, fn func(keys [][]byte) error) error {
	var mu sync.Mutex
	err := s.scan(ctx, s.keyPattern(v.JoinKeys), func(_ context.Context, _ goredis.UniversalClient, keys []string) error {
		batch := make([][]byte, 0, len(keys))
		for _, k := range keys {
			if strings.HasSuffix(k, s.opts.Project) {
				batch = append(batch, []byte(k[:len(k)-len(s.opts.Project)]))
			}
		}
		mu.Lock()
		defer mu.Unlock()
		return fn(batch)
	})
	if err != nil {
		return fmt.Errorf("scan entity keys: %w", err)
	}
	return nil
}

var _ onlinestore.KeyScanner = (*Store)(nil)

package redis

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/feast-go/feast-go/onlinestore"
	goredis "github.com/redis/go-redis/v9"
)

// ScanKeys lists the project's entity keys of the view's join keys (SCAN by
// Feast's key prefix; all views of those join keys share the hashes), calling
// fn with batches of serialized keys.
func (s *Store) ScanKeys(ctx context.Context, v onlinestore.View, fn func(keys [][]byte) error) error {
	prefix := onlinestore.NewKeyEncoder(v.JoinKeys, 3).Prefix()
	pattern := globEscape(string(prefix)) + "*" + globEscape(s.opts.Project)
	var mu sync.Mutex // cluster masters are scanned concurrently; fn is called by one at a time
	scanNode := func(ctx context.Context, c goredis.UniversalClient) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, pattern, 1000).Result()
			if err != nil {
				return err
			}
			batch := make([][]byte, 0, len(keys))
			for _, k := range keys {
				if strings.HasSuffix(k, s.opts.Project) {
					batch = append(batch, []byte(k[:len(k)-len(s.opts.Project)]))
				}
			}
			if len(batch) > 0 {
				mu.Lock()
				err = fn(batch)
				mu.Unlock()
				if err != nil {
					return err
				}
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	var err error
	if cc, ok := s.c.(*goredis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error { return scanNode(ctx, c) })
	} else {
		err = scanNode(ctx, s.c)
	}
	if err != nil {
		return fmt.Errorf("scan entity keys: %w", err)
	}
	return nil
}

var _ onlinestore.KeyScanner = (*Store)(nil)

package redis

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/feast-go/feast-go/onlinestore"
	goredis "github.com/redis/go-redis/v9"
)

// runIDs maps each node that holds data (the server, or every cluster
// master) to its run_id, which changes whenever the server restarts.
func (s *Store) runIDs(ctx context.Context) (map[string]string, error) {
	ids := map[string]string{}
	var mu sync.Mutex
	read := func(ctx context.Context, c *goredis.Client) error {
		info, err := c.Info(ctx, "server").Result()
		if err != nil {
			return classify("redis INFO server", err)
		}
		for _, line := range strings.Split(info, "\n") {
			if id, ok := strings.CutPrefix(strings.TrimSpace(line), "run_id:"); ok {
				mu.Lock()
				ids[c.Options().Addr] = id
				mu.Unlock()
			}
		}
		return nil
	}
	switch c := s.c.(type) {
	case *goredis.ClusterClient:
		return ids, c.ForEachMaster(ctx, read)
	case *goredis.Client:
		return ids, read(ctx, c)
	}
	return ids, nil
}

// Continuity reports onlinestore.ErrDataLost when a node that held data
// when the store was opened has restarted since (or, in a cluster, is no
// longer a master): without persistence, what it acknowledged is gone. A
// failover counts too; the caller then fails the view and a rerun rewrites it.
func (s *Store) Continuity(ctx context.Context) error {
	now, err := s.runIDs(ctx)
	if err != nil {
		return err
	}
	for addr, id := range s.started {
		if got, ok := now[addr]; !ok || got != id {
			return fmt.Errorf("redis at %s: %w: it restarted during the run (run_id %.8s…, now %.8s…)", addr, onlinestore.ErrDataLost, id, got)
		}
	}
	return nil
}

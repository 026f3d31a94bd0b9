package open

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	redisstore "github.com/feast-go/feast-go/onlinestore/redis"
	"github.com/feast-go/feast-go/onlinestore/remote"
	"github.com/feast-go/feast-go/onlinestore/retry"
	sqlitestore "github.com/feast-go/feast-go/onlinestore/sqlite"
	"github.com/feast-go/feast-go/registry"
)

// DefaultPipelineSize is how many rows one Redis pipeline writes.
const DefaultPipelineSize = redisstore.DefaultPipelineSize

// Tuning sizes a store for the run that opens it.
type Tuning struct {
	Connections  int // concurrent connections (Redis pool size); 0 = the store's default
	PipelineSize int // rows per Redis pipeline; 0 = the store's default
	Log          *slog.Logger
}

// Open opens cfg's online store for writing (and reading).
func Open(ctx context.Context, cfg *registry.Config, t Tuning) (onlinestore.Store, error) {
	o := cfg.OnlineStore
	switch o.Type {
	case registry.OnlineStoreRedis:
		if t.Log != nil {
			redisstore.SetLogger(t.Log)
			t.Log.Debug("opening online store", "redis", o.Redis)
		}
		s, err := redisstore.Open(ctx, o.Redis, redisstore.Options{
			Project: cfg.Project, KeyTTL: time.Duration(o.Redis.KeyTTLSeconds) * time.Second, SkipDedup: o.Redis.SkipDedup,
			PoolSize: t.Connections, PipelineSize: t.PipelineSize,
		})
		if err != nil {
			return nil, err
		}
		return retry.Wrap(s, retry.Policy{}), nil
	case registry.OnlineStoreSQLite:
		s, err := sqlitestore.Open(ctx, o.SQLite.Path, cfg.Project, false)
		if err != nil {
			return nil, err
		}
		return retry.Wrap(s, retry.Policy{}), nil
	case "":
		return nil, fmt.Errorf("%s: the online store is disabled (online_store: null)", cfg.Path)
	case registry.OnlineStoreRemote:
		return nil, fmt.Errorf("%s: online store type remote (%s): %w", cfg.Path, o.Remote.Path, remote.ErrReadOnly)
	}
	return nil, fmt.Errorf("%s: online store type %q is not supported by feast-go; expected redis or sqlite", cfg.Path, o.Type)
}

// OpenReader opens cfg's online store for reading: as Open, and the remote
// type reads through its Feast feature server with a pooled client.
func OpenReader(ctx context.Context, cfg *registry.Config, objs *registry.Objects, t Tuning) (onlinestore.Store, error) {
	if cfg.OnlineStore.Type != registry.OnlineStoreRemote {
		return Open(ctx, cfg, t)
	}
	r := cfg.OnlineStore.Remote
	c, err := remote.New(remote.Options{URL: r.Path, Cert: r.Cert, PoolSize: r.ConnectionPoolSize,
		IdleTimeout: r.ConnectionIdleTimeout, Retries: r.ConnectionRetries})
	if err != nil {
		return nil, fmt.Errorf("%s: online_store: %w", cfg.Path, err)
	}
	return &remote.Store{Client: c, Objects: objs}, nil
}

// DeleteViews removes the online rows of feature views that left the
// registry where Feast does (sqlite; redis with full_scan_for_deletion) and
// says, per view, what was done.
func DeleteViews(ctx context.Context, cfg *registry.Config, views []*registry.FeatureView, t Tuning) ([]string, error) {
	if len(views) == 0 {
		return nil, nil
	}
	var notes []string
	redisScan := cfg.OnlineStore.Type == registry.OnlineStoreRedis && cfg.OnlineStore.Redis.FullScanForDeletion
	if !redisScan && cfg.OnlineStore.Type != registry.OnlineStoreSQLite {
		for _, fv := range views {
			notes = append(notes, fmt.Sprintf("feature view %q was removed from the registry; its online rows were left in the %s online store", fv.Name, cfg.OnlineStore.Type))
		}
		return notes, nil
	}
	s, err := Open(ctx, cfg, t)
	if err != nil {
		return notes, err
	}
	defer func() { _ = s.Close() }()
	for _, fv := range views {
		n, err := s.DeleteView(ctx, onlinestore.ViewOf(fv))
		if err != nil {
			return notes, err
		}
		notes = append(notes, fmt.Sprintf("deleted the online rows of removed feature view %q from %d entities", fv.Name, n))
	}
	return notes, nil
}

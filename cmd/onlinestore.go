package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	redisstore "github.com/feast-go/feast-go/onlinestore/redis"
	"github.com/feast-go/feast-go/onlinestore/remote"
	sqlitestore "github.com/feast-go/feast-go/onlinestore/sqlite"
	"github.com/feast-go/feast-go/registry"
)

// openOnlineStore opens the feature_store.yaml's online store for writing.
func (e *Env) openOnlineStore(ctx context.Context, cfg *registry.Config) (onlinestore.Store, error) {
	return e.openOnlineStorePool(ctx, cfg, e.V.GetInt("write-connections")+2)
}

// openOnlineStorePool opens the online store with room for pool concurrent
// connections (Redis).
func (e *Env) openOnlineStorePool(ctx context.Context, cfg *registry.Config, pool int) (onlinestore.Store, error) {
	o := cfg.OnlineStore
	switch o.Type {
	case registry.OnlineStoreRedis:
		ttl := time.Duration(o.Redis.KeyTTLSeconds) * time.Second
		e.Log.Debug("opening online store", "redis", o.Redis)
		return redisstore.Open(ctx, o.Redis, redisstore.Options{
			Project: cfg.Project, KeyTTL: ttl, SkipDedup: o.Redis.SkipDedup,
			PoolSize:     pool,
			PipelineSize: e.V.GetInt("pipeline-size"),
		})
	case registry.OnlineStoreSQLite:
		return sqlitestore.Open(ctx, o.SQLite.Path, cfg.Project, false)
	case "":
		return nil, fmt.Errorf("%s: the online store is disabled (online_store: null)", cfg.Path)
	case registry.OnlineStoreRemote:
		return nil, fmt.Errorf("%s: online store type remote (%s): %w", cfg.Path, o.Remote.Path, remote.ErrReadOnly)
	}
	return nil, fmt.Errorf("%s: online store type %q is not supported by feast-go; expected redis or sqlite", cfg.Path, o.Type)
}

// openReadStore opens the online store for reading: as openOnlineStore, and
// the remote type reads through its feature server with a pooled client.
func (e *Env) openReadStore(ctx context.Context, cfg *registry.Config, objs *registry.Objects, pool int) (onlinestore.Store, error) {
	if cfg.OnlineStore.Type != registry.OnlineStoreRemote {
		return e.openOnlineStorePool(ctx, cfg, pool)
	}
	r := cfg.OnlineStore.Remote
	c, err := remote.New(remote.Options{URL: r.Path, Cert: r.Cert, PoolSize: r.ConnectionPoolSize,
		IdleTimeout: r.ConnectionIdleTimeout, Retries: retriesOption(r.ConnectionRetries)})
	if err != nil {
		return nil, fmt.Errorf("%s: online_store: %w", cfg.Path, err)
	}
	return &remote.Store{Client: c, Objects: objs}, nil
}

// project loads feature_store.yaml, opens its registry and reads the
// project's objects: the start of every command that works on a repository.
func (e *Env) project(ctx context.Context) (*registry.Config, *registry.FileStore, *registry.Objects, error) {
	cfg, err := e.Config()
	if err != nil {
		return nil, nil, nil, err
	}
	store, err := registry.OpenStore(cfg.Registry)
	if err != nil {
		return nil, nil, nil, err
	}
	reg, err := store.Read(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	objs, err := reg.Objects(cfg.Project)
	if err != nil {
		return nil, nil, nil, err
	}
	return cfg, store, objs, nil
}

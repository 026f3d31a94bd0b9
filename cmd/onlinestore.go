package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	redisstore "github.com/feast-go/feast-go/onlinestore/redis"
	sqlitestore "github.com/feast-go/feast-go/onlinestore/sqlite"
	"github.com/feast-go/feast-go/registry"
)

// openOnlineStore opens the feature_store.yaml's online store for writing.
func (e *Env) openOnlineStore(ctx context.Context, cfg *registry.Config) (onlinestore.Store, error) {
	o := cfg.OnlineStore
	switch o.Type {
	case registry.OnlineStoreRedis:
		ttl := time.Duration(o.Redis.KeyTTLSeconds) * time.Second
		e.Log.Debug("opening online store", "redis", o.Redis)
		return redisstore.Open(ctx, o.Redis, redisstore.Options{
			Project: cfg.Project, KeyTTL: ttl, SkipDedup: o.Redis.SkipDedup,
			PoolSize:     e.V.GetInt("write-connections") + 2,
			PipelineSize: e.V.GetInt("pipeline-size"),
		})
	case registry.OnlineStoreSQLite:
		return sqlitestore.Open(ctx, o.SQLite.Path, cfg.Project, false)
	case "":
		return nil, fmt.Errorf("%s: the online store is disabled (online_store: null)", cfg.Path)
	}
	return nil, fmt.Errorf("%s: online store type %q is not supported by feast-go; expected redis or sqlite", cfg.Path, o.Type)
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

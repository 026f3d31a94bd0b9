package catalog

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	icecat "github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"golang.org/x/sync/singleflight"
)

// ErrTableNotFound means the namespace or table does not exist in the catalog.
var ErrTableNotFound = errors.New("iceberg table not found")

// Stats are the cache's counters.
type Stats struct {
	CatalogLoads int64 `json:"catalog_loads"`
	TableLoads   int64 `json:"table_loads"`
	RESTRequests int64 `json:"rest_requests"`
}

// Cache holds catalogs (one per distinct Config) and loaded tables (one per
// catalog and identifier). It is safe for concurrent use.
type Cache struct {
	mu         sync.Mutex
	catalogs   map[string]icecat.Catalog
	tables     map[string]*table.Table
	group      singleflight.Group
	transports []*http.Transport

	catalogLoads, tableLoads, restRequests atomic.Int64
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{catalogs: map[string]icecat.Catalog{}, tables: map[string]*table.Table{}}
}

// Stats returns the counters so far.
func (c *Cache) Stats() Stats {
	return Stats{CatalogLoads: c.catalogLoads.Load(), TableLoads: c.tableLoads.Load(), RESTRequests: c.restRequests.Load()}
}

// Catalog returns the catalog for cfg, opening it on first use. Concurrent
// first users share one load.
func (c *Cache) Catalog(ctx context.Context, cfg Config) (icecat.Catalog, error) {
	key := "catalog:" + cfg.Key()
	c.mu.Lock()
	cat, ok := c.catalogs[key]
	c.mu.Unlock()
	if ok {
		return cat, nil
	}
	v, err, _ := c.group.Do(key, func() (any, error) {
		c.mu.Lock()
		cat, ok := c.catalogs[key]
		c.mu.Unlock()
		if ok {
			return cat, nil
		}
		c.catalogLoads.Add(1)
		cat, err := c.open(ctx, cfg)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.catalogs[key] = cat
		c.mu.Unlock()
		return cat, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(icecat.Catalog), nil
}

// Table returns the loaded table namespace.name of cfg's catalog, loading it
// once however many feature views read it.
func (c *Cache) Table(ctx context.Context, cfg Config, namespace, name string) (*table.Table, error) {
	key := "table:" + cfg.Key() + ":" + namespace + "." + name
	c.mu.Lock()
	t, ok := c.tables[key]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	v, err, _ := c.group.Do(key, func() (any, error) {
		c.mu.Lock()
		t, ok := c.tables[key]
		c.mu.Unlock()
		if ok {
			return t, nil
		}
		cat, err := c.Catalog(ctx, cfg)
		if err != nil {
			return nil, err
		}
		c.tableLoads.Add(1)
		ident := append(strings.Split(namespace, "."), name)
		t, err = cat.LoadTable(ctx, ident)
		if err != nil {
			if errors.Is(err, icecat.ErrNoSuchTable) || errors.Is(err, icecat.ErrNoSuchNamespace) {
				return nil, fmt.Errorf("%s: table %s.%s: %w (%v)", cfg, namespace, name, ErrTableNotFound, err)
			}
			return nil, fmt.Errorf("%s: load table %s.%s: %w", cfg, namespace, name, err)
		}
		c.mu.Lock()
		c.tables[key] = t
		c.mu.Unlock()
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*table.Table), nil
}

// Close releases every catalog and connection pool.
func (c *Cache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, cat := range c.catalogs {
		if cl, ok := cat.(icecat.Closer); ok {
			errs = append(errs, cl.Close())
		}
	}
	for _, tr := range c.transports {
		tr.CloseIdleConnections()
	}
	c.catalogs, c.tables, c.transports = map[string]icecat.Catalog{}, map[string]*table.Table{}, nil
	return errors.Join(errs...)
}

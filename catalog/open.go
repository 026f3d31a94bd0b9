package catalog

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	_ "github.com/apache/iceberg-go/catalog/glue" // registers the "glue" type for Load
	"github.com/apache/iceberg-go/catalog/hadoop"
	"github.com/apache/iceberg-go/catalog/hive"
	"github.com/apache/iceberg-go/catalog/rest"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"

	_ "github.com/apache/iceberg-go/io/gocloud" // s3, gs, abfs and wasb file IO
	_ "github.com/jackc/pgx/v5/stdlib"          // database/sql driver "pgx" for PostgreSQL SQL catalogs
	_ "modernc.org/sqlite"                      // database/sql driver "sqlite", pure Go
)

// ErrUnreachable means the catalog could not be reached at its uri.
var ErrUnreachable = errors.New("catalog unreachable")

// open builds one catalog from a normalized configuration.
func (c *Cache) open(ctx context.Context, cfg Config) (icecat.Catalog, error) {
	props := iceberg.Properties(maps.Clone(cfg.Props))
	if props == nil {
		props = iceberg.Properties{}
	}
	if cfg.Warehouse != "" {
		props["warehouse"] = cfg.Warehouse
	}
	switch cfg.Type {
	case "sql":
		return openSQL(ctx, cfg, props)
	case "rest":
		return c.openREST(ctx, cfg, props)
	case "hadoop":
		return hadoop.NewCatalog(cfg.Name, cfg.Warehouse, props)
	case "hive":
		props["uri"] = cfg.URI
		return hive.NewCatalog(props)
	case "glue":
		// Load with every key set explicitly, so ~/.iceberg-go.yaml contributes nothing.
		props["type"], props["uri"] = "glue", cfg.URI
		props["warehouse"] = cfg.Warehouse
		if _, ok := props["credential"]; !ok {
			props["credential"] = ""
		}
		return icecat.Load(ctx, cfg.Name, props)
	}
	return nil, fmt.Errorf("catalog type %q is not supported", cfg.Type)
}

func openSQL(ctx context.Context, cfg Config, props iceberg.Properties) (icecat.Catalog, error) {
	if cfg.Driver == "sqlite" {
		if _, err := os.Stat(cfg.Path); err != nil {
			return nil, fmt.Errorf("%s: catalog database %s: %w", cfg, cfg.Path, err)
		}
	}
	db, err := sql.Open(cfg.Driver, cfg.URI)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg, err)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%s: %w: %v", cfg, ErrUnreachable, err)
	}
	props[sqlcat.DriverKey], props[sqlcat.DialectKey] = cfg.Driver, cfg.Dialect
	props["init_catalog_tables"] = "false" // a reader never creates catalog tables
	cat, err := sqlcat.NewCatalog(cfg.Name, db, sqlcat.SupportedDialect(cfg.Dialect), props)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%s: %w", cfg, err)
	}
	return &sqlCatalog{Catalog: cat, db: db}, nil
}

// sqlCatalog closes the database it was given.
type sqlCatalog struct {
	*sqlcat.Catalog
	db *sql.DB
}

func (s *sqlCatalog) Close() error { return s.db.Close() }

// restKeys are properties consumed by the REST client options rather than passed on.
var restKeys = []string{"token", "credential", "scope", "audience", "resource", "oauth2-server-uri", "prefix",
	"rest.tls.skip-verify", "rest.sigv4-enabled", "rest.signing-region", "rest.signing-name"}

func (c *Cache) openREST(ctx context.Context, cfg Config, props iceberg.Properties) (icecat.Catalog, error) {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		// A catalog that accepts a request and never answers must not hang
		// the run; a table load answers in well under this.
		ResponseHeaderTimeout: 60 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	if props.GetBool("rest.tls.skip-verify", false) {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for it
	}
	c.transports = append(c.transports, tr)
	opts := []rest.Option{rest.WithCustomTransport(&countingTransport{next: tr, n: &c.restRequests})}
	if cfg.Warehouse != "" {
		opts = append(opts, rest.WithWarehouseLocation(cfg.Warehouse))
	}
	if v := props["token"]; v != "" {
		opts = append(opts, rest.WithOAuthToken(v))
	}
	if v := props["credential"]; v != "" {
		opts = append(opts, rest.WithCredential(v))
	}
	for key, opt := range map[string]func(string) rest.Option{"scope": rest.WithScope, "audience": rest.WithAudience, "resource": rest.WithResource, "prefix": rest.WithPrefix} {
		if v := props[key]; v != "" {
			opts = append(opts, opt(v))
		}
	}
	if v := props["oauth2-server-uri"]; v != "" {
		u, err := url.Parse(v)
		if err != nil {
			return nil, fmt.Errorf("%s: oauth2-server-uri: %w", cfg, err)
		}
		opts = append(opts, rest.WithAuthURI(u))
	}
	if props.GetBool("rest.sigv4-enabled", false) {
		opts = append(opts, rest.WithSigV4RegionSvc(props["rest.signing-region"], props["rest.signing-name"]))
	}
	headers := map[string]string{}
	extra := iceberg.Properties{} // passed on to FileIO (s3.*, ...)
	for k, v := range props {
		switch {
		case strings.HasPrefix(k, "header."):
			headers[strings.TrimPrefix(k, "header.")] = v
		case !slices.Contains(restKeys, k) && k != "warehouse":
			extra[k] = v
		}
	}
	if len(headers) > 0 {
		opts = append(opts, rest.WithHeaders(headers))
	}
	if len(extra) > 0 {
		opts = append(opts, rest.WithAdditionalProps(extra))
	}
	cat, err := rest.NewCatalog(ctx, cfg.Name, cfg.URI, opts...)
	if err != nil {
		var ne net.Error
		var oe *net.OpError
		if errors.As(err, &ne) || errors.As(err, &oe) || strings.Contains(err.Error(), "connection refused") {
			return nil, fmt.Errorf("%s: %w: %v", cfg, ErrUnreachable, err)
		}
		return nil, fmt.Errorf("%s: %w", cfg, err)
	}
	return cat, nil
}

// countingTransport counts the HTTP requests a REST catalog makes.
type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(r)
}

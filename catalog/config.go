package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/feast-go/feast-go/internal/sqlitefile"
	"github.com/feast-go/feast-go/registry"
)

// Config is a normalized catalog configuration: the cache key of one catalog.
type Config struct {
	Type      string // sql | rest | glue | hive | hadoop
	Name      string
	URI       string // sql: a database/sql DSN; rest/hive: the endpoint
	Path      string // sql on SQLite: the database file
	Driver    string // sql only: database/sql driver name
	Dialect   string // sql only
	Warehouse string
	Props     map[string]string // catalog_properties, plus the token read from token_env_var
	Endpoint  string            // as the source wrote it, for messages
}

// Key identifies the configuration, secrets included, without revealing them.
func (c Config) Key() string {
	h := sha256.New()
	for _, s := range []string{c.Type, c.Name, c.URI, c.Driver, c.Dialect, c.Warehouse} {
		_, _ = fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Props)) {
		_, _ = fmt.Fprintf(h, "%d:%s=%d:%s;", len(k), k, len(c.Props[k]), c.Props[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// String describes the catalog for errors and logs, with secrets removed.
func (c Config) String() string {
	at := c.Endpoint
	if at == "" {
		at = c.URI
	}
	if at == "" {
		at = c.Warehouse
	}
	return fmt.Sprintf("%s catalog %q at %s", c.Type, c.Name, registry.RedactURI(at))
}

// ConfigFor builds the catalog configuration of an Iceberg source. Relative
// SQLite paths and warehouses are taken relative to repoDir, as Feast runs
// from the repository folder. lookupEnv reads token_env_var.
func ConfigFor(src *registry.DataSource, repoDir string, lookupEnv func(string) (string, bool)) (Config, error) {
	o := src.Iceberg
	if o == nil {
		return Config{}, fmt.Errorf("data source %q is not an Iceberg source", src.Name)
	}
	c := Config{Type: o.CatalogType, Name: o.CatalogName, URI: o.Endpoint, Endpoint: o.Endpoint, Warehouse: o.Warehouse, Props: maps.Clone(o.CatalogProperties)}
	if c.Props == nil {
		c.Props = map[string]string{}
	}
	if c.Warehouse != "" && !strings.Contains(c.Warehouse, "://") {
		wh := c.Warehouse
		if !filepath.IsAbs(wh) {
			wh = filepath.Join(repoDir, wh)
		}
		c.Warehouse = "file://" + wh
	}
	if o.TokenEnvVar != "" {
		tok, ok := lookupEnv(o.TokenEnvVar)
		if !ok || tok == "" {
			return Config{}, fmt.Errorf("data source %q: token_env_var %s is not set", src.Name, o.TokenEnvVar)
		}
		c.Props["token"] = tok
	}
	switch c.Type {
	case "sql":
		if err := c.sqlDSN(repoDir); err != nil {
			return Config{}, fmt.Errorf("data source %q: %w", src.Name, err)
		}
	case "rest", "hive":
		if c.URI == "" {
			c.URI = c.Props["uri"]
		}
		if c.URI == "" {
			return Config{}, fmt.Errorf("data source %q: %s catalog needs an endpoint (the catalog uri)", src.Name, c.Type)
		}
	case "hadoop", "glue":
	default:
		return Config{}, fmt.Errorf("data source %q: catalog_type %q is not supported; expected sql, rest, glue, hive or hadoop", src.Name, c.Type)
	}
	return c, nil
}

// sqlDSN maps the SQLAlchemy-style URL Feast and pyiceberg use to a Go driver DSN.
func (c *Config) sqlDSN(repoDir string) error {
	u := c.URI
	switch {
	case strings.HasPrefix(u, "sqlite:///"):
		path := strings.TrimPrefix(u, "sqlite:///") // sqlite:////abs -> /abs, sqlite:///rel -> rel
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(repoDir, path)
		}
		c.Driver, c.Dialect = "sqlite", "sqlite"
		c.Path = path
		c.URI = sqlitefile.URI(path, "mode=rw&_pragma=busy_timeout(10000)")
	case strings.HasPrefix(u, "postgresql://"), strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql+"):
		if strings.HasPrefix(u, "postgresql+") { // postgresql+psycopg://, postgresql+psycopg2://
			u = "postgresql://" + u[strings.Index(u, "://")+3:]
		}
		c.Driver, c.Dialect = "pgx", "postgres"
		c.URI = withConnectTimeout(u)
	default:
		return fmt.Errorf("sql catalog endpoint %q: expected sqlite:///path.db or postgresql://user:pass@host/db", registry.RedactURI(u))
	}
	return nil
}

// withConnectTimeout bounds the connection to a PostgreSQL catalog (10 s)
// unless the URL sets connect_timeout: a server that accepts and never
// answers must not hang a cron job.
func withConnectTimeout(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := parsed.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "10")
		parsed.RawQuery = q.Encode()
	}
	return parsed.String()
}

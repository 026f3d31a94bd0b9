package registry

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ConfigFileName is the name Feast gives a repository's configuration file.
const ConfigFileName = "feature_store.yaml"

// ErrNoConfig means no feature_store.yaml was found where one was expected.
var ErrNoConfig = errors.New("no " + ConfigFileName + " found")

// Config is a feature_store.yaml, read as Feast 0.67 reads it: environment
// variables expanded ($VAR and ${VAR}; unset ones left as written), relative
// paths taken relative to the file's folder, Feast's defaults applied, and
// unknown keys under online_store, offline_store and batch_engine refused.
type Config struct {
	Path string // absolute path of the file
	Dir  string // its folder: the repository root

	Project                       string
	ProjectDescription            string
	Provider                      string
	Registry                      RegistryConfig
	OnlineStore                   OnlineStoreConfig
	OfflineStoreType              string
	EntityKeySerializationVersion int
	Materialization               MaterializationConfig

	// FeastGo is the raw top-level feast_go: section (feast-go's own knobs;
	// Feast ignores unknown top-level keys). cmd merges it under flags and env.
	FeastGo map[string]any
}

// RegistryConfig is the registry: key, a path or a mapping.
type RegistryConfig struct {
	Type string // "file", "sql" or "remote"
	// Path is as written for URLs (s3://, gs://, postgresql://...) and an
	// absolute path for local files.
	Path     string
	CacheTTL time.Duration
	// CacheMode is Feast's cache_mode: sync (refresh on access) or thread.
	CacheMode string
	// SchemaMode is the SQL registry's schema_mode: auto (create missing
	// tables), verify (refuse when one is missing) or skip.
	SchemaMode string
	// The remote registry's TLS: is_tls, cert (the server's CA), client_cert
	// and client_key (mutual TLS), authority (the :authority to present).
	IsTLS                       bool
	Cert, ClientCert, ClientKey string
	Authority                   string
	// EnableOnlineFeatureViewVersioning makes Feast name online rows "<view>_v<N>".
	EnableOnlineFeatureViewVersioning bool
}

// MaterializationConfig is the materialization: section.
type MaterializationConfig struct {
	PullLatestFeatures   bool
	OnlineWriteBatchSize int
}

// Online store types feast-go knows.
const (
	OnlineStoreSQLite = "sqlite"
	OnlineStoreRedis  = "redis"
	OnlineStoreRemote = "remote"
)

// OnlineStoreConfig is the online_store: section. Type is "" when Feast's
// online store is disabled (online_store: null).
type OnlineStoreConfig struct {
	Type   string
	Redis  RedisConfig
	SQLite SQLiteConfig
	Remote RemoteConfig
	Pos    Pos
}

// RedisConfig holds Feast's RedisOnlineStoreConfig keys.
type RedisConfig struct {
	RedisType           string // redis | redis_cluster | redis_sentinel
	SentinelMaster      string
	ConnectionString    string
	KeyTTLSeconds       int64 // 0: keys never expire
	FullScanForDeletion bool
	SkipDedup           bool
	Client              string
}

// LogValue keeps the password in the connection string out of logs.
func (r RedisConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("redis_type", r.RedisType),
		slog.String("connection_string", RedactConnectionString(r.ConnectionString)),
		slog.Int64("key_ttl_seconds", r.KeyTTLSeconds),
		slog.Bool("skip_dedup", r.SkipDedup),
	)
}

// SQLiteConfig holds Feast's SqliteOnlineStoreConfig keys.
type SQLiteConfig struct {
	Path string // absolute
}

// RemoteConfig holds Feast's RemoteOnlineStoreConfig keys.
type RemoteConfig struct {
	Path                  string
	Cert                  string
	ConnectionPoolSize    int
	ConnectionIdleTimeout time.Duration
	ConnectionRetries     int
}

// FindConfig returns the feature_store.yaml to use: explicit if given
// (relative to dir), else dir/feature_store.yaml.
func FindConfig(dir, explicit string) (string, error) {
	p := explicit
	if p == "" {
		p = ConfigFileName
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%w at %s (use --chdir to point at the repository, or --config)", ErrNoConfig, abs)
		}
		return "", err
	}
	return abs, nil
}

// LoadConfig reads and validates a feature_store.yaml.
func LoadConfig(path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return ParseConfig(abs, data)
}

// ParseConfig parses feature_store.yaml content; path names the file in errors
// and anchors relative paths.
func ParseConfig(path string, data []byte) (*Config, error) {
	file := path
	root, err := parseYAMLDocument(file, []byte(ExpandVars(string(data), os.LookupEnv)))
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, inputErrorf(Pos{File: file, Line: 1, Col: 1}, "empty configuration; expected at least project and registry")
	}
	top, err := asMapping(file, ConfigFileName, root)
	if err != nil {
		return nil, err
	}
	c := &Config{
		Path:                          path,
		Dir:                           filepath.Dir(path),
		Provider:                      "local",
		OfflineStoreType:              "dask",
		EntityKeySerializationVersion: 3,
	}
	if err := top.required("configuration", "project", &c.Project); err != nil {
		return nil, err
	}
	if err := top.str("project_description", &c.ProjectDescription); err != nil {
		return nil, err
	}
	if err := top.str("provider", &c.Provider); err != nil {
		return nil, err
	}
	if err := top.decode("entity_key_serialization_version", &c.EntityKeySerializationVersion); err != nil {
		return nil, err
	}
	if v := c.EntityKeySerializationVersion; v < 1 || v > 3 {
		return nil, inputErrorf(top.pos("entity_key_serialization_version"), "entity_key_serialization_version must be 1, 2 or 3, found %d", v)
	}
	if err := c.parseRegistry(top); err != nil {
		return nil, err
	}
	if err := c.parseOnlineStore(top); err != nil {
		return nil, err
	}
	if err := c.parseOfflineStore(top); err != nil {
		return nil, err
	}
	if err := checkStoreKeys(top, "batch_engine", map[string][]string{"local": {"type", "backend"}}, "local"); err != nil {
		return nil, err
	}
	if err := c.parseMaterialization(top); err != nil {
		return nil, err
	}
	if top.has("feast_go") {
		if err := top.decode("feast_go", &c.FeastGo); err != nil {
			return nil, err
		}
	}
	if err := validateProjectName(c.Project, c.OnlineStore.Type == OnlineStoreSQLite); err != nil {
		return nil, inputErrorf(top.pos("project"), "%v", err)
	}
	return c, nil
}

var projectNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

func validateProjectName(name string, sqlite bool) error {
	if !projectNameRE.MatchString(name) {
		return fmt.Errorf("project name %q: expected letters, digits, '_' and '-', not starting with '_' or '-'", name)
	}
	if sqlite && strings.Contains(name, "-") {
		return fmt.Errorf("project name %q: '-' is not allowed with the sqlite online store (Feast uses the name in table names)", name)
	}
	return nil
}

func (c *Config) resolvePath(p string) string {
	if p == "" || filepath.IsAbs(p) || strings.Contains(p, "://") {
		return p
	}
	return filepath.Join(c.Dir, p)
}

func (c *Config) parseRegistry(top *mapping) error {
	n, ok := top.keys["registry"]
	if !ok || isNull(n) {
		return inputErrorf(posOf(top.file, top.node), "key \"registry\" is required (a path such as data/registry.db, or a mapping with registry_type and path)")
	}
	r := RegistryConfig{Type: "file", CacheTTL: 600 * time.Second, CacheMode: "sync"}
	if n.Kind == yaml.ScalarNode {
		r.Path = n.Value
	} else {
		m, err := asMapping(top.file, "registry", n)
		if err != nil {
			return err
		}
		if err := m.str("registry_type", &r.Type); err != nil {
			return err
		}
		if err := m.required("registry", "path", &r.Path); err != nil {
			return err
		}
		ttl := 600
		if err := m.decode("cache_ttl_seconds", &ttl); err != nil {
			return err
		}
		if ttl < 0 {
			return inputErrorf(m.pos("cache_ttl_seconds"), "cache_ttl_seconds is %d; expected 0 (never expire) or more", ttl)
		}
		r.CacheTTL = time.Duration(ttl) * time.Second
		if err := m.str("cache_mode", &r.CacheMode); err != nil {
			return err
		}
		if r.CacheMode != "sync" && r.CacheMode != "thread" {
			return inputErrorf(m.pos("cache_mode"), "cache_mode %q: expected sync or thread", r.CacheMode)
		}
		if err := m.decode("enable_online_feature_view_versioning", &r.EnableOnlineFeatureViewVersioning); err != nil {
			return err
		}
		if r.Type != "file" && r.Type != "sql" && r.Type != "remote" {
			return inputErrorf(m.pos("registry_type"), "registry_type %q is not supported by feast-go; expected file, sql or remote", r.Type)
		}
		if err := m.decodeEach(kv{"is_tls", &r.IsTLS}, kv{"cert", &r.Cert}, kv{"client_cert", &r.ClientCert}, kv{"client_key", &r.ClientKey}, kv{"authority", &r.Authority}); err != nil {
			return err
		}
		for _, p := range []*string{&r.Cert, &r.ClientCert, &r.ClientKey} {
			*p = c.resolvePath(*p)
		}
		if (r.ClientCert == "") != (r.ClientKey == "") {
			return inputErrorf(m.pos("client_cert"), "client_cert and client_key go together (mutual TLS); set both or neither")
		}
		if err := m.str("schema_mode", &r.SchemaMode); err != nil {
			return err
		}
		switch r.SchemaMode {
		case "", "auto", "verify", "skip":
		default:
			return inputErrorf(m.pos("schema_mode"), "schema_mode %q: expected auto, verify or skip", r.SchemaMode)
		}
	}
	if r.Path == "" {
		return inputErrorf(posOf(top.file, n), "registry path is empty")
	}
	if r.Type == "file" {
		r.Path = c.resolvePath(strings.TrimPrefix(r.Path, "file://"))
	}
	c.Registry = r
	return nil
}

var onlineStoreClassPaths = map[string]string{
	"feast.infra.online_stores.sqlite.SqliteOnlineStore": OnlineStoreSQLite,
	"feast.infra.online_stores.redis.RedisOnlineStore":   OnlineStoreRedis,
	"feast.infra.online_stores.remote.RemoteOnlineStore": OnlineStoreRemote,
}

var onlineStoreKeys = map[string][]string{
	OnlineStoreSQLite: {"type", "path", "text_search_enabled", "enable_openai_compatible_store", "vector_enabled", "similarity"},
	OnlineStoreRedis:  {"type", "redis_type", "client", "sentinel_master", "connection_string", "key_ttl_seconds", "full_scan_for_deletion", "skip_dedup"},
	OnlineStoreRemote: {"type", "path", "cert", "connection_pool_size", "connection_idle_timeout", "connection_retries", "auth"},
}

func (c *Config) parseOnlineStore(top *mapping) error {
	o := OnlineStoreConfig{
		Type:   OnlineStoreSQLite,
		SQLite: SQLiteConfig{Path: c.resolvePath("data/online.db")},
		Pos:    top.pos("online_store"),
	}
	defer func() { c.OnlineStore = o }()
	n, ok := top.keys["online_store"]
	if !ok {
		return nil
	}
	if isNull(n) || (n.Kind == yaml.ScalarNode && strings.EqualFold(n.Value, "none")) {
		o.Type = ""
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		o.Type = normalizeOnlineType(n.Value)
		onlineDefaults(&o)
		return nil
	}
	m, err := asMapping(top.file, "online_store", n)
	if err != nil {
		return err
	}
	t := OnlineStoreSQLite
	if err := m.str("type", &t); err != nil {
		return err
	}
	o.Type = normalizeOnlineType(t)
	onlineDefaults(&o)
	keys, known := onlineStoreKeys[o.Type]
	if !known {
		return nil // another Feast online store: kept by name, refused when a command needs it
	}
	if err := m.allowOnly("online_store (type "+o.Type+")", keys...); err != nil {
		return err
	}
	switch o.Type {
	case OnlineStoreSQLite:
		p := "data/online.db"
		if err := m.str("path", &p); err != nil {
			return err
		}
		o.SQLite.Path = c.resolvePath(p)
	case OnlineStoreRedis:
		r := &o.Redis
		if err := m.decodeEach(kv{"redis_type", &r.RedisType}, kv{"sentinel_master", &r.SentinelMaster},
			kv{"connection_string", &r.ConnectionString}, kv{"key_ttl_seconds", &r.KeyTTLSeconds},
			kv{"full_scan_for_deletion", &r.FullScanForDeletion}, kv{"skip_dedup", &r.SkipDedup}, kv{"client", &r.Client}); err != nil {
			return err
		}
		switch r.RedisType {
		case "redis", "redis_cluster", "redis_sentinel":
		default:
			return inputErrorf(m.pos("redis_type"), "redis_type %q: expected redis, redis_cluster or redis_sentinel", r.RedisType)
		}
		if r.KeyTTLSeconds < 0 {
			return inputErrorf(m.pos("key_ttl_seconds"), "key_ttl_seconds must be positive, found %d", r.KeyTTLSeconds)
		}
	case OnlineStoreRemote:
		r := &o.Remote
		idle := 300
		if err := m.decodeEach(kv{"path", &r.Path}, kv{"cert", &r.Cert}, kv{"connection_pool_size", &r.ConnectionPoolSize},
			kv{"connection_idle_timeout", &idle}, kv{"connection_retries", &r.ConnectionRetries}); err != nil {
			return err
		}
		r.ConnectionIdleTimeout = time.Duration(idle) * time.Second
		r.Cert = c.resolvePath(r.Cert)
	}
	return nil
}

func normalizeOnlineType(t string) string {
	if short, ok := onlineStoreClassPaths[t]; ok {
		return short
	}
	return t
}

func onlineDefaults(o *OnlineStoreConfig) {
	switch o.Type {
	case OnlineStoreRedis:
		o.Redis = RedisConfig{RedisType: "redis", SentinelMaster: "mymaster", ConnectionString: "localhost:6379", FullScanForDeletion: true, Client: "redis"}
	case OnlineStoreRemote:
		o.Remote = RemoteConfig{Path: "http://localhost:6566", ConnectionPoolSize: 50, ConnectionIdleTimeout: 300 * time.Second, ConnectionRetries: 3}
	}
}

var offlineStoreKeys = map[string][]string{
	"file":   {"type"},
	"dask":   {"type"},
	"duckdb": {"type", "staging_location", "staging_location_endpoint_override"},
}

func (c *Config) parseOfflineStore(top *mapping) error {
	n, ok := top.keys["offline_store"]
	if !ok || isNull(n) {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		c.OfflineStoreType = n.Value
		return nil
	}
	m, err := asMapping(top.file, "offline_store", n)
	if err != nil {
		return err
	}
	if err := m.str("type", &c.OfflineStoreType); err != nil {
		return err
	}
	return checkStoreKeys(top, "offline_store", offlineStoreKeys, "dask")
}

// checkStoreKeys refuses unknown keys under a store section whose type feast-go knows.
func checkStoreKeys(top *mapping, section string, known map[string][]string, def string) error {
	n, ok := top.keys[section]
	if !ok || isNull(n) || n.Kind == yaml.ScalarNode {
		return nil
	}
	m, err := asMapping(top.file, section, n)
	if err != nil {
		return err
	}
	t := def
	if err := m.str("type", &t); err != nil {
		return err
	}
	keys, ok := known[t]
	if !ok {
		return nil
	}
	return m.allowOnly(section+" (type "+t+")", keys...)
}

func (c *Config) parseMaterialization(top *mapping) error {
	key := "materialization"
	if !top.has(key) {
		key = "materialization_config"
	}
	n, ok := top.keys[key]
	if !ok || isNull(n) {
		return nil
	}
	m, err := asMapping(top.file, key, n)
	if err != nil {
		return err
	}
	if err := m.allowOnly(key, "pull_latest_features", "online_write_batch_size"); err != nil {
		return err
	}
	if err := m.decode("pull_latest_features", &c.Materialization.PullLatestFeatures); err != nil {
		return err
	}
	return m.decode("online_write_batch_size", &c.Materialization.OnlineWriteBatchSize)
}

var envVarRE = regexp.MustCompile(`\$(\w+|\{[^}]*\})`)

// ExpandVars expands $NAME and ${NAME} as Python's os.path.expandvars does:
// variables that are not set are left exactly as written.
func ExpandVars(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return envVarRE.ReplaceAllStringFunc(s, func(m string) string {
		name := m[1:]
		if strings.HasPrefix(name, "{") {
			name = name[1 : len(name)-1]
		}
		if v, ok := lookup(name); ok {
			return v
		}
		return m
	})
}

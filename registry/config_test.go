package registry

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig("/repo/feature_store.yaml", []byte("project: demo\nregistry: data/registry.db\n"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"project", c.Project, "demo"},
		{"registry path", c.Registry.Path, "/repo/data/registry.db"},
		{"registry type", c.Registry.Type, "file"},
		{"cache ttl", c.Registry.CacheTTL, 600 * time.Second},
		{"online type", c.OnlineStore.Type, OnlineStoreSQLite},
		{"sqlite path", c.OnlineStore.SQLite.Path, "/repo/data/online.db"},
		{"key version", c.EntityKeySerializationVersion, 3},
		{"offline", c.OfflineStoreType, "dask"},
		{"provider", c.Provider, "local"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestParseConfigStores(t *testing.T) {
	t.Setenv("REDIS_PASSWORD", "s3cret")
	t.Setenv("TTL", "3600")
	yaml := `project: demo
registry:
  registry_type: file
  path: /abs/registry.db
  cache_ttl_seconds: 0
online_store:
  type: redis
  redis_type: redis_cluster
  connection_string: "n1:7000,n2:7001,password=${REDIS_PASSWORD},ssl=true"
  key_ttl_seconds: $TTL
  skip_dedup: true
offline_store:
  type: duckdb
  staging_location: s3://bucket/stage
feast_go:
  write_connections: 8
`
	c, err := ParseConfig("/repo/feature_store.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	r := c.OnlineStore.Redis
	if c.OnlineStore.Type != OnlineStoreRedis || r.RedisType != "redis_cluster" || !r.SkipDedup || r.KeyTTLSeconds != 3600 || !r.FullScanForDeletion {
		t.Errorf("redis config = %+v", r)
	}
	if r.ConnectionString != "n1:7000,n2:7001,password=s3cret,ssl=true" {
		t.Errorf("connection string not expanded: %q", r.ConnectionString)
	}
	if got := RedactConnectionString(r.ConnectionString); strings.Contains(got, "s3cret") {
		t.Errorf("redacted string leaks the password: %q", got)
	}
	if c.Registry.Path != "/abs/registry.db" || c.Registry.CacheTTL != 0 {
		t.Errorf("registry = %+v", c.Registry)
	}
	if c.FeastGo["write_connections"] != 8 {
		t.Errorf("feast_go section = %v", c.FeastGo)
	}
}

func TestParseConfigRemoteAndDisabled(t *testing.T) {
	c, err := ParseConfig("/r/feature_store.yaml", []byte("project: p\nregistry: r.db\nonline_store:\n  type: remote\n  path: http://fs:6566\n"))
	if err != nil {
		t.Fatal(err)
	}
	if rc := c.OnlineStore.Remote; rc.Path != "http://fs:6566" || rc.ConnectionPoolSize != 50 || rc.ConnectionIdleTimeout != 300*time.Second || rc.ConnectionRetries != 3 {
		t.Errorf("remote = %+v", rc)
	}
	c, err = ParseConfig("/r/feature_store.yaml", []byte("project: p\nregistry: r.db\nonline_store: null\n"))
	if err != nil || c.OnlineStore.Type != "" {
		t.Errorf("online_store: null gave %q, %v", c.OnlineStore.Type, err)
	}
}

// Registry kinds parse as Feast writes them: SQL with its schema mode, a
// registry server with TLS files taken from the repository folder.
func TestParseConfigRegistryKinds(t *testing.T) {
	c, err := ParseConfig("/r/feature_store.yaml", []byte("project: p\nregistry:\n  registry_type: sql\n  path: postgresql+psycopg://u:pw@db:5432/feast\n  schema_mode: verify\n  cache_ttl_seconds: 60\n  cache_mode: thread\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := RegistryConfig{Type: "sql", Path: "postgresql+psycopg://u:pw@db:5432/feast", SchemaMode: "verify", CacheTTL: time.Minute, CacheMode: "thread"}
	if c.Registry != want {
		t.Errorf("sql registry = %+v", c.Registry)
	}
	c, err = ParseConfig("/r/feature_store.yaml", []byte("project: p\nregistry:\n  registry_type: remote\n  path: registry:6570\n  is_tls: true\n  cert: certs/ca.pem\n  client_cert: /etc/c.pem\n  client_key: /etc/k.pem\n  authority: feast.internal\n"))
	if err != nil {
		t.Fatal(err)
	}
	want = RegistryConfig{Type: "remote", Path: "registry:6570", CacheTTL: 600 * time.Second, CacheMode: "sync", IsTLS: true,
		Cert: "/r/certs/ca.pem", ClientCert: "/etc/c.pem", ClientKey: "/etc/k.pem", Authority: "feast.internal"}
	if c.Registry != want {
		t.Errorf("remote registry = %+v", c.Registry)
	}
	c, err = ParseConfig("/r/feature_store.yaml", []byte("project: p\nregistry: s3://bucket/feast/registry.db\n"))
	if err != nil || c.Registry.Path != "s3://bucket/feast/registry.db" || c.Registry.Type != "file" {
		t.Errorf("s3 registry = %+v, %v", c.Registry, err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{"no project", "registry: r.db\n", []string{"feature_store.yaml:1:1", `"project" is required`}},
		{"no registry", "project: p\n", []string{`"registry" is required`}},
		{"unknown redis key", "project: p\nregistry: r.db\nonline_store:\n  type: redis\n  connection_str: x\n",
			[]string{"feature_store.yaml:5:3", `unknown key "connection_str"`, "connection_string"}},
		{"unknown sqlite key", "project: p\nregistry: r.db\nonline_store:\n  path: x\n  pth: y\n", []string{":5:3", `"pth"`}},
		{"unknown offline key", "project: p\nregistry: r.db\noffline_store:\n  type: file\n  uri: x\n", []string{":5:3", `"uri"`}},
		{"bad redis type", "project: p\nregistry: r.db\nonline_store:\n  type: redis\n  redis_type: memcache\n", []string{":5:15", "redis_cluster"}},
		{"bad ttl type", "project: p\nregistry: r.db\nonline_store:\n  type: redis\n  key_ttl_seconds: soon\n", []string{":5:20", "an integer", `"soon"`}},
		{"bad version", "project: p\nregistry: r.db\nentity_key_serialization_version: 7\n", []string{":3:35", "1, 2 or 3"}},
		{"bad project", "project: _p\nregistry: r.db\n", []string{":1:10", "not starting with"}},
		{"dash with sqlite", "project: my-p\nregistry: r.db\n", []string{"'-' is not allowed"}},
		{"syntax", "project: p\nregistry: [r.db\n", []string{"feature_store.yaml:", "invalid YAML"}},
		{"not a mapping", "- a\n- b\n", []string{"must be a mapping"}},
		{"duplicate key", "project: p\nproject: q\nregistry: r\n", []string{":2:1", "appears twice"}},
		{"registry type", "project: p\nregistry:\n  registry_type: snowflake.registry\n  path: x\n", []string{":3:18", "file, sql or remote"}},
		{"cache mode", "project: p\nregistry:\n  path: x\n  cache_mode: lazy\n", []string{":4:15", "sync or thread"}},
		{"negative cache ttl", "project: p\nregistry:\n  path: x\n  cache_ttl_seconds: -1\n", []string{":4:22", "0 (never expire)"}},
		{"schema mode", "project: p\nregistry:\n  registry_type: sql\n  path: sqlite:///r.db\n  schema_mode: create\n", []string{":5:16", "auto, verify or skip"}},
		{"half mtls", "project: p\nregistry:\n  registry_type: remote\n  path: h:6570\n  client_key: k.pem\n", []string{"client_cert and client_key go together"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("/r/feature_store.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if !IsInputError(err) {
				t.Errorf("error %v is not an InputError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestExpandVars(t *testing.T) {
	env := map[string]string{"A": "1", "B_C": "two", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct{ in, want string }{
		{"$A", "1"}, {"${A}x", "1x"}, {"$B_C/$A", "two/1"}, {"$UNSET", "$UNSET"}, {"${UNSET}", "${UNSET}"},
		{"$EMPTY.", "."}, {"cost $", "cost $"}, {"a$Ab", "a$Ab"}, {"${A", "${A"},
	}
	for _, tt := range tests {
		if got := ExpandVars(tt.in, lookup); got != tt.want {
			t.Errorf("ExpandVars(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFindConfig(t *testing.T) {
	dir := t.TempDir()
	if _, err := FindConfig(dir, ""); err == nil || !strings.Contains(err.Error(), "no feature_store.yaml found") {
		t.Errorf("missing config: %v", err)
	}
	if _, err := FindConfig(dir, "other.yaml"); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "other.yaml")) {
		t.Errorf("missing explicit config: %v", err)
	}
}

func TestParseRedisConnection(t *testing.T) {
	tests := []struct {
		in   string
		want RedisConnection
		err  string
	}{
		{"n1:7000, n2:7001,password=s3cret,ssl=true,db=2,ssl_cert_reqs=none",
			RedisConnection{Addrs: []string{"n1:7000", "n2:7001"}, Password: "s3cret", DB: 2, SSL: true, SkipVerify: true}, ""},
		{"", RedisConnection{Addrs: []string{"localhost:6379"}}, ""},
		{"h:1,password=1e3,username=007", RedisConnection{Addrs: []string{"h:1"}, Password: "1e3", Username: "007"}, ""},
		{"h:1,ssl=false,ssl_ca_certs=/ca.pem", RedisConnection{Addrs: []string{"h:1"}, CAFile: "/ca.pem"}, ""},
		{"host", RedisConnection{}, `node "host": expected host:port`},
		{"h:port", RedisConnection{}, "bad port"},
		{"h:1,ssl=maybe", RedisConnection{}, "ssl=maybe: expected true or false"},
		{"h:1,db=x", RedisConnection{}, "db=x: expected a number"},
		{"h:1,socket_timeout=3", RedisConnection{}, `option "socket_timeout" is not supported`},
		{"h:1,password=ab,cd", RedisConnection{}, "a password with a comma cannot be given here"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRedisConnection(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				if strings.Contains(tt.in, "password=") && strings.Contains(err.Error(), "cd") {
					t.Errorf("the error shows the password's tail: %v", err)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

package registry

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/feast-go/feast-go/internal/sqlitefile"
	"google.golang.org/protobuf/encoding/protowire"
)

// SQL dialects of the SQL registry.
const (
	dialectSQLite   = "sqlite"
	dialectPostgres = "postgres"
	dialectMySQL    = "mysql"
)

// objectTable is one of Feast 0.67's SQL registry tables that holds objects:
// one row per object, keyed by its name and project_id, with the object's
// serialized proto. field is the object's repeated field in feast.core.Registry.
type objectTable struct {
	name, idCol, protoCol string
	field                 protowire.Number
}

// objectTables are the tables whose rows make up a Registry, in the order
// Feast's proto() lists them. Rows of kinds feast-go does not model (on-demand
// views, saved datasets, ...) are carried as they are.
var objectTables = []objectTable{
	{"projects", "project_id", "project_proto", 17},
	{"entities", "entity_name", "entity_proto", 1},
	{"feature_views", "feature_view_name", "feature_view_proto", 6},
	{"data_sources", "data_source_name", "data_source_proto", 12},
	{"on_demand_feature_views", "feature_view_name", "feature_view_proto", 8},
	{"stream_feature_views", "feature_view_name", "feature_view_proto", 14},
	{"feature_services", "feature_service_name", "feature_service_proto", 7},
	{"saved_datasets", "saved_dataset_name", "saved_dataset_proto", 11},
	{"validation_references", "validation_reference_name", "validation_reference_proto", 13},
	{"permissions", "permission_name", "permission_proto", 16},
	{"label_views", "feature_view_name", "feature_view_proto", 19},
}

// Keys of the feast_metadata table.
const (
	metaLastUpdated = "last_updated_timestamp"
	metaProjectUUID = "project_uuid"
)

// schemaDDL creates Feast 0.67's registry tables that are missing, with the
// columns, keys and indexes SQLAlchemy creates for Feast (sql.py's metadata),
// so that Feast opens a registry feast-go created and the other way round.
// {BLOB} is the dialect's binary type.
var schemaDDL = []struct{ table, columns string }{
	{"projects", "project_id VARCHAR(255) NOT NULL, project_name VARCHAR(255) NOT NULL, last_updated_timestamp BIGINT NOT NULL, project_proto {BLOB} NOT NULL, PRIMARY KEY (project_id)"},
	{"entities", "entity_name VARCHAR(255) NOT NULL, project_id VARCHAR(255) NOT NULL, last_updated_timestamp BIGINT NOT NULL, entity_proto {BLOB} NOT NULL, PRIMARY KEY (entity_name, project_id)"},
	{"data_sources", "data_source_name VARCHAR(255) NOT NULL, project_id VARCHAR(255) NOT NULL, last_updated_timestamp BIGINT NOT NULL, data_source_proto {BLOB} NOT NULL, PRIMARY KEY (data_source_name, project_id)"},
	{"feature_views", "feature_view_name VARCHAR(255) NOT NULL, project_id VARCHAR(255) NOT NULL, last_updated_timestamp BIGINT NOT NULL, materialized_intervals {BLOB}, feature_view_proto {BLOB} NOT NULL, user_metadata {BLOB}, PRIMARY KEY (feature_view_name, project_id)"},
	{"stream_feature_views", "feature_view_name VARCHAR(255) NOT NULL, project_id VARCHAR(255) NOT NULL, last_updated_timestamp BIGINT NOT NULL, feature_view_proto {BLOB} NOT NULL, user_metadata {BLOB}, PRIMARY KEY (feature_view_name, project_id)"},
	{"on_demand_feature_views", "feature_view_name VARCHAR(255) NOT NULL, project_id VARCHAR(255) NOT NULL, last_updated_timestamp BIGINT NOT NULL, feature_view_proto {BLOB} NOT NULL, user_metadata {BLOB}, PRIMARY KEY (feature_view_name, project_id)"},
	{"label_views", "feature_view_name VARCHAR(255) NOT NULL, project_id VARCHAR(255) NOT NULL, last_updated_timestamp BIGINT NOT NULL, feature_view_proto {BLOB} NOT NULL, user_metadata {BLOB}, PRIMARY KEY (feature_view_name, project_id)"},
	{"feature_services", "feature_service_name VARCHAR(255) NOT NULL, project_id VARCHAR(255) NOT NULL, last_updated_timestamp BIGINT NOT NULL, feature_service_proto {BLOB} NOT NULL, PRIMARY KEY (feature_service_name, project_id)"},
	{"saved_datasets", "saved_dataset_name VARCHAR(255) NOT NULL, project_id VARCHAR(255) NOT NULL, last_updated_timestamp BIGINT NOT NULL, saved_dataset_proto {BLOB} NOT NULL, PRIMARY KEY (saved_dataset_name, project_id)"},
	{"validation_references", "validation_reference_name VARCHAR(255) NOT NULL, project_id VARCHAR(255) NOT NULL, last_updated_timestamp BIGINT NOT NULL, validation_reference_proto {BLOB} NOT NULL, PRIMARY KEY (validation_reference_name, project_id)"},
	{"managed_infra", "infra_name VARCHAR(255) NOT NULL, project_id VARCHAR(255) NOT NULL, last_updated_timestamp BIGINT NOT NULL, infra_proto {BLOB} NOT NULL, PRIMARY KEY (infra_name, project_id)"},
	{"permissions", "permission_name VARCHAR(255) NOT NULL, project_id VARCHAR(255) NOT NULL, last_updated_timestamp BIGINT NOT NULL, permission_proto {BLOB} NOT NULL, PRIMARY KEY (permission_name, project_id)"},
	{"feature_view_version_history", "feature_view_name VARCHAR(255) NOT NULL, project_id VARCHAR(255) NOT NULL, version_number INTEGER NOT NULL, feature_view_type VARCHAR(50) NOT NULL, feature_view_proto {BLOB} NOT NULL, created_timestamp BIGINT NOT NULL, description TEXT, version_id VARCHAR(36) NOT NULL, PRIMARY KEY (feature_view_name, project_id, version_number)"},
	{"feast_metadata", "project_id VARCHAR(255) NOT NULL, metadata_key VARCHAR(50) NOT NULL, metadata_value TEXT NOT NULL, last_updated_timestamp BIGINT NOT NULL, PRIMARY KEY (project_id, metadata_key)"},
}

// indexName is the project_id index Feast declares on a table.
func indexName(table string) string {
	if table == "feature_view_version_history" {
		return "idx_fv_version_history_project_id"
	}
	return "idx_" + table + "_project_id"
}

// createStatements are the statements that create the missing tables.
func createStatements(dialect string) []string {
	var out []string
	for _, t := range schemaDDL {
		blob := map[string]string{dialectMySQL: "LONGBLOB", dialectPostgres: "BYTEA"}[dialect]
		if blob == "" {
			blob = "BLOB"
		}
		cols := strings.ReplaceAll(t.columns, "{BLOB}", blob)
		if dialect == dialectMySQL { // MySQL has no CREATE INDEX IF NOT EXISTS: the index goes with the table
			out = append(out, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s, INDEX %s (project_id))", t.table, cols, indexName(t.table)))
			continue
		}
		out = append(out, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s)", t.table, cols),
			fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (project_id)", indexName(t.table), t.table))
	}
	return out
}

// sqlTarget is a SQLAlchemy URL mapped to a Go driver.
type sqlTarget struct {
	driver, dialect, dsn string
}

// sqlTargetOf maps the SQLAlchemy URL Feast takes in registry.path to a Go
// database/sql driver and DSN. A relative SQLite path is taken from the
// repository folder.
func sqlTargetOf(raw, repoDir string) (sqlTarget, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return sqlTarget{}, fmt.Errorf("expected a SQLAlchemy URL such as postgresql://user@host/db, mysql://user@host/db or sqlite:///registry.db")
	}
	base, _, _ := strings.Cut(scheme, "+") // postgresql+psycopg, mysql+pymysql
	switch base {
	case "sqlite":
		path, _, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "?") // sqlite:///rel, sqlite:////abs
		if path == "" || path == ":memory:" {
			return sqlTarget{}, fmt.Errorf("a SQLite registry needs a file (sqlite:///path/to/registry.db); an in-memory database would be gone at exit")
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(repoDir, path)
		}
		return sqlTarget{"sqlite", dialectSQLite, sqlitefile.URI(path, "_pragma=busy_timeout(20000)&_pragma=foreign_keys(0)&_txlock=immediate")}, nil
	case "postgresql", "postgres":
		u, err := url.Parse("postgresql://" + rest)
		if err != nil {
			return sqlTarget{}, fmt.Errorf("bad PostgreSQL URL: %v", redactURLError(err))
		}
		q := u.Query()
		if q.Get("connect_timeout") == "" {
			q.Set("connect_timeout", "10")
		}
		u.RawQuery = q.Encode()
		return sqlTarget{"pgx", dialectPostgres, u.String()}, nil
	case "mysql", "mariadb":
		dsn, err := mysqlDSN(rest)
		if err != nil {
			return sqlTarget{}, err
		}
		return sqlTarget{"mysql", dialectMySQL, dsn}, nil
	}
	return sqlTarget{}, fmt.Errorf("database %q is not supported; expected postgresql://, mysql:// or sqlite:///", scheme)
}

// mysqlDSN turns the part of mysql://user:pass@host:port/db?charset=utf8mb4
// after the scheme into a go-sql-driver DSN.
func mysqlDSN(rest string) (string, error) {
	u, err := url.Parse("mysql://" + rest)
	if err != nil {
		return "", fmt.Errorf("bad MySQL URL: %v", redactURLError(err))
	}
	var b strings.Builder
	if u.User != nil {
		b.WriteString(u.User.Username())
		if p, ok := u.User.Password(); ok {
			b.WriteString(":" + p)
		}
		b.WriteString("@")
	}
	q := u.Query()
	params := url.Values{"timeout": {"10s"}, "readTimeout": {"60s"}, "writeTimeout": {"60s"}}
	switch sock := q.Get("unix_socket"); {
	case sock != "":
		b.WriteString("unix(" + sock + ")")
	default:
		host := u.Host
		if host == "" {
			host = "127.0.0.1"
		}
		if u.Port() == "" {
			host += ":3306"
		}
		b.WriteString("tcp(" + host + ")")
	}
	b.WriteString("/" + strings.TrimPrefix(u.Path, "/"))
	for k, v := range q {
		switch k {
		case "unix_socket":
		case "charset":
			params.Set("charset", v[0])
		default:
			return "", fmt.Errorf("MySQL URL parameter %q is not supported by feast-go (it takes charset and unix_socket)", k)
		}
	}
	return b.String() + "?" + params.Encode(), nil
}

// redactURLError keeps a URL parse error from repeating the URL, which may
// hold a password.
func redactURLError(err error) string {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err.Error()
	}
	return "malformed"
}

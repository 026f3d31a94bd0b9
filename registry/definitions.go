package registry

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Top-level sections of a definitions file.
var definitionSections = []string{"entities", "data_sources", "feature_views", "feature_services"}

// FindDefinitionFiles lists the YAML definition files under dir: every *.yaml
// and *.yml except feature_store.yaml, skipping hidden folders. A YAML file
// whose top level has none of the definition sections is not a definitions
// file and is left out.
func FindDefinitionFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		ext := filepath.Ext(p)
		if (ext != ".yaml" && ext != ".yml") || d.Name() == ConfigFileName {
			return nil
		}
		ok, err := isDefinitionsFile(p)
		if err != nil {
			return err
		}
		if ok {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find definitions: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

func isDefinitionsFile(p string) (bool, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return false, err
	}
	var top map[string]any
	if yaml.Unmarshal(data, &top) != nil {
		return true, nil // broken YAML in the repository: let the loader report where
	}
	for _, s := range definitionSections {
		if _, ok := top[s]; ok {
			return true, nil
		}
	}
	return false, nil
}

// LoadDefinitions reads definition files and merges them into one project's
// objects. Names and references are checked by Validate, not here.
func LoadDefinitions(project string, files []string) (*Objects, error) {
	o := &Objects{Project: project}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read definitions: %w", err)
		}
		if err := ParseDefinitions(o, f, data); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// ParseDefinitions adds the objects of one definitions file to o.
func ParseDefinitions(o *Objects, file string, data []byte) error {
	root, err := parseYAMLDocument(file, data)
	if err != nil || root == nil {
		return err
	}
	top, err := asMapping(file, "definitions file", root)
	if err != nil {
		return err
	}
	if err := top.allowOnly("definitions file", definitionSections...); err != nil {
		return err
	}
	var errs ValidationErrors
	each := func(section string, fn func(*mapping) error) {
		n, ok := top.keys[section]
		if !ok || isNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			errs = append(errs, inputErrorf(posOf(file, n), "%s must be a list, found %s", section, describeNode(n)))
			return
		}
		for _, item := range n.Content {
			m, err := asMapping(file, section+" entry", item)
			if err == nil {
				err = fn(m)
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	each("entities", func(m *mapping) error {
		e, err := parseEntity(m)
		if err == nil {
			o.Entities = append(o.Entities, e)
		}
		return err
	})
	each("data_sources", func(m *mapping) error {
		ds, err := parseDataSource(m)
		if err == nil {
			o.DataSources = append(o.DataSources, ds)
		}
		return err
	})
	each("feature_views", func(m *mapping) error {
		fv, err := parseFeatureView(m)
		if err == nil {
			o.FeatureViews = append(o.FeatureViews, fv)
		}
		return err
	})
	each("feature_services", func(m *mapping) error {
		fs, err := parseFeatureService(m)
		if err == nil {
			o.FeatureServices = append(o.FeatureServices, fs)
		}
		return err
	})
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func parseCommon(m *mapping, what string, name, desc, owner *string, tags *map[string]string) error {
	if err := m.required(what, "name", name); err != nil {
		return err
	}
	if err := m.decodeEach(kv{"description", desc}, kv{"owner", owner}, kv{"tags", tags}); err != nil {
		return err
	}
	return nil
}

func parseEntity(m *mapping) (*Entity, error) {
	if err := m.allowOnly("entity", "name", "join_keys", "join_key", "value_type", "description", "tags", "owner"); err != nil {
		return nil, err
	}
	e := &Entity{Pos: posOf(m.file, m.node)}
	if err := parseCommon(m, "entity", &e.Name, &e.Description, &e.Owner, &e.Tags); err != nil {
		return nil, err
	}
	var keys []string
	if err := m.decode("join_keys", &keys); err != nil {
		return nil, err
	}
	if err := m.str("join_key", &e.JoinKey); err != nil {
		return nil, err
	}
	switch {
	case len(keys) > 1:
		return nil, inputErrorf(m.pos("join_keys"), "entity %q: Feast entities have exactly one join key, found %d (define one entity per key)", e.Name, len(keys))
	case len(keys) == 1 && e.JoinKey != "" && keys[0] != e.JoinKey:
		return nil, inputErrorf(m.pos("join_key"), "entity %q: join_key %q and join_keys %v disagree", e.Name, e.JoinKey, keys)
	case len(keys) == 1:
		e.JoinKey = keys[0]
	case e.JoinKey == "":
		e.JoinKey = e.Name // Feast's default: the join key is the entity name
	}
	var vt string
	if err := m.str("value_type", &vt); err != nil {
		return nil, err
	}
	if vt != "" {
		t, err := ParseDtype(vt)
		if err != nil {
			return nil, inputErrorf(m.pos("value_type"), "entity %q: %v", e.Name, err)
		}
		if !ValidEntityType(t) {
			return nil, inputErrorf(m.pos("value_type"), "entity %q: value_type %s cannot be a join key; expected STRING, BYTES, INT32, INT64 or UNIX_TIMESTAMP", e.Name, vt)
		}
		e.ValueType = t
	}
	return e, nil
}

var icebergCatalogTypes = []string{"rest", "sql", "glue", "hive", "hadoop"}

func parseDataSource(m *mapping) (*DataSource, error) {
	if err := m.allowOnly("data source", "name", "iceberg", "push", "timestamp_field", "created_timestamp_column",
		"date_partition_column", "field_mapping", "description", "tags", "owner"); err != nil {
		return nil, err
	}
	ds := &DataSource{Pos: posOf(m.file, m.node)}
	if err := m.decodeEach(kv{"name", &ds.Name}, kv{"description", &ds.Description}, kv{"owner", &ds.Owner}, kv{"tags", &ds.Tags},
		kv{"timestamp_field", &ds.TimestampField}, kv{"created_timestamp_column", &ds.CreatedTimestampColumn},
		kv{"date_partition_column", &ds.DatePartitionColumn}, kv{"field_mapping", &ds.FieldMapping}); err != nil {
		return nil, err
	}
	switch {
	case m.has("iceberg") && m.has("push"):
		return nil, inputErrorf(m.pos("push"), "data source %q: give one of iceberg or push, not both", ds.Name)
	case m.has("iceberg"):
		return ds, parseIceberg(m, ds)
	case m.has("push"):
		ds.Type = SourcePush
		pm, err := asMapping(m.file, "push", m.keys["push"])
		if err != nil {
			return nil, err
		}
		if err := pm.allowOnly("push source", "batch_source"); err != nil {
			return nil, err
		}
		var batch string
		if err := pm.required("push source "+strconv.Quote(ds.Name), "batch_source", &batch); err != nil {
			return nil, err
		}
		if ds.Name == "" {
			return nil, inputErrorf(ds.Pos, "push source: key \"name\" is required")
		}
		// Resolved to the named source by Validate.
		ds.BatchSource = &DataSource{Name: batch, Pos: pm.pos("batch_source")}
		return ds, nil
	}
	return nil, inputErrorf(ds.Pos, "data source %q: expected an iceberg: or push: section", ds.Name)
}

func parseIceberg(m *mapping, ds *DataSource) error {
	ds.Type = SourceIceberg
	im, err := asMapping(m.file, "iceberg", m.keys["iceberg"])
	if err != nil {
		return err
	}
	if err := im.allowOnly("iceberg source", "catalog_type", "catalog_name", "endpoint", "uri", "warehouse", "namespace",
		"table", "token_env_var", "credential_vending", "catalog_properties"); err != nil {
		return err
	}
	o := &IcebergOptions{CatalogType: "rest", CatalogName: "feast_iceberg", CredentialVending: true}
	if err := im.decodeEach(kv{"catalog_type", &o.CatalogType}, kv{"catalog_name", &o.CatalogName}, kv{"endpoint", &o.Endpoint}, kv{"uri", &o.Endpoint},
		kv{"warehouse", &o.Warehouse}, kv{"namespace", &o.Namespace}, kv{"table", &o.Table},
		kv{"token_env_var", &o.TokenEnvVar}, kv{"credential_vending", &o.CredentialVending}, kv{"catalog_properties", &o.CatalogProperties}); err != nil {
		return err
	}
	what := "iceberg source " + strconv.Quote(ds.Name)
	for _, k := range []struct {
		key string
		val string
	}{{"warehouse", o.Warehouse}, {"namespace", o.Namespace}, {"table", o.Table}} {
		if k.val == "" {
			return inputErrorf(im.pos(k.key), "%s: key %q is required", what, k.key)
		}
	}
	if !slices.Contains(icebergCatalogTypes, o.CatalogType) {
		return inputErrorf(im.pos("catalog_type"), "%s: catalog_type %q; expected one of %s", what, o.CatalogType, strings.Join(icebergCatalogTypes, ", "))
	}
	if ds.Name == "" {
		ds.Name = o.Warehouse + "." + o.Namespace + "." + o.Table // Feast's default name
	}
	if ds.TimestampField == "" {
		return inputErrorf(ds.Pos, "%s: key \"timestamp_field\" is required (the event time column)", what)
	}
	ds.Iceberg = o
	return nil
}

func parseFeatureView(m *mapping) (*FeatureView, error) {
	if err := m.allowOnly("feature view", "name", "entities", "ttl", "source", "schema", "online", "offline",
		"enabled", "description", "tags", "owner"); err != nil {
		return nil, err
	}
	fv := &FeatureView{Online: true, Pos: posOf(m.file, m.node)}
	if err := parseCommon(m, "feature view", &fv.Name, &fv.Description, &fv.Owner, &fv.Tags); err != nil {
		return nil, err
	}
	enabled := true
	var source string
	if err := m.decodeEach(kv{"entities", &fv.Entities}, kv{"online", &fv.Online}, kv{"offline", &fv.Offline}, kv{"enabled", &enabled}, kv{"source", &source}); err != nil {
		return nil, err
	}
	fv.Disabled = !enabled
	if source == "" {
		return nil, inputErrorf(fv.Pos, "feature view %q: key \"source\" is required (a data source name)", fv.Name)
	}
	fv.BatchSource = &DataSource{Name: source, Pos: m.pos("source")} // resolved by Validate
	if n, ok := m.keys["ttl"]; ok && !isNull(n) {
		ttl, err := ParseTTL(n.Value)
		if err != nil || n.Kind != yaml.ScalarNode {
			return nil, inputErrorf(posOf(m.file, n), "feature view %q: ttl %s: expected a duration such as 24h, 7d or 3600 (seconds), or 0 for none", fv.Name, describeNode(n))
		}
		fv.TTL = ttl
	}
	sn, ok := m.keys["schema"]
	if !ok || sn.Kind != yaml.SequenceNode || len(sn.Content) == 0 {
		return nil, inputErrorf(m.pos("schema"), "feature view %q: key \"schema\" is required: a list of {name, dtype}", fv.Name)
	}
	for _, item := range sn.Content {
		fm, err := asMapping(m.file, "schema field", item)
		if err != nil {
			return nil, err
		}
		if err := fm.allowOnly("schema field", "name", "dtype", "description", "tags"); err != nil {
			return nil, err
		}
		var f Field
		var dtype string
		if err := fm.required("schema field", "name", &f.Name); err != nil {
			return nil, err
		}
		if err := fm.required("schema field "+strconv.Quote(f.Name), "dtype", &dtype); err != nil {
			return nil, err
		}
		if f.Type, err = ParseDtype(dtype); err != nil {
			return nil, inputErrorf(fm.pos("dtype"), "feature view %q, field %q: %v", fv.Name, f.Name, err)
		}
		if err := fm.decode("description", &f.Description); err != nil {
			return nil, err
		}
		if err := fm.decode("tags", &f.Tags); err != nil {
			return nil, err
		}
		// Entity columns are split out by Validate, once entities are known.
		fv.Features = append(fv.Features, f)
	}
	return fv, nil
}

func parseFeatureService(m *mapping) (*FeatureService, error) {
	if err := m.allowOnly("feature service", "name", "features", "precompute_online", "description", "tags", "owner"); err != nil {
		return nil, err
	}
	fs := &FeatureService{Pos: posOf(m.file, m.node)}
	if err := parseCommon(m, "feature service", &fs.Name, &fs.Description, &fs.Owner, &fs.Tags); err != nil {
		return nil, err
	}
	if err := m.decode("precompute_online", &fs.PrecomputeOnline); err != nil {
		return nil, err
	}
	n, ok := m.keys["features"]
	if !ok || n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, inputErrorf(m.pos("features"), "feature service %q: key \"features\" is required: a list of feature view names or \"view:[f1, f2]\"", fs.Name)
	}
	for _, item := range n.Content {
		p, err := parseProjection(m.file, fs.Name, item)
		if err != nil {
			return nil, err
		}
		fs.Projections = append(fs.Projections, p)
	}
	return fs, nil
}

// parseProjection reads "view", "view:[f1, f2]" or {view, alias, features, join_key_map}.
// Feature types are filled in by Validate from the view.
func parseProjection(file, svc string, n *yaml.Node) (Projection, error) {
	var p Projection
	if n.Kind == yaml.ScalarNode {
		ref := strings.TrimSpace(n.Value)
		view, list, hasList := strings.Cut(ref, ":")
		p.View = strings.TrimSpace(view)
		if hasList {
			list = strings.TrimSpace(list)
			if !strings.HasPrefix(list, "[") || !strings.HasSuffix(list, "]") {
				return p, inputErrorf(posOf(file, n), "feature service %q: %q: expected \"view\" or \"view:[f1, f2]\"", svc, ref)
			}
			for _, f := range strings.Split(list[1:len(list)-1], ",") {
				if f = strings.TrimSpace(f); f != "" {
					p.Features = append(p.Features, Field{Name: f})
				}
			}
			if len(p.Features) == 0 {
				return p, inputErrorf(posOf(file, n), "feature service %q: %q selects no features", svc, ref)
			}
		}
		if p.View == "" {
			return p, inputErrorf(posOf(file, n), "feature service %q: empty feature view reference", svc)
		}
		return p, nil
	}
	m, err := asMapping(file, "feature reference", n)
	if err != nil {
		return p, err
	}
	if err := m.allowOnly("feature reference", "view", "alias", "features", "join_key_map"); err != nil {
		return p, err
	}
	var names []string
	if err := m.required("feature service "+strconv.Quote(svc)+" reference", "view", &p.View); err != nil {
		return p, err
	}
	if err := m.decodeEach(kv{"alias", &p.Alias}, kv{"features", &names}, kv{"join_key_map", &p.JoinKeyMap}); err != nil {
		return p, err
	}
	for _, name := range names {
		p.Features = append(p.Features, Field{Name: name})
	}
	return p, nil
}

// ParseTTL reads a feature view ttl: a Go duration (24h, 90m), a number of days
// or weeks (7d, 2w), or a plain number of seconds. 0 means no expiry.
func ParseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty ttl")
	}
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		if secs < 0 {
			return 0, errors.New("negative ttl")
		}
		return time.Duration(secs) * time.Second, nil
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseFloat(n, 64)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("bad ttl %q", s)
			}
			return time.Duration(v * float64(unit)), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad ttl %q", s)
	}
	return d, nil
}

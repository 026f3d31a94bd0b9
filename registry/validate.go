package registry

import (
	"fmt"
	"slices"
	"strings"
)

// Validate resolves the references between definitions (sources, entities,
// feature views) and checks everything apply must refuse. It reports every
// problem found, each with the file and line of the definition at fault. On
// success, feature views have their sources and entity columns resolved and
// service projections carry the features' types.
func (o *Objects) Validate() error {
	var errs ValidationErrors
	add := func(p Pos, format string, args ...any) { errs = append(errs, inputErrorf(p, format, args...)) }

	entities := unique(o.Entities, "entity", func(e *Entity) (string, Pos) { return e.Name, e.Pos }, add)
	joinKeys := map[string]*Entity{}
	for _, e := range o.Entities {
		if entities[e.Name] != e {
			continue // defined twice: reported
		}
		if prev, dup := joinKeys[e.JoinKey]; dup {
			add(e.Pos, "entity %q uses join key %q, as does entity %q (%s)", e.Name, e.JoinKey, prev.Name, prev.Pos)
		}
		joinKeys[e.JoinKey] = e
	}

	sources := unique(o.DataSources, "data source", func(ds *DataSource) (string, Pos) { return ds.Name, ds.Pos }, add)
	for _, ds := range o.DataSources {
		if ds.Type != SourcePush {
			continue
		}
		b, ok := sources[ds.BatchSource.Name]
		switch {
		case !ok:
			add(ds.BatchSource.Pos, "push source %q: batch_source %q is not a defined data source", ds.Name, ds.BatchSource.Name)
		case b.Type != SourceIceberg:
			add(ds.BatchSource.Pos, "push source %q: batch_source %q must be an iceberg source", ds.Name, b.Name)
		default:
			// Feast copies the batch source's timestamp columns and mapping onto the push source.
			ds.BatchSource = b
			ds.TimestampField, ds.CreatedTimestampColumn = b.TimestampField, b.CreatedTimestampColumn
			ds.DatePartitionColumn, ds.FieldMapping = b.DatePartitionColumn, cloneMap(b.FieldMapping)
		}
	}

	views := unique(o.FeatureViews, "feature view", func(fv *FeatureView) (string, Pos) { return fv.Name, fv.Pos }, add)
	for _, fv := range o.FeatureViews {
		if views[fv.Name] == fv {
			o.resolveView(fv, entities, sources, add)
		}
	}

	unique(o.FeatureServices, "feature service", func(fs *FeatureService) (string, Pos) { return fs.Name, fs.Pos }, add)
	services := map[string]bool{}
	for _, fs := range o.FeatureServices {
		if !services[fs.Name] {
			services[fs.Name] = true
			resolveService(fs, views, add)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func (o *Objects) resolveView(fv *FeatureView, entities map[string]*Entity, sources map[string]*DataSource, add func(Pos, string, ...any)) {
	if strings.HasPrefix(fv.Name, "__") {
		add(fv.Pos, "feature view %q: names starting with \"__\" are reserved by Feast", fv.Name)
	}
	src, ok := sources[fv.BatchSource.Name]
	switch {
	case !ok:
		add(fv.BatchSource.Pos, "feature view %q: source %q is not a defined data source", fv.Name, fv.BatchSource.Name)
		fv.BatchSource = nil
	case src.Type == SourcePush:
		fv.StreamSource, fv.BatchSource = src, src.BatchSource
	default:
		fv.BatchSource = src
	}
	if len(fv.Entities) == 0 {
		add(fv.Pos, "feature view %q: key \"entities\" is required (feast-go does not write entityless views)", fv.Name)
	}
	schema := map[string]Field{}
	for _, f := range fv.Features {
		if _, dup := schema[f.Name]; dup {
			add(fv.Pos, "feature view %q: field %q appears twice in the schema", fv.Name, f.Name)
		}
		schema[f.Name] = f
	}
	var cols []Field
	for _, name := range fv.Entities {
		e, ok := entities[name]
		if !ok {
			add(fv.Pos, "feature view %q: entity %q is not defined", fv.Name, name)
			continue
		}
		col, inSchema := schema[e.JoinKey]
		switch {
		case inSchema && !ValidEntityType(col.Type):
			add(fv.Pos, "feature view %q: join key %q has dtype %s, which cannot be an entity key; expected String, Bytes, Int32, Int64 or UnixTimestamp", fv.Name, e.JoinKey, DtypeName(col.Type))
		case inSchema && e.ValueType != 0 && col.Type != e.ValueType:
			add(fv.Pos, "feature view %q: join key %q has dtype %s but entity %q says %s", fv.Name, e.JoinKey, DtypeName(col.Type), e.Name, DtypeName(e.ValueType))
		case !inSchema && e.ValueType == 0:
			add(fv.Pos, "feature view %q: the type of join key %q is unknown; add it to the schema or give entity %q a value_type", fv.Name, e.JoinKey, e.Name)
		case !inSchema:
			col = Field{Name: e.JoinKey, Type: e.ValueType}
		}
		cols = append(cols, col)
	}
	fv.EntityColumns = cols
	fv.Features = slices.DeleteFunc(fv.Features, func(f Field) bool {
		return slices.ContainsFunc(cols, func(c Field) bool { return c.Name == f.Name })
	})
	if src != nil && src.TimestampField != "" {
		fv.Features = slices.DeleteFunc(fv.Features, func(f Field) bool {
			return f.Name == src.TimestampField || f.Name == src.CreatedTimestampColumn
		})
	}
	if len(fv.Features) == 0 {
		add(fv.Pos, "feature view %q has no features (its schema lists only join keys and timestamps)", fv.Name)
	}
}

func resolveService(fs *FeatureService, views map[string]*FeatureView, add func(Pos, string, ...any)) {
	names := map[string]bool{}
	for i := range fs.Projections {
		p := &fs.Projections[i]
		fv, ok := views[p.View]
		if !ok {
			add(fs.Pos, "feature service %q: feature view %q is not defined", fs.Name, p.View)
			continue
		}
		if names[p.NameToUse()] {
			add(fs.Pos, "feature service %q: %q is used twice; give one of them an alias", fs.Name, p.NameToUse())
		}
		names[p.NameToUse()] = true
		if len(p.Features) == 0 {
			p.Features = slices.Clone(fv.Features)
			continue
		}
		for j, f := range p.Features {
			full, ok := fv.Feature(f.Name)
			if !ok {
				add(fs.Pos, "feature service %q: feature view %q has no feature %q", fs.Name, p.View, f.Name)
				continue
			}
			p.Features[j] = full
		}
	}
	if fs.PrecomputeOnline {
		checkPrecomputeKeys(fs, views, add)
	}
}

// checkPrecomputeKeys refuses a precomputed service whose views are keyed
// differently: its vectors are stored under one entity key, and Feast silently
// returns nulls for the other views.
func checkPrecomputeKeys(fs *FeatureService, views map[string]*FeatureView, add func(Pos, string, ...any)) {
	var first *FeatureView
	var firstKeys []string
	for _, p := range fs.Projections {
		fv, ok := views[p.View]
		if !ok {
			continue
		}
		keys := mappedJoinKeys(fv, p.JoinKeyMap)
		if first == nil {
			first, firstKeys = fv, keys
			continue
		}
		if !slices.Equal(keys, firstKeys) {
			add(fs.Pos, "feature service %q has precompute_online: true, but its feature views have different join keys: %q has %s, %q has %s. A precomputed vector is stored under one entity key; split the service by join keys or turn precompute_online off",
				fs.Name, first.Name, fmt.Sprint(firstKeys), fv.Name, fmt.Sprint(keys))
			return
		}
	}
}

func mappedJoinKeys(fv *FeatureView, m map[string]string) []string {
	keys := fv.JoinKeys()
	for i, k := range keys {
		if to, ok := m[k]; ok {
			keys[i] = to
		}
	}
	slices.Sort(keys)
	return keys
}

// unique indexes items by name and reports every later definition of a name
// already taken (the first one wins).
func unique[T any](items []T, kind string, key func(T) (string, Pos), add func(Pos, string, ...any)) map[string]T {
	out := make(map[string]T, len(items))
	for _, it := range items {
		name, pos := key(it)
		if prev, dup := out[name]; dup {
			_, prevPos := key(prev)
			add(pos, "%s %q is defined twice (also at %s)", kind, name, prevPos)
			continue
		}
		out[name] = it
	}
	return out
}

package push

import (
	"fmt"
	"strings"

	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/ingest"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
)

// Target is where pushed rows go (Feast's PushMode, same numbers).
type Target int

// Push targets.
const (
	Online           Target = 1
	Offline          Target = 2
	OnlineAndOffline Target = 3
)

// ParseTarget reads online | offline | online_and_offline.
func ParseTarget(s string) (Target, error) {
	switch s {
	case "online", "":
		return Online, nil
	case "offline":
		return Offline, nil
	case "online_and_offline":
		return OnlineAndOffline, nil
	}
	return 0, fmt.Errorf("push target %q: expected online, offline or online_and_offline", s)
}

func (t Target) String() string {
	return [...]string{"", "online", "offline", "online_and_offline"}[t]
}

func (t Target) online() bool  { return t&Online != 0 }
func (t Target) offline() bool { return t&Offline != 0 }

// Targets finds the push source and the feature views it feeds (Feast:
// every view whose stream source is that push source).
func Targets(objs *registry.Objects, name string) (*registry.DataSource, []*registry.FeatureView, error) {
	src, err := objs.DataSource(name)
	if err != nil {
		var names []string
		for _, ds := range objs.DataSources {
			if ds.Type == registry.SourcePush {
				names = append(names, ds.Name)
			}
		}
		return nil, nil, fmt.Errorf("push source %q not found in project %q (push sources: %s)", name, objs.Project, orNone(names))
	}
	if src.Type != registry.SourcePush {
		return nil, nil, fmt.Errorf("data source %q is not a push source", name)
	}
	var views []*registry.FeatureView
	for _, fv := range objs.FeatureViews {
		if fv.StreamSource != nil && fv.StreamSource.Name == name {
			views = append(views, fv)
		}
	}
	if len(views) == 0 {
		return nil, nil, fmt.Errorf("push source %q feeds no feature view", name)
	}
	return src, views, nil
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// pushColumns is what the input must hold: every column the target views
// read, typed from the Feast dtypes (online only) or from the Iceberg table
// (offline: all its columns, so the append has the table's schema).
func pushColumns(views []*registry.FeatureView, tbl *catalog.SourceTable) ([]ingest.Column, error) {
	var cols []ingest.Column
	at := map[string]int{}
	if tbl != nil {
		// The table's columns, in its order, with its types, every one of them
		// required: a row appended without a column would hold null there, and
		// the next materialization would take that null as the newest value of
		// a feature the push never carried (Feast refuses such a push too).
		for _, f := range tbl.Arrow.Fields() {
			at[f.Name] = len(cols)
			cols = append(cols, ingest.Column{Name: f.Name, Type: f.Type, NotNull: !f.Nullable, Required: true})
		}
	}
	need := func(name string, vt registry.ValueType, notNull, required bool, role string) error {
		if i, ok := at[name]; ok {
			c := &cols[i]
			c.NotNull, c.Required = c.NotNull || notNull, c.Required || required
			if c.Role == "" {
				c.Role = role
			}
			return nil
		}
		t, err := onlinestore.ArrowType(vt)
		if err != nil {
			return fmt.Errorf("%s: %w", role, err)
		}
		at[name] = len(cols)
		cols = append(cols, ingest.Column{Name: name, Type: t, NotNull: notNull, Required: required, Role: role})
		return nil
	}
	for _, fv := range views {
		c := catalog.ResolveColumns(fv)
		for i, name := range c.JoinKeys {
			e := fv.EntityColumns[i]
			if err := need(name, e.Type, true, true, fmt.Sprintf("join key %s of %s, %s", e.Name, fv.Name, registry.DtypeName(e.Type))); err != nil {
				return nil, err
			}
		}
		for i, name := range c.Features {
			f := fv.Features[i]
			if err := need(name, f.Type, false, true, fmt.Sprintf("feature %s of %s, %s", f.Name, fv.Name, registry.DtypeName(f.Type))); err != nil {
				return nil, err
			}
		}
		if err := need(c.Timestamp, feastpb.ValueType_UNIX_TIMESTAMP, true, true, "event timestamp of "+fv.Name); err != nil {
			return nil, err
		}
		if c.Created != "" {
			if err := need(c.Created, feastpb.ValueType_UNIX_TIMESTAMP, false, false, "created timestamp of "+fv.Name); err != nil {
				return nil, err
			}
		}
	}
	for i := range cols {
		if cols[i].Role == "" && tbl != nil {
			cols[i].Role = "column of " + tbl.Name + "; an offline push carries every column of the table"
		}
	}
	return cols, nil
}

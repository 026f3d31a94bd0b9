package materialize

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/ingest"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
)

// PushTo is where pushed rows go (Feast's PushMode, same numbers).
type PushTo int

// Push targets.
const (
	PushOnline           PushTo = 1
	PushOffline          PushTo = 2
	PushOnlineAndOffline PushTo = 3
)

// ParsePushTo reads online | offline | online_and_offline.
func ParsePushTo(s string) (PushTo, error) {
	switch s {
	case "online", "":
		return PushOnline, nil
	case "offline":
		return PushOffline, nil
	case "online_and_offline":
		return PushOnlineAndOffline, nil
	}
	return 0, fmt.Errorf("--to %q: expected online, offline or online_and_offline", s)
}

func (t PushTo) String() string {
	return [...]string{"", "online", "offline", "online_and_offline"}[t]
}

func (t PushTo) online() bool  { return t&PushOnline != 0 }
func (t PushTo) offline() bool { return t&PushOffline != 0 }

// PushTargets finds the push source and the feature views it feeds (Feast:
// every view whose stream source is that push source).
func PushTargets(objs *registry.Objects, name string) (*registry.DataSource, []*registry.FeatureView, error) {
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

// ArrowType is the Arrow type push input is converted to for a Feast value type.
func ArrowType(vt registry.ValueType) (arrow.DataType, error) {
	switch vt {
	case feastpb.ValueType_INT32:
		return arrow.PrimitiveTypes.Int32, nil
	case feastpb.ValueType_INT64:
		return arrow.PrimitiveTypes.Int64, nil
	case feastpb.ValueType_FLOAT:
		return arrow.PrimitiveTypes.Float32, nil
	case feastpb.ValueType_DOUBLE:
		return arrow.PrimitiveTypes.Float64, nil
	case feastpb.ValueType_BOOL:
		return arrow.FixedWidthTypes.Boolean, nil
	case feastpb.ValueType_STRING:
		return arrow.BinaryTypes.String, nil
	case feastpb.ValueType_BYTES:
		return arrow.BinaryTypes.Binary, nil
	case feastpb.ValueType_UNIX_TIMESTAMP:
		return eventTimeType, nil
	case feastpb.ValueType_INT32_LIST, feastpb.ValueType_INT64_LIST, feastpb.ValueType_FLOAT_LIST, feastpb.ValueType_DOUBLE_LIST,
		feastpb.ValueType_BOOL_LIST, feastpb.ValueType_STRING_LIST, feastpb.ValueType_BYTES_LIST, feastpb.ValueType_UNIX_TIMESTAMP_LIST:
		elem, err := ArrowType(vt - (feastpb.ValueType_BYTES_LIST - feastpb.ValueType_BYTES))
		if err != nil {
			return nil, err
		}
		return arrow.ListOf(elem), nil
	}
	return nil, fmt.Errorf("value type %s cannot be pushed", registry.DtypeName(vt))
}

var eventTimeType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// pushColumns is what the input must hold: every column the target views
// read, typed from the Feast dtypes (online only) or from the Iceberg table
// (offline: all its columns, so the append has the table's schema).
func pushColumns(views []*registry.FeatureView, tbl *catalog.SourceTable) ([]ingest.Column, error) {
	var cols []ingest.Column
	at := map[string]int{}
	if tbl != nil { // the table's columns, in its order, with its types
		for _, f := range tbl.Arrow.Fields() {
			at[f.Name] = len(cols)
			cols = append(cols, ingest.Column{Name: f.Name, Type: f.Type, NotNull: !f.Nullable, Required: !f.Nullable})
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
		t, err := ArrowType(vt)
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
	return cols, nil
}

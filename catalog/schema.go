package catalog

import (
	"fmt"

	"github.com/apache/iceberg-go"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
)

// SchemaError names the feature view, table and column that do not fit.
type SchemaError struct {
	View, Table, Column string
	Found, Expected     string
}

func (e *SchemaError) Error() string {
	if e.Found == "" {
		return fmt.Sprintf("feature view %q: table %s has no column %q (expected %s)", e.View, e.Table, e.Column, e.Expected)
	}
	return fmt.Sprintf("feature view %q: table %s column %q is %s; expected %s", e.View, e.Table, e.Column, e.Found, e.Expected)
}

func (e *SchemaError) Unwrap() error { return ErrSchema }

// checkSchema verifies every column the view reads exists with a type that can
// become the feature's dtype, and returns the timestamp column's field.
func checkSchema(fv *registry.FeatureView, tname string, s *iceberg.Schema, cols Columns) (iceberg.NestedField, error) {
	field := func(col, expected string) (iceberg.NestedField, error) {
		f, ok := s.FindFieldByName(col)
		if !ok {
			return f, &SchemaError{View: fv.Name, Table: tname, Column: col, Expected: expected}
		}
		return f, nil
	}
	check := func(col string, vt registry.ValueType, key bool) error {
		want := registry.DtypeName(vt)
		f, err := field(col, want)
		if err != nil {
			return err
		}
		ok := fits(f.Type, vt)
		if key {
			ok = keyFits(f.Type, vt)
		}
		if !ok {
			role := "feature"
			if key {
				role = "join key"
			}
			return &SchemaError{View: fv.Name, Table: tname, Column: col, Found: f.Type.String(), Expected: fmt.Sprintf("a type that can become the %s's dtype %s", role, want)}
		}
		return nil
	}
	for i, col := range cols.JoinKeys {
		if err := check(col, fv.EntityColumns[i].Type, true); err != nil {
			return iceberg.NestedField{}, err
		}
	}
	for i, col := range cols.Features {
		if err := check(col, fv.Features[i].Type, false); err != nil {
			return iceberg.NestedField{}, err
		}
	}
	const tsTypes = "timestamp, timestamptz or date"
	ts, err := field(cols.Timestamp, tsTypes)
	if err != nil {
		return ts, err
	}
	if !isTime(ts.Type) {
		return ts, &SchemaError{View: fv.Name, Table: tname, Column: cols.Timestamp, Found: ts.Type.String(), Expected: tsTypes}
	}
	if cols.Created != "" {
		cr, err := field(cols.Created, tsTypes)
		if err != nil {
			return ts, err
		}
		if !isTime(cr.Type) {
			return ts, &SchemaError{View: fv.Name, Table: tname, Column: cols.Created, Found: cr.Type.String(), Expected: tsTypes}
		}
	}
	return ts, nil
}

func isTime(t iceberg.Type) bool {
	switch t.(type) {
	case iceberg.TimestampType, iceberg.TimestampTzType, iceberg.TimestampNsType, iceberg.TimestampTzNsType, iceberg.DateType:
		return true
	}
	return false
}

// keyFits: entity key values are converted exactly, never narrowed or reinterpreted.
func keyFits(t iceberg.Type, vt registry.ValueType) bool {
	switch vt {
	case feastpb.ValueType_INT64:
		return is[iceberg.Int64Type](t) || is[iceberg.Int32Type](t)
	case feastpb.ValueType_INT32: // a long column's values are range-checked row by row
		return is[iceberg.Int32Type](t) || is[iceberg.Int64Type](t)
	case feastpb.ValueType_STRING:
		return is[iceberg.StringType](t) || is[iceberg.UUIDType](t)
	case feastpb.ValueType_BYTES:
		return is[iceberg.BinaryType](t) || is[iceberg.FixedType](t)
	case feastpb.ValueType_UNIX_TIMESTAMP:
		return isTime(t) || is[iceberg.Int64Type](t)
	}
	return false
}

// fits follows Feast's own conversions (python_values_to_proto_values):
// integers widen, floating point converts between widths, and lists convert
// element by element.
func fits(t iceberg.Type, vt registry.ValueType) bool {
	switch vt {
	case feastpb.ValueType_INT64:
		return is[iceberg.Int64Type](t) || is[iceberg.Int32Type](t)
	case feastpb.ValueType_INT32: // as Feast: the dtype decides; values that do not fit are an error
		return is[iceberg.Int32Type](t) || is[iceberg.Int64Type](t)
	case feastpb.ValueType_DOUBLE, feastpb.ValueType_FLOAT:
		return is[iceberg.Float64Type](t) || is[iceberg.Float32Type](t) || is[iceberg.Int32Type](t) ||
			is[iceberg.Int64Type](t) || is[iceberg.DecimalType](t)
	case feastpb.ValueType_STRING, feastpb.ValueType_JSON, feastpb.ValueType_UUID, feastpb.ValueType_TIME_UUID:
		return is[iceberg.StringType](t) || is[iceberg.UUIDType](t)
	case feastpb.ValueType_DECIMAL:
		return is[iceberg.DecimalType](t) || is[iceberg.StringType](t)
	case feastpb.ValueType_BYTES:
		return is[iceberg.BinaryType](t) || is[iceberg.FixedType](t)
	case feastpb.ValueType_BOOL:
		return is[iceberg.BooleanType](t)
	case feastpb.ValueType_UNIX_TIMESTAMP:
		return isTime(t) || is[iceberg.Int64Type](t)
	}
	if elem, ok := registry.ElementType(vt); ok {
		l, isList := t.(*iceberg.ListType)
		return isList && fits(l.ElementField().Type, elem)
	}
	return false
}

func is[T iceberg.Type](t iceberg.Type) bool { _, ok := t.(T); return ok }

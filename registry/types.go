package registry

import (
	"fmt"
	"strings"

	"github.com/feast-go/feast-go/registry/feastpb"
)

// ValueType is Feast's feast.types.ValueType.Enum.
type ValueType = feastpb.ValueType_Enum

// dtypeNames maps Feast's Python dtype names (feast.types) to value types.
var dtypeNames = map[string]ValueType{
	"Bytes":          feastpb.ValueType_BYTES,
	"String":         feastpb.ValueType_STRING,
	"Int32":          feastpb.ValueType_INT32,
	"Int64":          feastpb.ValueType_INT64,
	"Float64":        feastpb.ValueType_DOUBLE,
	"Float32":        feastpb.ValueType_FLOAT,
	"Bool":           feastpb.ValueType_BOOL,
	"UnixTimestamp":  feastpb.ValueType_UNIX_TIMESTAMP,
	"Json":           feastpb.ValueType_JSON,
	"Map":            feastpb.ValueType_MAP,
	"Uuid":           feastpb.ValueType_UUID,
	"TimeUuid":       feastpb.ValueType_TIME_UUID,
	"Decimal":        feastpb.ValueType_DECIMAL,
	"ZonedTimestamp": feastpb.ValueType_ZONED_TIMESTAMP,
}

var arrayTypes = map[ValueType]ValueType{
	feastpb.ValueType_BYTES:          feastpb.ValueType_BYTES_LIST,
	feastpb.ValueType_STRING:         feastpb.ValueType_STRING_LIST,
	feastpb.ValueType_INT32:          feastpb.ValueType_INT32_LIST,
	feastpb.ValueType_INT64:          feastpb.ValueType_INT64_LIST,
	feastpb.ValueType_DOUBLE:         feastpb.ValueType_DOUBLE_LIST,
	feastpb.ValueType_FLOAT:          feastpb.ValueType_FLOAT_LIST,
	feastpb.ValueType_BOOL:           feastpb.ValueType_BOOL_LIST,
	feastpb.ValueType_UNIX_TIMESTAMP: feastpb.ValueType_UNIX_TIMESTAMP_LIST,
	feastpb.ValueType_JSON:           feastpb.ValueType_JSON_LIST,
	feastpb.ValueType_MAP:            feastpb.ValueType_MAP_LIST,
	feastpb.ValueType_UUID:           feastpb.ValueType_UUID_LIST,
	feastpb.ValueType_TIME_UUID:      feastpb.ValueType_TIME_UUID_LIST,
	feastpb.ValueType_DECIMAL:        feastpb.ValueType_DECIMAL_LIST,
}

var setTypes = map[ValueType]ValueType{
	feastpb.ValueType_BYTES:          feastpb.ValueType_BYTES_SET,
	feastpb.ValueType_STRING:         feastpb.ValueType_STRING_SET,
	feastpb.ValueType_INT32:          feastpb.ValueType_INT32_SET,
	feastpb.ValueType_INT64:          feastpb.ValueType_INT64_SET,
	feastpb.ValueType_DOUBLE:         feastpb.ValueType_DOUBLE_SET,
	feastpb.ValueType_FLOAT:          feastpb.ValueType_FLOAT_SET,
	feastpb.ValueType_BOOL:           feastpb.ValueType_BOOL_SET,
	feastpb.ValueType_UNIX_TIMESTAMP: feastpb.ValueType_UNIX_TIMESTAMP_SET,
	feastpb.ValueType_UUID:           feastpb.ValueType_UUID_SET,
	feastpb.ValueType_TIME_UUID:      feastpb.ValueType_TIME_UUID_SET,
	feastpb.ValueType_DECIMAL:        feastpb.ValueType_DECIMAL_SET,
}

// ParseDtype reads a Feast dtype as written in Python definitions: Int64,
// Float32, String, Array(Int64), Set(String), ... It also accepts the
// ValueType enum names (INT64, STRING_LIST, ...).
func ParseDtype(s string) (ValueType, error) {
	s = strings.TrimSpace(s)
	if t, ok := dtypeNames[s]; ok {
		return t, nil
	}
	for prefix, table := range map[string]map[ValueType]ValueType{"Array(": arrayTypes, "Set(": setTypes} {
		if strings.HasPrefix(s, prefix) && strings.HasSuffix(s, ")") {
			inner, err := ParseDtype(s[len(prefix) : len(s)-1])
			if err != nil {
				return 0, err
			}
			if t, ok := table[inner]; ok {
				return t, nil
			}
			return 0, fmt.Errorf("dtype %q: %s of %s is not a Feast type", s, strings.TrimSuffix(prefix, "("), inner)
		}
	}
	if t, ok := feastpb.ValueType_Enum_value[s]; ok && t != 0 && t != int32(feastpb.ValueType_NULL) {
		return ValueType(t), nil
	}
	return 0, fmt.Errorf("unknown dtype %q; expected a Feast type such as Int64, Float32, String, Bytes, Bool, UnixTimestamp, Array(Int64) or Set(String)", s)
}

// DtypeName is the Python-side name of a value type (Int64, Array(String), ...),
// or the enum name when Feast has no dtype for it.
func DtypeName(t ValueType) string {
	for name, v := range dtypeNames {
		if v == t {
			return name
		}
	}
	for inner, v := range arrayTypes {
		if v == t {
			return "Array(" + DtypeName(inner) + ")"
		}
	}
	for inner, v := range setTypes {
		if v == t {
			return "Set(" + DtypeName(inner) + ")"
		}
	}
	return t.String()
}

// ValidEntityType reports whether Feast can serialize entity keys of type t.
func ValidEntityType(t ValueType) bool {
	switch t {
	case feastpb.ValueType_STRING, feastpb.ValueType_BYTES, feastpb.ValueType_INT32,
		feastpb.ValueType_INT64, feastpb.ValueType_UNIX_TIMESTAMP:
		return true
	}
	return false
}

// ElementType is the element type of a list or set value type (Feast numbers
// them in the same order as the scalars).
func ElementType(vt ValueType) (ValueType, bool) {
	switch {
	case vt >= feastpb.ValueType_BYTES_LIST && vt <= feastpb.ValueType_UNIX_TIMESTAMP_LIST:
		return vt - (feastpb.ValueType_BYTES_LIST - feastpb.ValueType_BYTES), true
	case vt >= feastpb.ValueType_BYTES_SET && vt <= feastpb.ValueType_UNIX_TIMESTAMP_SET:
		return vt - (feastpb.ValueType_BYTES_SET - feastpb.ValueType_BYTES), true
	}
	return 0, false
}

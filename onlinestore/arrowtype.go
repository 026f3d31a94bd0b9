package onlinestore

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
)

// ArrowType is the Arrow type input (push rows, entity files) is converted to
// for a Feast value type.
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
		return timestampType, nil
	case feastpb.ValueType_INT32_LIST, feastpb.ValueType_INT64_LIST, feastpb.ValueType_FLOAT_LIST, feastpb.ValueType_DOUBLE_LIST,
		feastpb.ValueType_BOOL_LIST, feastpb.ValueType_STRING_LIST, feastpb.ValueType_BYTES_LIST, feastpb.ValueType_UNIX_TIMESTAMP_LIST:
		elem, err := ArrowType(vt - (feastpb.ValueType_BYTES_LIST - feastpb.ValueType_BYTES))
		if err != nil {
			return nil, err
		}
		return arrow.ListOf(elem), nil
	}
	return nil, fmt.Errorf("value type %s cannot be read from input files", registry.DtypeName(vt))
}

var timestampType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

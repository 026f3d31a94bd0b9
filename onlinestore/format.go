package onlinestore

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

// JSONValue is a serialized Value as a JSON-encodable Go value: nil for null,
// numbers as numbers (NaN and ±Inf as the strings "NaN", "+Inf", "-Inf",
// which JSON cannot hold), strings, booleans, bytes as base64, times as RFC
// 3339, and lists as arrays. A type feast-go does not model is its protobuf
// text.
func JSONValue(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	var v feastpb.Value
	if err := proto.Unmarshal(b, &v); err != nil {
		return fmt.Sprintf("<%x>", b)
	}
	switch x := v.GetVal().(type) {
	case nil:
		return nil
	case *feastpb.Value_StringVal:
		return x.StringVal
	case *feastpb.Value_Int32Val:
		return x.Int32Val
	case *feastpb.Value_Int64Val:
		return x.Int64Val
	case *feastpb.Value_FloatVal:
		return jsonFloat32(x.FloatVal)
	case *feastpb.Value_DoubleVal:
		return jsonFloat(x.DoubleVal)
	case *feastpb.Value_BoolVal:
		return x.BoolVal
	case *feastpb.Value_UnixTimestampVal:
		return unixTime(x.UnixTimestampVal)
	case *feastpb.Value_BytesVal:
		return base64.StdEncoding.EncodeToString(x.BytesVal)
	case *feastpb.Value_StringListVal:
		return list(x.StringListVal.GetVal(), func(s string) any { return s })
	case *feastpb.Value_Int32ListVal:
		return list(x.Int32ListVal.GetVal(), func(n int32) any { return n })
	case *feastpb.Value_Int64ListVal:
		return list(x.Int64ListVal.GetVal(), func(n int64) any { return n })
	case *feastpb.Value_FloatListVal:
		return list(x.FloatListVal.GetVal(), jsonFloat32)
	case *feastpb.Value_DoubleListVal:
		return list(x.DoubleListVal.GetVal(), jsonFloat)
	case *feastpb.Value_BoolListVal:
		return list(x.BoolListVal.GetVal(), func(b bool) any { return b })
	case *feastpb.Value_UnixTimestampListVal:
		return list(x.UnixTimestampListVal.GetVal(), unixTime)
	case *feastpb.Value_BytesListVal:
		return list(x.BytesListVal.GetVal(), func(b []byte) any { return base64.StdEncoding.EncodeToString(b) })
	}
	return strings.TrimSpace(prototext.Format(&v))
}

func list[T any](vals []T, conv func(T) any) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = conv(v)
	}
	return out
}

func jsonFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return f
}

func jsonFloat32(f float32) any {
	if s, ok := jsonFloat(float64(f)).(string); ok {
		return s
	}
	return f
}

func unixTime(secs int64) any { return time.Unix(secs, 0).UTC().Format(time.RFC3339) }

// FormatValue renders a serialized Value for people: the scalar as it is,
// "null" for an empty Value, bytes as 0x-hex, and lists in brackets with
// their strings quoted: [1, 2], ["gold", "silver"].
func FormatValue(b []byte) string {
	var v feastpb.Value
	if err := proto.Unmarshal(b, &v); err == nil {
		if x, ok := v.GetVal().(*feastpb.Value_BytesVal); ok {
			return fmt.Sprintf("0x%x", x.BytesVal)
		}
	}
	return formatAny(JSONValue(b), false)
}

func formatAny(v any, inList bool) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if inList {
			return strconv.Quote(x)
		}
		return x
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatAny(e, true)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

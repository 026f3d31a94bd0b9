package remote

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"
)

// Store is the `remote` online store: reads go to a Feast feature server's
// /get-online-features through the pooled Client. It cannot be written: the
// server owns its store, and feast-go writes Redis or SQLite directly.
type Store struct {
	Client  *Client
	Objects *registry.Objects // the feature types, to turn JSON values back into Values
}

// ErrReadOnly is a write to the remote store.
var ErrReadOnly = errors.New("the remote online store is read-only in feast-go: point feature_store.yaml at the server's Redis or SQLite store to write")

// WriteView implements onlinestore.Store; the remote store refuses writes.
func (s *Store) WriteView(context.Context, onlinestore.View, []onlinestore.Row) (onlinestore.WriteStats, error) {
	return onlinestore.WriteStats{}, ErrReadOnly
}

// DeleteView implements onlinestore.Store; the remote store refuses deletes.
func (s *Store) DeleteView(context.Context, onlinestore.View) (int64, error) { return 0, ErrReadOnly }

// Continuity is nil: the store is read-only.
func (s *Store) Continuity(context.Context) error { return nil }

// Ledger is nil: the store is read-only.
func (s *Store) Ledger(onlinestore.LedgerKind) onlinestore.Ledger { return nil }

// RunLog is nil: the store is read-only.
func (s *Store) RunLog() onlinestore.RunLog { return nil }

// RunBoard is nil: the store is read-only.
func (s *Store) RunBoard() onlinestore.RunBoard { return nil }

// KeyGroups is empty: the store is read-only.
func (s *Store) KeyGroups() onlinestore.KeyGroups { return onlinestore.KeyGroups{} }
func (s *Store) Traits() onlinestore.Traits {
	return onlinestore.Traits{TimeResolution: time.Microsecond}
}

// Close closes idle connections.
func (s *Store) Close() error { s.Client.Close(); return nil }

// ReadViews asks the server for every view's features of the entities in one
// request (full feature names) and converts the answer back into Feast's
// serialized Values. A view whose features are all NOT_FOUND is not found.
func (s *Store) ReadViews(ctx context.Context, keys [][]byte, views []onlinestore.View) ([][]onlinestore.FeatureRow, error) {
	req := &Request{Entities: map[string][]any{}, FullFeatureNames: true}
	for _, k := range keys {
		names, vals, err := onlinestore.DecodeEntityKey(k)
		if err != nil {
			return nil, err
		}
		for i, n := range names {
			req.Entities[n] = append(req.Entities[n], JSONValue(vals[i]))
		}
	}
	types := map[string]registry.ValueType{}
	for _, v := range views {
		fv, err := s.Objects.FeatureView(v.Name)
		if err != nil {
			return nil, err
		}
		for _, f := range v.Features {
			feat, ok := fv.Feature(f)
			if !ok {
				return nil, fmt.Errorf("feature view %q has no feature %q", v.Name, f)
			}
			req.Features = append(req.Features, v.Name+":"+f)
			types[v.Name+"__"+f] = feat.Type
		}
	}
	out := make([][]onlinestore.FeatureRow, len(keys))
	for i := range out {
		out[i] = make([]onlinestore.FeatureRow, len(views))
		for j, v := range views {
			out[i][j].Values = make([][]byte, len(v.Features))
		}
	}
	if len(req.Features) == 0 || len(keys) == 0 {
		return out, nil
	}
	resp, err := s.Client.GetOnlineFeatures(ctx, req)
	if err != nil {
		return nil, err
	}
	cols := map[string]Column{}
	for i, n := range resp.Metadata.FeatureNames {
		cols[n] = resp.Results[i]
	}
	for j, v := range views {
		for f, feat := range v.Features {
			name := v.Name + "__" + feat
			col, ok := cols[name]
			if !ok {
				return nil, fmt.Errorf("feature server: no column %q in the answer", name)
			}
			for i := range keys {
				row := &out[i][j]
				if col.Statuses[i] == "NOT_FOUND" {
					continue
				}
				row.Found = true
				if i < len(col.EventTimestamps) {
					if ts, err := time.Parse(time.RFC3339Nano, col.EventTimestamps[i]); err == nil && ts.After(row.EventTS) {
						row.EventTS = ts
					}
				}
				b, err := ValueFromJSON(col.Values[i], types[name])
				if err != nil {
					return nil, fmt.Errorf("feature server: %s of entity %d: %w", name, i, err)
				}
				row.Values[f] = b
			}
		}
	}
	return out, nil
}

// JSONValue is a join key value as Feast's JSON API takes it.
func JSONValue(v *feastpb.Value) any {
	switch x := v.GetVal().(type) {
	case *feastpb.Value_Int64Val:
		return x.Int64Val
	case *feastpb.Value_Int32Val:
		return x.Int32Val
	case *feastpb.Value_StringVal:
		return x.StringVal
	case *feastpb.Value_BytesVal:
		return base64.StdEncoding.EncodeToString(x.BytesVal)
	case *feastpb.Value_BoolVal:
		return x.BoolVal
	case *feastpb.Value_UnixTimestampVal:
		return x.UnixTimestampVal
	}
	return nil
}

// ValueFromJSON converts a value of Feast's JSON answer back into the
// serialized Value of the feature's type (null = empty).
func ValueFromJSON(raw json.RawMessage, vt registry.ValueType) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	v := &feastpb.Value{}
	var err error
	switch vt {
	case feastpb.ValueType_INT64, feastpb.ValueType_UNIX_TIMESTAMP:
		var n int64
		if err = json.Unmarshal(raw, &n); err == nil {
			if vt == feastpb.ValueType_INT64 {
				v.Val = &feastpb.Value_Int64Val{Int64Val: n}
			} else {
				v.Val = &feastpb.Value_UnixTimestampVal{UnixTimestampVal: n}
			}
		}
	case feastpb.ValueType_INT32:
		var n int32
		if err = json.Unmarshal(raw, &n); err == nil {
			v.Val = &feastpb.Value_Int32Val{Int32Val: n}
		}
	case feastpb.ValueType_DOUBLE, feastpb.ValueType_FLOAT:
		var f float64
		if f, err = jsonFloat(raw); err == nil {
			if vt == feastpb.ValueType_DOUBLE {
				v.Val = &feastpb.Value_DoubleVal{DoubleVal: f}
			} else {
				v.Val = &feastpb.Value_FloatVal{FloatVal: float32(f)}
			}
		}
	case feastpb.ValueType_STRING:
		var s string
		if err = json.Unmarshal(raw, &s); err == nil {
			v.Val = &feastpb.Value_StringVal{StringVal: s}
		}
	case feastpb.ValueType_BYTES:
		var b []byte // base64 in JSON
		if err = json.Unmarshal(raw, &b); err == nil {
			v.Val = &feastpb.Value_BytesVal{BytesVal: b}
		}
	case feastpb.ValueType_BOOL:
		var b bool
		if err = json.Unmarshal(raw, &b); err == nil {
			v.Val = &feastpb.Value_BoolVal{BoolVal: b}
		}
	default:
		return listFromJSON(raw, vt)
	}
	if err != nil {
		return nil, fmt.Errorf("value %s is not a %s: %w", raw, registry.DtypeName(vt), err)
	}
	return proto.Marshal(v)
}

// jsonFloat reads a number, or the strings Feast writes for non-finite floats.
func jsonFloat(raw json.RawMessage) (float64, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
		return strconv.ParseFloat(s, 64)
	}
	var f float64
	err := json.Unmarshal(raw, &f)
	return f, err
}

func listFromJSON(raw json.RawMessage, vt registry.ValueType) ([]byte, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("value %s is not a %s: %w", raw, registry.DtypeName(vt), err)
	}
	v := &feastpb.Value{}
	var err error
	switch vt {
	case feastpb.ValueType_INT64_LIST, feastpb.ValueType_UNIX_TIMESTAMP_LIST:
		l := &feastpb.Int64List{}
		err = json.Unmarshal(raw, &l.Val)
		if vt == feastpb.ValueType_INT64_LIST {
			v.Val = &feastpb.Value_Int64ListVal{Int64ListVal: l}
		} else {
			v.Val = &feastpb.Value_UnixTimestampListVal{UnixTimestampListVal: l}
		}
	case feastpb.ValueType_INT32_LIST:
		l := &feastpb.Int32List{}
		err = json.Unmarshal(raw, &l.Val)
		v.Val = &feastpb.Value_Int32ListVal{Int32ListVal: l}
	case feastpb.ValueType_DOUBLE_LIST, feastpb.ValueType_FLOAT_LIST:
		fs := make([]float64, len(items))
		for i, it := range items {
			if fs[i], err = jsonFloat(it); err != nil {
				break
			}
		}
		if vt == feastpb.ValueType_DOUBLE_LIST {
			v.Val = &feastpb.Value_DoubleListVal{DoubleListVal: &feastpb.DoubleList{Val: fs}}
		} else {
			f32 := make([]float32, len(fs))
			for i, f := range fs {
				f32[i] = float32(f)
			}
			v.Val = &feastpb.Value_FloatListVal{FloatListVal: &feastpb.FloatList{Val: f32}}
		}
	case feastpb.ValueType_STRING_LIST:
		l := &feastpb.StringList{}
		err = json.Unmarshal(raw, &l.Val)
		v.Val = &feastpb.Value_StringListVal{StringListVal: l}
	case feastpb.ValueType_BYTES_LIST:
		l := &feastpb.BytesList{}
		err = json.Unmarshal(raw, &l.Val)
		v.Val = &feastpb.Value_BytesListVal{BytesListVal: l}
	case feastpb.ValueType_BOOL_LIST:
		l := &feastpb.BoolList{}
		err = json.Unmarshal(raw, &l.Val)
		v.Val = &feastpb.Value_BoolListVal{BoolListVal: l}
	default:
		return nil, fmt.Errorf("value type %s is not supported by feast-go's remote reader", registry.DtypeName(vt))
	}
	if err != nil {
		return nil, fmt.Errorf("value %s is not a %s: %w", raw, registry.DtypeName(vt), err)
	}
	return proto.Marshal(v)
}

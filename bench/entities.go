package bench

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/feast-go/feast-go/ingest"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/remote"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
)

var errEnough = errors.New("enough entities")

// SampleEntities lists up to limit entity keys of the view's join keys from
// the store (in the store's scan order, which for Redis is hash order).
func SampleEntities(ctx context.Context, s onlinestore.KeyScanner, v onlinestore.View, limit int) ([]Entity, error) {
	var out []Entity
	err := s.ScanKeys(ctx, v, func(keys [][]byte) error {
		for _, k := range keys {
			e, err := entityOf(k)
			if err != nil {
				return err
			}
			out = append(out, e)
			if len(out) >= limit {
				return errEnough
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, fmt.Errorf("sampling entities of %q: %w", v.Name, err)
	}
	return out, nil
}

func entityOf(key []byte) (Entity, error) {
	names, vals, err := onlinestore.DecodeEntityKey(key)
	if err != nil {
		return Entity{}, err
	}
	e := Entity{Key: append([]byte(nil), key...), Values: make(map[string]any, len(names))}
	for i, n := range names {
		e.Values[n] = remote.JSONValue(vals[i])
	}
	return e, nil
}

// ReadEntities reads entity rows from a file (CSV with a header, JSON lines
// or Parquet) holding the view's join keys.
func ReadEntities(r io.Reader, f ingest.Format, name string, fv *registry.FeatureView, version int) ([]Entity, error) {
	cols := make([]ingest.Column, len(fv.EntityColumns))
	for i, c := range fv.EntityColumns {
		t, err := keyType(c.Type)
		if err != nil {
			return nil, fmt.Errorf("join key %q: %w", c.Name, err)
		}
		cols[i] = ingest.Column{Name: c.Name, Type: t, Required: true, NotNull: true, Role: "join key " + c.Name + " (" + registry.DtypeName(c.Type) + ")"}
	}
	rd, err := ingest.NewReader(r, f, cols, ingest.Options{Name: name})
	if err != nil {
		return nil, err
	}
	defer func() { _ = rd.Close() }()
	enc := onlinestore.NewKeyEncoder(fv.JoinKeys(), version)
	var out []Entity
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for i := range int(rec.NumRows()) {
			vals := make([]*feastpb.Value, len(cols))
			for j, c := range rec.Columns() {
				vals[j] = keyValue(c, i)
			}
			key, err := enc.Append(nil, vals)
			if err != nil {
				rec.Release()
				return nil, fmt.Errorf("%s: row %d: %w", name, len(out)+1, err)
			}
			e, err := entityOf(key)
			if err != nil {
				rec.Release()
				return nil, err
			}
			out = append(out, e)
		}
		rec.Release()
	}
}

func keyType(vt registry.ValueType) (arrow.DataType, error) {
	switch vt {
	case feastpb.ValueType_INT64:
		return arrow.PrimitiveTypes.Int64, nil
	case feastpb.ValueType_INT32:
		return arrow.PrimitiveTypes.Int32, nil
	case feastpb.ValueType_STRING:
		return arrow.BinaryTypes.String, nil
	case feastpb.ValueType_BYTES:
		return arrow.BinaryTypes.Binary, nil
	}
	return nil, fmt.Errorf("entity files support Int64, Int32, String and Bytes join keys, not %s", registry.DtypeName(vt))
}

func keyValue(c arrow.Array, i int) *feastpb.Value {
	switch a := c.(type) {
	case *array.Int64:
		return &feastpb.Value{Val: &feastpb.Value_Int64Val{Int64Val: a.Value(i)}}
	case *array.Int32:
		return &feastpb.Value{Val: &feastpb.Value_Int32Val{Int32Val: a.Value(i)}}
	case *array.String:
		return &feastpb.Value{Val: &feastpb.Value_StringVal{StringVal: a.Value(i)}}
	case *array.Binary:
		return &feastpb.Value{Val: &feastpb.Value_BytesVal{BytesVal: a.Value(i)}}
	}
	return &feastpb.Value{}
}

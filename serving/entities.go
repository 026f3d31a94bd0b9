package serving

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/feast-go/feast-go/ingest"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
)

// KeyColumns are the input columns of a view's join keys, typed as the
// view's entity columns: what an entity file must hold.
func KeyColumns(fv *registry.FeatureView) ([]ingest.Column, error) {
	cols := make([]ingest.Column, len(fv.EntityColumns))
	for i, c := range fv.EntityColumns {
		t, err := onlinestore.ArrowType(c.Type)
		if err != nil {
			return nil, fmt.Errorf("join key %q: %w", c.Name, err)
		}
		cols[i] = ingest.Column{Name: c.Name, Type: t, Required: true, NotNull: true,
			Role: "join key " + c.Name + " (" + registry.DtypeName(c.Type) + ")"}
	}
	return cols, nil
}

// ReadEntityKeys reads entity rows holding the view's join keys (CSV with a
// header, JSON lines or Parquet, converted as push converts its input) and
// serializes each row's entity key, in input order.
func ReadEntityKeys(r io.Reader, f ingest.Format, name string, fv *registry.FeatureView, version int) ([][]byte, error) {
	cols, err := KeyColumns(fv)
	if err != nil {
		return nil, err
	}
	rd, err := ingest.NewReader(r, f, cols, ingest.Options{Name: name})
	if err != nil {
		return nil, err
	}
	defer func() { _ = rd.Close() }()
	enc := onlinestore.NewKeyEncoder(fv.JoinKeys(), version)
	var out [][]byte
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out, err = appendKeys(out, enc, fv, rec, version, name)
		rec.Release()
		if err != nil {
			return nil, err
		}
	}
}

func appendKeys(out [][]byte, enc *onlinestore.KeyEncoder, fv *registry.FeatureView, rec arrow.RecordBatch, version int, name string) ([][]byte, error) {
	cols := make([]onlinestore.KeyAppender, len(fv.EntityColumns))
	for i, c := range fv.EntityColumns {
		var err error
		if cols[i], err = onlinestore.NewKeyAppender(rec.Column(i), c.Type, version); err != nil {
			return nil, fmt.Errorf("%s: join key %q: %w", name, c.Name, err)
		}
	}
	for i := range int(rec.NumRows()) {
		key, ok, err := enc.AppendRow(nil, cols, i)
		if err != nil || !ok {
			return nil, fmt.Errorf("%s: entity %d: %w", name, len(out)+1, orNullKey(err))
		}
		out = append(out, key)
	}
	return out, nil
}

func orNullKey(err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("a join key is null")
}

// ParseEntities serializes entities given as "join_key=value" (composite
// keys: "k1=v1,k2=v2"), one per spec, converting each value as an entity
// file's would be. Errors name the spec.
func ParseEntities(fv *registry.FeatureView, specs []string, version int) ([][]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(fv.JoinKeys())
	for _, spec := range specs {
		given := map[string]string{}
		for _, part := range strings.Split(spec, ",") {
			k, v, ok := strings.Cut(part, "=")
			if !ok {
				return nil, fmt.Errorf("entity %q: expected join_key=value", spec)
			}
			given[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		row := make([]string, len(fv.EntityColumns))
		for i, col := range fv.EntityColumns {
			v, ok := given[col.Name]
			if !ok {
				return nil, fmt.Errorf("entity %q: missing join key %q (feature view %q is keyed by %s)", spec, col.Name, fv.Name, strings.Join(fv.JoinKeys(), ", "))
			}
			if v == "" {
				return nil, fmt.Errorf("entity %q: join key %q is empty", spec, col.Name)
			}
			row[i] = v
		}
		_ = w.Write(row)
	}
	w.Flush()
	keys, err := ReadEntityKeys(&buf, ingest.CSV, "entities", fv, version)
	var ie *ingest.InputError
	if errors.As(err, &ie) && len(ie.Rows) > 0 {
		re := ie.Rows[0] // line 1 is the header, so spec i is on line i+2
		if i := int(re.Line) - 2; i >= 0 && i < len(specs) {
			return nil, fmt.Errorf("entity %q: join key %q: %q: expected %s", specs[i], re.Column, re.Value, re.Expected)
		}
	}
	return keys, err
}

package precompute

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
)

// Status is a feature value's status, numbered as Feast's FieldStatus.
type Status int

// Statuses (feast.serving.FieldStatus).
const (
	Present       Status = 1
	NullValue     Status = 2
	NotFound      Status = 3
	OutsideMaxAge Status = 4
)

func (s Status) String() string {
	return map[Status]string{Present: "PRESENT", NullValue: "NULL_VALUE", NotFound: "NOT_FOUND", OutsideMaxAge: "OUTSIDE_MAX_AGE"}[s]
}

// ErrStale is a vector missing for an entity that has data, or built for
// another schema than the registry's: its values cannot be trusted.
var ErrStale = errors.New("precomputed vector is missing or stale")

// Feature is one value read from a vector.
type Feature struct {
	Value   []byte // serialized Value; empty = null
	Status  Status
	EventTS time.Time // the feature's view's event time
}

// Result is a batch read: Names in schema order, one row per requested entity
// in request order.
type Result struct {
	Names []string
	Rows  [][]Feature
}

// Reader reads precomputed vectors strictly.
type Reader struct {
	Store   onlinestore.Store
	Objects *registry.Objects
	Now     func() time.Time
}

// Read returns the service's features for the entity keys (serialized, in the
// service's join keys), in request order; duplicates are read once. An
// entity with no data at all is NOT_FOUND. An entity with data but no vector,
// or a vector whose schema does not match the registry, is an error naming
// the service, the entity and the command that fixes it. A view's features
// older than its ttl are OUTSIDE_MAX_AGE (values still returned).
func (r *Reader) Read(ctx context.Context, fs *registry.FeatureService, keys [][]byte, fullNames bool) (*Result, error) {
	s := SchemaOf(fs)
	var joinKeys []string
	views := []onlinestore.View{}
	ttls := make([]time.Duration, len(fs.Projections))
	for i, p := range fs.Projections {
		fv, err := r.Objects.FeatureView(p.View)
		if err != nil {
			return nil, fmt.Errorf("feature service %q: %w", fs.Name, err)
		}
		if i == 0 {
			joinKeys = fv.JoinKeys()
		}
		ttls[i] = fv.TTL
		views = append(views, onlinestore.View{Name: fv.Name, JoinKeys: fv.JoinKeys()}) // _ts only: does the entity have data?
	}
	all := append([]onlinestore.View{StoreView(fs.Name, joinKeys)}, views...)

	unique := map[string]int{}
	var lookup [][]byte
	for _, k := range keys {
		if _, ok := unique[string(k)]; !ok {
			unique[string(k)] = len(lookup)
			lookup = append(lookup, k)
		}
	}
	rows, err := r.Store.ReadViews(ctx, lookup, all)
	if err != nil {
		return nil, fmt.Errorf("feature service %q: %w", fs.Name, err)
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	t := now()
	decoded := make([][]Feature, len(lookup))
	for i, row := range rows {
		if decoded[i], err = r.decode(&s, fs, row, ttls, t, lookup[i]); err != nil {
			return nil, err
		}
	}
	res := &Result{Names: s.Names, Rows: make([][]Feature, len(keys))}
	if !fullNames {
		res.Names = make([]string, len(s.Names))
		for i, n := range s.Names {
			_, short, _ := strings.Cut(n, "__")
			res.Names[i] = short
		}
	}
	for i, k := range keys {
		res.Rows[i] = decoded[unique[string(k)]]
	}
	return res, nil
}

func (r *Reader) decode(s *Schema, fs *registry.FeatureService, row []onlinestore.FeatureRow, ttls []time.Duration, now time.Time, key []byte) ([]Feature, error) {
	out := make([]Feature, len(s.Names))
	vec := row[0]
	if !vec.Found || len(vec.Values[0]) == 0 {
		for _, v := range row[1:] {
			if v.Found {
				return nil, fmt.Errorf("%w: feature service %q, entity %s has feature data but no precomputed vector; run `feast-go precompute %s`",
					ErrStale, fs.Name, describeKey(key), fs.Name)
			}
		}
		for i := range out {
			out[i].Status = NotFound
		}
		return out, nil
	}
	pv, err := DecodeVector(vec.Values[0])
	if err != nil {
		return nil, fmt.Errorf("feature service %q, entity %s: %w", fs.Name, describeKey(key), err)
	}
	if err := checkSchema(s, pv.GetFeatureNames(), pv.GetFeastGoSchemaFingerprint()); err != nil {
		return nil, fmt.Errorf("%w: feature service %q, entity %s: %v; run `feast-go precompute %s`", ErrStale, fs.Name, describeKey(key), err, fs.Name)
	}
	stamps := map[string]time.Time{}
	for _, st := range pv.GetFvTimestamps() {
		stamps[st.GetFeatureViewName()] = st.GetEventTimestamp().AsTime()
	}
	vals := pv.GetValues()
	i := 0
	for pi, p := range s.Projections {
		ts, has := stamps[p.NameToUse()]
		for range p.Features {
			f := Feature{EventTS: ts}
			if vals[i] != nil {
				f.Value, _ = marshalValue(vals[i])
			}
			switch {
			case !has || ts.Unix() == 0:
				f.Status = NotFound
			case ttls[pi] > 0 && now.Sub(ts) > ttls[pi]:
				f.Status = OutsideMaxAge
			case len(f.Value) == 0:
				f.Status = NullValue
			default:
				f.Status = Present
			}
			out[i] = f
			i++
		}
	}
	return out, nil
}

// checkSchema compares a vector with the registry: by feast-go's fingerprint
// when the vector has one (0: none), else (vectors Feast wrote) by the list of
// names, as Feast's reader does but in order.
func checkSchema(s *Schema, names []string, fp uint64) error {
	if fp != 0 {
		if fp != s.Fingerprint {
			return fmt.Errorf("its schema fingerprint %016x does not match the registry's %016x", fp, s.Fingerprint)
		}
		return nil
	}
	if len(names) != len(s.Names) {
		return fmt.Errorf("it holds %d features, the service has %d", len(names), len(s.Names))
	}
	for i := range names {
		if names[i] != s.Names[i] {
			return fmt.Errorf("feature %d is %q, the service has %q", i, names[i], s.Names[i])
		}
	}
	return nil
}

func describeKey(key []byte) string { return onlinestore.DescribeKey(key) }

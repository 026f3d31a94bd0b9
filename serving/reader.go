package serving

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/precompute"
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
	// Registry, when set, replaces Objects for a long-running reader: each
	// read takes the service and its views from the cache, which refreshes
	// them every cache_ttl_seconds.
	Registry *registry.Cache
	Now      func() time.Time

	mu    sync.Mutex
	plans map[*registry.FeatureService]*readPlan
}

// readPlan is what both read paths need of a service, worked out once per
// Reader (the schema's fingerprint hashes every name; a request should not).
type readPlan struct {
	schema   precompute.Schema
	short    []string           // the features' own names, schema order
	vector   onlinestore.View   // the vector field and its _ts
	views    []onlinestore.View // _ts only: does the entity have data?
	features []onlinestore.View // each projection's features (the regular path)
	ttls     []time.Duration
}

// names are the result's feature names: view__feature or feature.
func (p *readPlan) names(fullNames bool) []string {
	if fullNames {
		return p.schema.Names
	}
	return p.short
}

func (r *Reader) plan(ctx context.Context, fs *registry.FeatureService) (*readPlan, error) {
	objs := r.Objects
	if r.Registry != nil {
		objs = r.Registry.Objects(ctx)
		current, err := objs.FeatureService(fs.Name)
		if err != nil {
			return nil, err
		}
		fs = current
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.plans[fs]; ok {
		return p, nil
	}
	p := &readPlan{schema: precompute.SchemaOf(fs), ttls: make([]time.Duration, len(fs.Projections))}
	for i, proj := range fs.Projections {
		fv, err := objs.FeatureView(proj.View)
		if err != nil {
			return nil, fmt.Errorf("feature service %q: %w", fs.Name, err)
		}
		if i == 0 {
			p.vector = precompute.StoreView(fs.Name, fv.JoinKeys())
		}
		p.ttls[i] = fv.TTL
		p.views = append(p.views, onlinestore.View{Name: fv.Name, JoinKeys: fv.JoinKeys()})
		v := onlinestore.ProjectionView(fv, proj)
		p.short = append(p.short, v.Features...)
		p.features = append(p.features, v)
	}
	if r.plans == nil || len(r.plans) > 64 { // refreshed objects leave old services behind
		r.plans = map[*registry.FeatureService]*readPlan{}
	}
	r.plans[fs] = p
	return p, nil
}

// Read returns the service's features for the entity keys (serialized, in the
// service's join keys), in request order; duplicates are read once. An
// entity with no data at all is NOT_FOUND. An entity with data but no vector,
// or a vector whose schema does not match the registry, is an error naming
// the service, the entity and the command that fixes it. A view's features
// older than its ttl are OUTSIDE_MAX_AGE (values still returned).
func (r *Reader) Read(ctx context.Context, fs *registry.FeatureService, keys [][]byte, fullNames bool) (*Result, error) {
	plan, err := r.plan(ctx, fs)
	if err != nil {
		return nil, err
	}
	s, ttls := &plan.schema, plan.ttls

	unique := map[string]int{}
	var lookup [][]byte
	for _, k := range keys {
		if _, ok := unique[string(k)]; !ok {
			unique[string(k)] = len(lookup)
			lookup = append(lookup, k)
		}
	}
	// One field per entity in the common case: the vector. Only entities
	// without one are looked up again, to tell "no data" from "not built".
	vecs, err := r.Store.ReadViews(ctx, lookup, []onlinestore.View{plan.vector})
	if err != nil {
		return nil, fmt.Errorf("feature service %q: %w", fs.Name, err)
	}
	var missing [][]byte
	for i, row := range vecs {
		if !row[0].Found || len(row[0].Values[0]) == 0 {
			missing = append(missing, lookup[i])
		}
	}
	if len(missing) > 0 {
		rows, err := r.Store.ReadViews(ctx, missing, plan.views)
		if err != nil {
			return nil, fmt.Errorf("feature service %q: %w", fs.Name, err)
		}
		for i, row := range rows {
			for _, v := range row {
				if v.Found {
					return nil, fmt.Errorf("%w: feature service %q, entity %s has feature data but no precomputed vector; run `feast-go precompute %s`",
						ErrStale, fs.Name, onlinestore.DescribeKey(missing[i]), fs.Name)
				}
			}
		}
	}
	t := r.now()
	decoded := make([][]Feature, len(lookup))
	flat := make([]Feature, len(lookup)*len(s.Names))
	var pv rawVector
	for i, row := range vecs {
		decoded[i] = flat[i*len(s.Names) : (i+1)*len(s.Names) : (i+1)*len(s.Names)]
		if err = r.decode(s, fs, row[0], ttls, t, lookup[i], &pv, decoded[i]); err != nil {
			return nil, err
		}
	}
	res := &Result{Names: plan.names(fullNames), Rows: make([][]Feature, len(keys))}
	for i, k := range keys {
		res.Rows[i] = decoded[unique[string(k)]]
	}
	return res, nil
}

// decode turns an entity's vector into features; no vector means no data
// (Read checked that the views agree).
func (r *Reader) decode(s *precompute.Schema, fs *registry.FeatureService, vec onlinestore.FeatureRow, ttls []time.Duration, now time.Time, key []byte, pv *rawVector, out []Feature) error {
	if !vec.Found || len(vec.Values[0]) == 0 {
		for i := range out {
			out[i].Status = NotFound
		}
		return nil
	}
	if err := parseVector(vec.Values[0], pv); err != nil {
		return fmt.Errorf("feature service %q, entity %s: %w", fs.Name, onlinestore.DescribeKey(key), err)
	}
	if err := checkSchema(s, pv.names, pv.fp); err != nil {
		return fmt.Errorf("%w: feature service %q, entity %s: %v; run `feast-go precompute %s`", ErrStale, fs.Name, onlinestore.DescribeKey(key), err, fs.Name)
	}
	if len(pv.values) != len(s.Names) {
		return fmt.Errorf("%w: feature service %q, entity %s: the vector holds %d values for %d features; run `feast-go precompute %s`",
			ErrStale, fs.Name, onlinestore.DescribeKey(key), len(pv.values), len(s.Names), fs.Name)
	}
	i := 0
	for pi, p := range s.Projections {
		var ts time.Time
		has := false
		for _, st := range pv.stamps {
			if string(st.name) == p.NameToUse() {
				ts, has = st.ts, true
			}
		}
		for range p.Features {
			f := Feature{EventTS: ts, Value: pv.values[i]}
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
	return nil
}

// checkSchema compares a vector with the registry: by feast-go's fingerprint
// when the vector has one (0: none), else (vectors Feast wrote) by the list of
// names, as Feast's reader does but in order.
func checkSchema(s *precompute.Schema, names [][]byte, fp uint64) error {
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
		if string(names[i]) != s.Names[i] {
			return fmt.Errorf("feature %d is %q, the service has %q", i, names[i], s.Names[i])
		}
	}
	return nil
}

package serving

import (
	"context"
	"fmt"
	"time"

	"github.com/feast-go/feast-go/registry"
)

// ReadRegular reads a service's features view by view, as Feast's regular
// path does (all views of the request in one round trip), with the same
// statuses as Read: NOT_FOUND when a view has no row for the entity,
// OUTSIDE_MAX_AGE past the view's ttl, NULL_VALUE for an empty value.
func (r *Reader) ReadRegular(ctx context.Context, fs *registry.FeatureService, keys [][]byte, fullNames bool) (*Result, error) {
	plan, err := r.plan(ctx, fs)
	if err != nil {
		return nil, err
	}
	res := &Result{Names: plan.names(fullNames), Rows: make([][]Feature, len(keys))}
	ttls := plan.ttls
	rows, err := r.Store.ReadViews(ctx, keys, plan.features)
	if err != nil {
		return nil, fmt.Errorf("feature service %q: %w", fs.Name, err)
	}
	now := r.now()
	for i, row := range rows {
		out := make([]Feature, 0, len(res.Names))
		for j, fr := range row {
			for _, val := range fr.Values {
				f := Feature{Value: val, EventTS: fr.EventTS}
				switch {
				case !fr.Found:
					f.Status = NotFound
				case ttls[j] > 0 && now.Sub(fr.EventTS) > ttls[j]:
					f.Status = OutsideMaxAge
				case len(val) == 0:
					f.Status = NullValue
				default:
					f.Status = Present
				}
				out = append(out, f)
			}
		}
		res.Rows[i] = out
	}
	return res, nil
}

func (r *Reader) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

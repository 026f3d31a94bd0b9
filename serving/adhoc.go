package serving

import (
	"fmt"
	"strings"

	"github.com/feast-go/feast-go/registry"
)

// AdHocService is a feature service made of feature references
// ("view:feature"), as Feast's get_online_features(features=[...]) takes
// them: one projection per view, in order of first mention. Its views must
// share their join keys, since one entity key reads them all.
func AdHocService(objs *registry.Objects, refs []string) (*registry.FeatureService, error) {
	svc := &registry.FeatureService{Name: "(features)"}
	for _, ref := range refs {
		view, feat, ok := strings.Cut(ref, ":")
		if !ok {
			return nil, fmt.Errorf("%q: expected VIEW:FEATURE", ref)
		}
		fv, err := objs.FeatureView(view)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", ref, err)
		}
		f, ok := fv.Feature(feat)
		if !ok {
			return nil, fmt.Errorf("%q: feature view %q has no feature %q", ref, view, feat)
		}
		var p *registry.Projection
		for i := range svc.Projections {
			if svc.Projections[i].View == view {
				p = &svc.Projections[i]
			}
		}
		if p == nil {
			svc.Projections = append(svc.Projections, registry.Projection{View: view})
			p = &svc.Projections[len(svc.Projections)-1]
		}
		p.Features = append(p.Features, f)
	}
	if len(svc.Projections) == 0 {
		return nil, fmt.Errorf("no features given")
	}
	first, _ := objs.FeatureView(svc.Projections[0].View)
	for _, p := range svc.Projections[1:] {
		fv, _ := objs.FeatureView(p.View)
		if strings.Join(first.JoinKeys(), ",") != strings.Join(fv.JoinKeys(), ",") {
			return nil, fmt.Errorf("views %q and %q have different join keys", first.Name, fv.Name)
		}
	}
	return svc, nil
}

package onlinestore

import "github.com/feast-go/feast-go/registry"

// ViewOf is what a store needs of a feature view: its name, join keys and
// every feature, in the view's order.
func ViewOf(fv *registry.FeatureView) View {
	return viewOf(fv, fv.Features)
}

// ProjectionView is fv restricted to the features a service's projection of
// it reads (none: only its timestamp is read).
func ProjectionView(fv *registry.FeatureView, p registry.Projection) View {
	return viewOf(fv, p.Features)
}

func viewOf(fv *registry.FeatureView, fields []registry.Field) View {
	v := View{Name: fv.Name, JoinKeys: fv.JoinKeys(), Features: make([]string, len(fields))}
	for i, f := range fields {
		v.Features[i] = f.Name
	}
	return v
}

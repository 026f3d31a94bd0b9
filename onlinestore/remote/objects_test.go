package remote

import (
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
)

func testObjects() *registry.Objects {
	return &registry.Objects{Project: "p", FeatureViews: []*registry.FeatureView{{
		Name: "stats", EntityColumns: []registry.Field{{Name: "driver_id", Type: feastpb.ValueType_INT64}},
		Features: []registry.Field{{Name: "conv_rate", Type: feastpb.ValueType_FLOAT}},
	}}}
}

package registry

import (
	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/types/known/durationpb"
)

// The conversions below build what Feast 0.67's Python to_proto builds for the
// same definitions, so Feast reads feast-go's registry as its own.

func fieldToProto(f Field) *feastpb.FeatureSpecV2 {
	return &feastpb.FeatureSpecV2{Name: f.Name, ValueType: f.Type, Description: f.Description, Tags: cloneMap(f.Tags)}
}

func fieldsToProto(fs []Field) []*feastpb.FeatureSpecV2 {
	out := make([]*feastpb.FeatureSpecV2, len(fs))
	for i, f := range fs {
		out[i] = fieldToProto(f)
	}
	return out
}

func (e *Entity) toProto(project string) *feastpb.Entity {
	return &feastpb.Entity{Spec: &feastpb.EntitySpecV2{
		Name: e.Name, ValueType: e.ValueType, Description: e.Description, JoinKey: e.JoinKey,
		Tags: cloneMap(e.Tags), Project: project, Owner: e.Owner,
	}}
}

// toProto builds the data source as Feast embeds it; project is set only on
// the registry's top-level copy, as Feast does.
func (ds *DataSource) toProto(project string) *feastpb.DataSource {
	if ds == nil {
		return nil
	}
	p := &feastpb.DataSource{
		Name: ds.Name, Type: ds.Type, Project: project, Description: ds.Description,
		Tags: cloneMap(ds.Tags), Owner: ds.Owner,
		TimestampField: ds.TimestampField, CreatedTimestampColumn: ds.CreatedTimestampColumn,
		DatePartitionColumn: ds.DatePartitionColumn, FieldMapping: cloneMap(ds.FieldMapping),
	}
	switch ds.Type {
	case SourceIceberg:
		p.DataSourceClassType = IcebergClassType
		p.Options = &feastpb.DataSource_CustomOptions{CustomOptions: &feastpb.DataSource_CustomSourceOptions{Configuration: ds.Iceberg.encode()}}
	case SourcePush:
		p.BatchSource = ds.BatchSource.toProto("")
	}
	return p
}

func (fv *FeatureView) toProto(project string) *feastpb.FeatureView {
	spec := &feastpb.FeatureViewSpec{
		Name: fv.Name, Project: project, Entities: fv.Entities,
		Features: fieldsToProto(fv.Features), Tags: cloneMap(fv.Tags), Ttl: durationpb.New(fv.TTL),
		BatchSource: fv.BatchSource.toProto(""), Online: fv.Online, StreamSource: fv.StreamSource.toProto(""),
		Description: fv.Description, Owner: fv.Owner, EntityColumns: fieldsToProto(fv.EntityColumns),
		Offline: fv.Offline, Disabled: fv.Disabled,
	}
	return &feastpb.FeatureView{Spec: spec, Meta: &feastpb.FeatureViewMeta{}}
}

func (fs *FeatureService) toProto(project string) *feastpb.FeatureService {
	spec := &feastpb.FeatureServiceSpec{
		Name: fs.Name, Project: project, Tags: cloneMap(fs.Tags), Description: fs.Description,
		Owner: fs.Owner, PrecomputeOnline: fs.PrecomputeOnline,
	}
	for _, p := range fs.Projections {
		spec.Features = append(spec.Features, &feastpb.FeatureViewProjection{
			FeatureViewName: p.View, FeatureViewNameAlias: p.Alias,
			FeatureColumns: fieldsToProto(p.Features), JoinKeyMap: cloneMap(p.JoinKeyMap),
		})
	}
	return &feastpb.FeatureService{Spec: spec, Meta: &feastpb.FeatureServiceMeta{}}
}

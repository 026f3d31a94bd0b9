package registry

import (
	"maps"
	"slices"
	"time"

	"github.com/feast-go/feast-go/registry/feastpb"
)

// Field is a feature or entity column: a name and a Feast value type.
type Field struct {
	Name        string
	Type        ValueType
	Description string
	Tags        map[string]string
}

// DummyEntityName is the entity Feast adds to every project for entityless feature views.
const DummyEntityName = "__dummy"

// Entity is a Feast entity: a name and its one join key.
type Entity struct {
	Name        string
	JoinKey     string
	ValueType   ValueType // INVALID when the definition left it to inference
	Description string
	Owner       string
	Tags        map[string]string
	Pos         Pos // where it was defined (definitions only)
}

// SourceType is Feast's DataSource.SourceType.
type SourceType = feastpb.DataSource_SourceType

// Data source types feast-go reads.
const (
	SourceIceberg = feastpb.DataSource_BATCH_ICEBERG
	SourcePush    = feastpb.DataSource_PUSH_SOURCE
)

// IcebergClassType is the Python class Feast records for an IcebergSource.
const IcebergClassType = "feast.infra.data_sources.contrib.iceberg_catalog.iceberg_source.IcebergSource"

// DataSource is a Feast data source. feast-go reads Iceberg sources (Feast's
// IcebergSource, BATCH_ICEBERG) and push sources; other kinds are kept by name
// and type so plans and errors can name them.
type DataSource struct {
	Name                   string
	Type                   SourceType
	ClassType              string
	TimestampField         string
	CreatedTimestampColumn string
	DatePartitionColumn    string
	FieldMapping           map[string]string // source column -> feature name
	Description            string
	Owner                  string
	Tags                   map[string]string
	Iceberg                *IcebergOptions // BATCH_ICEBERG
	BatchSource            *DataSource     // PUSH_SOURCE: where pushed rows land offline
	Pos                    Pos
}

// IcebergOptions are the settings Feast keeps as JSON in custom_options.
type IcebergOptions struct {
	CatalogType       string // rest | sql | glue | hive | hadoop
	CatalogName       string
	Endpoint          string // catalog uri; for sql an SQLAlchemy-style URL
	Warehouse         string
	Namespace         string
	Table             string
	TokenEnvVar       string // "" when unset
	CredentialVending bool
	CatalogProperties map[string]string
}

// Interval is one recorded materialization window.
type Interval struct {
	Start, End time.Time
}

// FeatureView is a Feast FeatureView or StreamFeatureView.
type FeatureView struct {
	Name          string
	Stream        bool // stored as a StreamFeatureView
	Entities      []string
	EntityColumns []Field
	Features      []Field
	TTL           time.Duration // 0: no expiry
	Online        bool
	Offline       bool
	Disabled      bool
	BatchSource   *DataSource
	StreamSource  *DataSource // a push source, for views fed by push
	Description   string
	Owner         string
	Tags          map[string]string
	Intervals     []Interval
	State         string // Feast's FeatureViewState as stored (AVAILABLE_ONLINE, …); "" when unset
	Pos           Pos
}

// JoinKeys are the view's entity column names, in definition order.
func (fv *FeatureView) JoinKeys() []string {
	out := make([]string, len(fv.EntityColumns))
	for i, c := range fv.EntityColumns {
		out[i] = c.Name
	}
	return out
}

// Feature returns the named feature.
func (fv *FeatureView) Feature(name string) (Field, bool) {
	for _, f := range fv.Features {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// LastMaterialized is the end of the latest recorded interval (zero if none).
func (fv *FeatureView) LastMaterialized() time.Time {
	var last time.Time
	for _, iv := range fv.Intervals {
		if iv.End.After(last) {
			last = iv.End
		}
	}
	return last
}

// Projection is a feature service's selection from one feature view.
type Projection struct {
	View       string
	Alias      string
	Features   []Field
	JoinKeyMap map[string]string
}

// NameToUse is the alias if set, else the view name (Feast's name_to_use).
func (p Projection) NameToUse() string {
	if p.Alias != "" {
		return p.Alias
	}
	return p.View
}

// FeatureService is a named set of projections.
type FeatureService struct {
	Name             string
	Projections      []Projection
	PrecomputeOnline bool
	Description      string
	Owner            string
	Tags             map[string]string
	Pos              Pos
}

func fieldFromProto(p *feastpb.FeatureSpecV2) Field {
	return Field{Name: p.GetName(), Type: p.GetValueType(), Description: p.GetDescription(), Tags: cloneMap(p.GetTags())}
}

func fieldsFromProto(ps []*feastpb.FeatureSpecV2) []Field {
	out := make([]Field, len(ps))
	for i, p := range ps {
		out[i] = fieldFromProto(p)
	}
	return out
}

// EntityFromProto converts a registry entity.
func EntityFromProto(p *feastpb.Entity) *Entity {
	s := p.GetSpec()
	return &Entity{
		Name: s.GetName(), JoinKey: s.GetJoinKey(), ValueType: s.GetValueType(),
		Description: s.GetDescription(), Owner: s.GetOwner(), Tags: cloneMap(s.GetTags()),
	}
}

// DataSourceFromProto converts a registry data source. An Iceberg source whose
// JSON settings cannot be read is returned with an error naming it.
func DataSourceFromProto(p *feastpb.DataSource) (*DataSource, error) {
	if p == nil {
		return nil, nil
	}
	ds := &DataSource{
		Name: p.GetName(), Type: p.GetType(), ClassType: p.GetDataSourceClassType(),
		TimestampField: p.GetTimestampField(), CreatedTimestampColumn: p.GetCreatedTimestampColumn(),
		DatePartitionColumn: p.GetDatePartitionColumn(), FieldMapping: cloneMap(p.GetFieldMapping()),
		Description: p.GetDescription(), Owner: p.GetOwner(), Tags: cloneMap(p.GetTags()),
	}
	if ds.Type == SourceIceberg {
		opts, err := decodeIcebergOptions(p.GetCustomOptions().GetConfiguration())
		if err != nil {
			return nil, &ObjectError{Kind: "data source", Name: ds.Name, Err: err}
		}
		ds.Iceberg = opts
	}
	if p.GetBatchSource() != nil {
		b, err := DataSourceFromProto(p.GetBatchSource())
		if err != nil {
			return nil, err
		}
		ds.BatchSource = b
	}
	return ds, nil
}

func intervalsFromProto(meta *feastpb.FeatureViewMeta) []Interval {
	var out []Interval
	for _, iv := range meta.GetMaterializationIntervals() {
		out = append(out, Interval{Start: iv.GetStartTime().AsTime(), End: iv.GetEndTime().AsTime()})
	}
	return out
}

// FeatureViewFromProto converts a registry feature view.
func FeatureViewFromProto(p *feastpb.FeatureView) (*FeatureView, error) {
	s := p.GetSpec()
	fv := &FeatureView{
		Name: s.GetName(), Entities: slices.Clone(s.GetEntities()),
		EntityColumns: fieldsFromProto(s.GetEntityColumns()), Features: fieldsFromProto(s.GetFeatures()),
		TTL: s.GetTtl().AsDuration(), Online: s.GetOnline(), Offline: s.GetOffline(), Disabled: s.GetDisabled(),
		Description: s.GetDescription(), Owner: s.GetOwner(), Tags: cloneMap(s.GetTags()),
		Intervals: intervalsFromProto(p.GetMeta()), State: stateFromProto(p.GetMeta()),
	}
	return fv, fv.setSources(s.GetBatchSource(), s.GetStreamSource())
}

func stateFromProto(meta *feastpb.FeatureViewMeta) string {
	if meta.GetState() == feastpb.FeatureViewState(0) {
		return ""
	}
	return meta.GetState().String()
}

// StreamFeatureViewFromProto converts a registry stream feature view.
func StreamFeatureViewFromProto(p *feastpb.StreamFeatureView) (*FeatureView, error) {
	s := p.GetSpec()
	fv := &FeatureView{
		Name: s.GetName(), Stream: true, Entities: slices.Clone(s.GetEntities()),
		EntityColumns: fieldsFromProto(s.GetEntityColumns()), Features: fieldsFromProto(s.GetFeatures()),
		TTL: s.GetTtl().AsDuration(), Online: s.GetOnline(), Disabled: s.GetDisabled(),
		Description: s.GetDescription(), Owner: s.GetOwner(), Tags: cloneMap(s.GetTags()),
		Intervals: intervalsFromProto(p.GetMeta()), State: stateFromProto(p.GetMeta()),
	}
	return fv, fv.setSources(s.GetBatchSource(), s.GetStreamSource())
}

func (fv *FeatureView) setSources(batch, stream *feastpb.DataSource) error {
	var err error
	if fv.BatchSource, err = DataSourceFromProto(batch); err != nil {
		return &ObjectError{Kind: "feature view", Name: fv.Name, Err: err}
	}
	if fv.StreamSource, err = DataSourceFromProto(stream); err != nil {
		return &ObjectError{Kind: "feature view", Name: fv.Name, Err: err}
	}
	return nil
}

// FeatureServiceFromProto converts a registry feature service.
func FeatureServiceFromProto(p *feastpb.FeatureService) *FeatureService {
	s := p.GetSpec()
	fs := &FeatureService{
		Name: s.GetName(), PrecomputeOnline: s.GetPrecomputeOnline(),
		Description: s.GetDescription(), Owner: s.GetOwner(), Tags: cloneMap(s.GetTags()),
	}
	for _, pr := range s.GetFeatures() {
		fs.Projections = append(fs.Projections, Projection{
			View: pr.GetFeatureViewName(), Alias: pr.GetFeatureViewNameAlias(),
			Features: fieldsFromProto(pr.GetFeatureColumns()), JoinKeyMap: cloneMap(pr.GetJoinKeyMap()),
		})
	}
	return fs
}

func cloneMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

// DisplayName is the source's name for messages; "none" for a missing source.
func (ds *DataSource) DisplayName() string {
	if ds == nil {
		return "none"
	}
	return ds.Name
}

package registry

import (
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Registry is one Feast registry (all projects), in Feast's wire format.
type Registry struct {
	pb *feastpb.Registry
}

// NewRegistry returns an empty registry as Feast creates one.
func NewRegistry() *Registry {
	return &Registry{pb: &feastpb.Registry{RegistrySchemaVersion: "1"}}
}

// ParseRegistry decodes registry.db bytes. Fields feast-go does not model are
// kept and written back unchanged by Marshal.
func ParseRegistry(b []byte) (*Registry, error) {
	pb := &feastpb.Registry{}
	if err := proto.Unmarshal(b, pb); err != nil {
		return nil, fmt.Errorf("decode registry: %w", err)
	}
	return &Registry{pb: pb}, nil
}

// Marshal encodes the registry with a new version_id and last_updated, as Feast
// does on every write.
func (r *Registry) Marshal(now time.Time) ([]byte, error) {
	if r.pb.RegistrySchemaVersion == "" {
		r.pb.RegistrySchemaVersion = "1"
	}
	r.pb.VersionId = newUUID()
	r.pb.LastUpdated = timestamppb.New(now)
	return proto.MarshalOptions{Deterministic: true}.Marshal(r.pb)
}

// Projects lists the project names the registry knows, sorted.
func (r *Registry) Projects() []string {
	seen := map[string]bool{}
	for _, p := range r.pb.GetProjects() {
		seen[p.GetSpec().GetName()] = true
	}
	for _, e := range r.pb.GetEntities() {
		seen[e.GetSpec().GetProject()] = true
	}
	for _, fv := range r.pb.GetFeatureViews() {
		seen[fv.GetSpec().GetProject()] = true
	}
	delete(seen, "")
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Objects is the model of one project's objects, in registry order.
type Objects struct {
	Project         string
	Entities        []*Entity
	DataSources     []*DataSource
	FeatureViews    []*FeatureView // feature views, then stream feature views
	FeatureServices []*FeatureService
}

// Objects returns the model of a project's objects.
func (r *Registry) Objects(project string) (*Objects, error) {
	o := &Objects{Project: project}
	for _, p := range r.pb.GetEntities() {
		if p.GetSpec().GetProject() == project {
			o.Entities = append(o.Entities, EntityFromProto(p))
		}
	}
	for _, p := range r.pb.GetDataSources() {
		if p.GetProject() == project {
			ds, err := DataSourceFromProto(p)
			if err != nil {
				return nil, err
			}
			o.DataSources = append(o.DataSources, ds)
		}
	}
	for _, p := range r.pb.GetFeatureViews() {
		if p.GetSpec().GetProject() == project {
			fv, err := FeatureViewFromProto(p)
			if err != nil {
				return nil, err
			}
			o.FeatureViews = append(o.FeatureViews, fv)
		}
	}
	for _, p := range r.pb.GetStreamFeatureViews() {
		if p.GetSpec().GetProject() == project {
			fv, err := StreamFeatureViewFromProto(p)
			if err != nil {
				return nil, err
			}
			o.FeatureViews = append(o.FeatureViews, fv)
		}
	}
	for _, p := range r.pb.GetFeatureServices() {
		if p.GetSpec().GetProject() == project {
			o.FeatureServices = append(o.FeatureServices, FeatureServiceFromProto(p))
		}
	}
	return o, nil
}

// Entity returns the named entity.
func (o *Objects) Entity(name string) (*Entity, error) { return find(o.Entities, "entity", name) }

// DataSource returns the named data source.
func (o *Objects) DataSource(name string) (*DataSource, error) {
	return find(o.DataSources, "data source", name)
}

// FeatureView returns the named feature view (or stream feature view).
func (o *Objects) FeatureView(name string) (*FeatureView, error) {
	return find(o.FeatureViews, "feature view", name)
}

// FeatureService returns the named feature service.
func (o *Objects) FeatureService(name string) (*FeatureService, error) {
	return find(o.FeatureServices, "feature service", name)
}

func find[T interface {
	*Entity | *DataSource | *FeatureView | *FeatureService
}](list []T, kind, name string) (T, error) {
	for _, x := range list {
		if objectName(x) == name {
			return x, nil
		}
	}
	var zero T
	known := make([]string, 0, len(list))
	for _, x := range list {
		known = append(known, objectName(x))
	}
	slices.Sort(known)
	return zero, &ObjectError{Kind: kind, Name: name, Err: ErrNotFound, Known: known}
}

func objectName(x any) string {
	switch v := x.(type) {
	case *Entity:
		return v.Name
	case *DataSource:
		return v.Name
	case *FeatureView:
		return v.Name
	case *FeatureService:
		return v.Name
	}
	return ""
}

// ensureProject adds the Project and ProjectMetadata records Feast adds for a new project.
func (r *Registry) ensureProject(project, description string, now time.Time) {
	for _, p := range r.pb.GetProjects() {
		if p.GetSpec().GetName() == project {
			return
		}
	}
	ts := timestamppb.New(now)
	r.pb.Projects = append(r.pb.Projects, &feastpb.Project{
		Spec: &feastpb.ProjectSpec{Name: project, Description: description},
		Meta: &feastpb.ProjectMeta{CreatedTimestamp: ts, LastUpdatedTimestamp: ts},
	})
	for _, m := range r.pb.GetProjectMetadata() {
		if m.GetProject() == project {
			return
		}
	}
	r.pb.ProjectMetadata = append(r.pb.ProjectMetadata, &feastpb.ProjectMetadata{Project: project, ProjectUuid: newUUID()})
}

// RecordMaterialization appends [start, end] to a view's intervals and marks it
// AVAILABLE_ONLINE, moving it to the end of its list, as Feast's
// apply_materialization does.
func (r *Registry) RecordMaterialization(project, view string, start, end, now time.Time) error {
	iv := &feastpb.MaterializationInterval{StartTime: timestamppb.New(start), EndTime: timestamppb.New(end)}
	for i, p := range r.pb.FeatureViews {
		if p.GetSpec().GetName() == view && p.GetSpec().GetProject() == project {
			p.Meta = recordInterval(p.Meta, iv, now)
			r.pb.FeatureViews = append(slices.Delete(r.pb.FeatureViews, i, i+1), p)
			return nil
		}
	}
	for i, p := range r.pb.StreamFeatureViews {
		if p.GetSpec().GetName() == view && p.GetSpec().GetProject() == project {
			p.Meta = recordInterval(p.Meta, iv, now)
			r.pb.StreamFeatureViews = append(slices.Delete(r.pb.StreamFeatureViews, i, i+1), p)
			return nil
		}
	}
	return &ObjectError{Kind: "feature view", Name: view, Err: fmt.Errorf("%w in project %q", ErrNotFound, project)}
}

// HasInterval reports whether a view has [start, end] recorded: a sharded
// run's commit records each interval once, however many shards commit.
func (r *Registry) HasInterval(project, view string, start, end time.Time) bool {
	for _, p := range slices.Concat(metas(r.pb.FeatureViews), metas(r.pb.StreamFeatureViews)) {
		if p.name != view || p.project != project {
			continue
		}
		for _, iv := range p.meta.GetMaterializationIntervals() {
			if iv.GetStartTime().AsTime().Equal(start) && iv.GetEndTime().AsTime().Equal(end) {
				return true
			}
		}
	}
	return false
}

// WithdrawMaterialization removes the last recorded interval equal to
// [start, end] from a view, for a run that learns after recording that its
// rows are gone: the watermark goes back, so that the next incremental run
// rewrites the window. It reports whether such an interval was found.
func (r *Registry) WithdrawMaterialization(project, view string, start, end time.Time) (bool, error) {
	for _, p := range slices.Concat(metas(r.pb.FeatureViews), metas(r.pb.StreamFeatureViews)) {
		if p.name != view || p.project != project || p.meta == nil {
			continue
		}
		ivs := p.meta.MaterializationIntervals
		for i := len(ivs) - 1; i >= 0; i-- {
			if ivs[i].GetStartTime().AsTime().Equal(start) && ivs[i].GetEndTime().AsTime().Equal(end) {
				p.meta.MaterializationIntervals = slices.Delete(ivs, i, i+1)
				return true, nil
			}
		}
		return false, nil
	}
	return false, &ObjectError{Kind: "feature view", Name: view, Err: fmt.Errorf("%w in project %q", ErrNotFound, project)}
}

// View states, as Feast 0.67's FeatureViewState names them.
const (
	StateMaterializing   = "MATERIALIZING"
	StateAvailableOnline = "AVAILABLE_ONLINE"
)

// SetViewState sets a view's FeatureViewState (by its enum name; "" is
// STATE_UNSPECIFIED) and returns the one it replaces, so that a run can put
// it back.
func (r *Registry) SetViewState(project, view, state string) (string, error) {
	v, ok := feastpb.FeatureViewState_value[state]
	if state == "" {
		v, ok = 0, true
	}
	if !ok {
		return "", fmt.Errorf("feature view %q: unknown state %q", view, state)
	}
	for _, p := range slices.Concat(metas(r.pb.FeatureViews), metas(r.pb.StreamFeatureViews)) {
		if p.name != view || p.project != project {
			continue
		}
		if p.meta == nil {
			return "", fmt.Errorf("feature view %q has no metadata in the registry", view)
		}
		prev := p.meta.State
		p.meta.State = feastpb.FeatureViewState(v)
		if prev == 0 {
			return "", nil
		}
		return prev.String(), nil
	}
	return "", &ObjectError{Kind: "feature view", Name: view, Err: fmt.Errorf("%w in project %q", ErrNotFound, project)}
}

type viewMeta struct {
	name, project string
	meta          *feastpb.FeatureViewMeta
}

func metas[V interface {
	GetSpec() S
	GetMeta() *feastpb.FeatureViewMeta
}, S interface {
	GetName() string
	GetProject() string
}](vs []V) []viewMeta {
	out := make([]viewMeta, len(vs))
	for i, v := range vs {
		out[i] = viewMeta{v.GetSpec().GetName(), v.GetSpec().GetProject(), v.GetMeta()}
	}
	return out
}

func recordInterval(m *feastpb.FeatureViewMeta, iv *feastpb.MaterializationInterval, now time.Time) *feastpb.FeatureViewMeta {
	if m == nil {
		m = &feastpb.FeatureViewMeta{}
	}
	m.MaterializationIntervals = append(m.MaterializationIntervals, iv)
	m.LastUpdatedTimestamp = timestamppb.New(now)
	m.State = feastpb.FeatureViewState_AVAILABLE_ONLINE
	return m
}

// uuidSource feeds newUUID; tests replace it to make registry bytes reproducible.
var uuidSource io.Reader = rand.Reader

// newUUID returns a random (version 4) UUID string.
func newUUID() string {
	var b [16]byte
	_, _ = io.ReadFull(uuidSource, b[:]) // crypto/rand never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

package registry

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ApplyOptions tune Apply.
type ApplyOptions struct {
	DryRun             bool
	ProjectDescription string
	Now                func() time.Time
}

// Apply makes the project in the store match the validated definitions and
// returns the plan. Objects that did not change keep their registry records
// untouched; changed feature views keep their creation time, materialization
// intervals and state, as Feast does; objects absent from the definitions are
// removed. With DryRun nothing is written. The whole read-diff-write happens
// under the store's writer lock.
func Apply(ctx context.Context, store Store, desired *Objects, opts ApplyOptions) (*Plan, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if opts.DryRun {
		// A plan only: no lock, no folder or file created.
		r, err := store.Read(ctx)
		if errors.Is(err, ErrNoRegistry) {
			r, err = NewRegistry(), nil
		}
		if err != nil {
			return nil, err
		}
		current, err := r.Objects(desired.Project)
		if err != nil {
			return nil, err
		}
		plan := Diff(current, desired)
		plan.Registry, plan.DryRun = store.Location(), true
		return plan, nil
	}
	var plan *Plan
	err := store.Update(ctx, func(r *Registry) error {
		current, err := r.Objects(desired.Project)
		if err != nil {
			return err
		}
		plan = Diff(current, desired)
		plan.Registry = store.Location()
		if !plan.HasChanges() && slices.Contains(r.Projects(), desired.Project) {
			return ErrNoChange
		}
		r.ensureProject(desired.Project, opts.ProjectDescription, now())
		r.apply(plan, desired, now())
		plan.Applied = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return plan, nil
}

func (r *Registry) apply(plan *Plan, desired *Objects, now time.Time) {
	ts := timestamppb.New(now)
	project := desired.Project
	for _, c := range plan.Changes {
		switch c.Kind {
		case KindEntity:
			var next *feastpb.Entity
			if c.Action != ActionRemove {
				e, _ := desired.Entity(c.Name)
				next = e.toProto(project)
			}
			r.pb.Entities = replace(r.pb.Entities, next, func(p *feastpb.Entity) bool {
				return p.GetSpec().GetProject() == project && p.GetSpec().GetName() == c.Name
			}, func(old, p *feastpb.Entity) {
				p.Meta = &feastpb.EntityMeta{CreatedTimestamp: cmpTS(old.GetMeta().GetCreatedTimestamp(), ts), LastUpdatedTimestamp: ts}
			}, func(p *feastpb.Entity) { p.Meta = &feastpb.EntityMeta{CreatedTimestamp: ts, LastUpdatedTimestamp: ts} })
		case KindDataSource:
			var next *feastpb.DataSource
			if c.Action != ActionRemove {
				ds, _ := desired.DataSource(c.Name)
				next = ds.toProto(project)
			}
			r.pb.DataSources = replace(r.pb.DataSources, next, func(p *feastpb.DataSource) bool {
				return p.GetProject() == project && p.GetName() == c.Name
			}, func(old, p *feastpb.DataSource) { p.Meta = old.GetMeta() }, func(*feastpb.DataSource) {})
		case KindFeatureView:
			r.applyFeatureView(c, desired, ts)
		case KindFeatureService:
			var next *feastpb.FeatureService
			if c.Action != ActionRemove {
				fs, _ := desired.FeatureService(c.Name)
				next = fs.toProto(project)
			}
			r.pb.FeatureServices = replace(r.pb.FeatureServices, next, func(p *feastpb.FeatureService) bool {
				return p.GetSpec().GetProject() == project && p.GetSpec().GetName() == c.Name
			}, func(old, p *feastpb.FeatureService) {
				p.Meta = &feastpb.FeatureServiceMeta{CreatedTimestamp: cmpTS(old.GetMeta().GetCreatedTimestamp(), ts), LastUpdatedTimestamp: ts}
			}, func(p *feastpb.FeatureService) {
				p.Meta = &feastpb.FeatureServiceMeta{CreatedTimestamp: ts, LastUpdatedTimestamp: ts}
			})
		}
	}
}

func (r *Registry) applyFeatureView(c Change, desired *Objects, ts *timestamppb.Timestamp) {
	project := desired.Project
	match := func(project, name string) bool { return project == desired.Project && name == c.Name }
	// A view may move between the stream and regular lists; its metadata moves with it.
	var oldMeta *feastpb.FeatureViewMeta
	r.pb.StreamFeatureViews = slices.DeleteFunc(r.pb.StreamFeatureViews, func(p *feastpb.StreamFeatureView) bool {
		if match(p.GetSpec().GetProject(), p.GetSpec().GetName()) {
			oldMeta = p.GetMeta()
			return true
		}
		return false
	})
	var next *feastpb.FeatureView
	if c.Action != ActionRemove {
		fv, _ := desired.FeatureView(c.Name)
		next = fv.toProto(project)
	}
	r.pb.FeatureViews = replace(r.pb.FeatureViews, next, func(p *feastpb.FeatureView) bool {
		return match(p.GetSpec().GetProject(), p.GetSpec().GetName())
	}, func(old, p *feastpb.FeatureView) { oldMeta = old.GetMeta() }, func(*feastpb.FeatureView) {})
	if next == nil {
		return
	}
	if oldMeta != nil {
		next.Meta = oldMeta // keeps creation time, materialization intervals and state
		next.Meta.LastUpdatedTimestamp = ts
	} else {
		next.Meta = &feastpb.FeatureViewMeta{CreatedTimestamp: ts, LastUpdatedTimestamp: ts}
	}
}

// replace swaps the record matching match for next in place (keep copies what
// must survive from the old record), appends next when nothing matched (fresh
// initialises it), or removes the record when next is nil.
func replace[T any](list []*T, next *T, match func(*T) bool, keep func(old, next *T), fresh func(*T)) []*T {
	for i, p := range list {
		if match(p) {
			if next == nil {
				return slices.Delete(list, i, i+1)
			}
			keep(p, next)
			list[i] = next
			return list
		}
	}
	if next != nil {
		fresh(next)
		list = append(list, next)
	}
	return list
}

func cmpTS(old, now *timestamppb.Timestamp) *timestamppb.Timestamp {
	if old == nil {
		return now
	}
	return old
}

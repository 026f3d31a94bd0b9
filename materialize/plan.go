package materialize

import (
	"fmt"
	"time"

	"github.com/feast-go/feast-go/registry"
)

// DefaultLookback is where materialize-incremental starts a view that was never
// materialized and has no ttl (Feast: 52 weeks).
const DefaultLookback = 52 * 7 * 24 * time.Hour

// Task is one feature view's window [Start, End], both ends inclusive.
type Task struct {
	View       *registry.FeatureView
	Start, End time.Time
}

// Skipped is a selected view with nothing to do, and why.
type Skipped struct {
	View   string `json:"view"`
	Reason string `json:"reason"`
}

// Plan is what a run will do.
type Plan struct {
	Tasks   []Task
	Skipped []Skipped
}

// SelectViews picks the views to materialize as Feast does: without names,
// every online, enabled feature view; with names, each must exist and be
// enabled and online (Feast accepts offline-only views to write them offline;
// feast-go writes online only and reports them as skipped).
func SelectViews(objs *registry.Objects, names []string) ([]*registry.FeatureView, []Skipped, error) {
	if len(names) == 0 {
		var out []*registry.FeatureView
		for _, fv := range objs.FeatureViews {
			if fv.Online && !fv.Disabled {
				out = append(out, fv)
			}
		}
		if len(out) == 0 {
			return nil, nil, fmt.Errorf("project %q has no online, enabled feature views", objs.Project)
		}
		return out, nil, nil
	}
	var out []*registry.FeatureView
	var skipped []Skipped
	for _, name := range names {
		fv, err := objs.FeatureView(name)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case fv.Disabled:
			return nil, nil, fmt.Errorf("feature view %q is disabled", name)
		case !fv.Online && !fv.Offline:
			return nil, nil, fmt.Errorf("feature view %q is not configured to be served online", name)
		case !fv.Online:
			skipped = append(skipped, Skipped{View: name, Reason: "online: false (feast-go materializes to the online store only)"})
		default:
			out = append(out, fv)
		}
	}
	return out, skipped, nil
}

// PlanWindow materializes [start, end] for every selected view.
func PlanWindow(views []*registry.FeatureView, start, end time.Time) (*Plan, error) {
	if start.After(end) {
		return nil, fmt.Errorf("start %s is after end %s", start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	p := &Plan{}
	for _, fv := range views {
		p.Tasks = append(p.Tasks, Task{View: fv, Start: start, End: end})
	}
	return p, nil
}

// PlanIncremental starts each view where its last interval ended, or at
// now − ttl (now − 52 weeks without a ttl) when it was never materialized.
// A view already materialized past end is skipped.
func PlanIncremental(views []*registry.FeatureView, end, now time.Time) *Plan {
	p := &Plan{}
	for _, fv := range views {
		start := fv.LastMaterialized()
		if start.IsZero() {
			lookback := fv.TTL
			if lookback <= 0 {
				lookback = DefaultLookback
			}
			start = now.Add(-lookback)
		}
		if start.After(end) {
			p.Skipped = append(p.Skipped, Skipped{View: fv.Name, Reason: fmt.Sprintf("already materialized up to %s", start.Format(time.RFC3339))})
			continue
		}
		p.Tasks = append(p.Tasks, Task{View: fv, Start: start, End: end})
	}
	return p
}

package precompute

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
)

// Inline builds the vectors of a service as the rows of one of its views
// (the carrier) are written: each row carries its entity's vector (a rider,
// in the row's own command), so those vectors cost no read and no command
// of their own. The service's other views must have been written before, in
// the same flow: their rows are taken from what the flow holds. An entity
// whose row of some view the flow does not hold (or whose carrier row the
// store did not take) gets its vector at Finish.
type Inline struct {
	service string
	view    string // the carrier
	rider   onlinestore.View
	schema  Schema
	views   []Kept  // per projection: the held rows of its view; nil for the carrier's
	at      [][]int // per projection, where each of its features sits in its view's (-1: none)
	res     time.Duration
	carried atomic.Int64 // vectors carried by rows the store took
}

// Inline is the vector builder of the first precomputed service that view
// can carry, when the store writes riders with their rows: one that reads
// view and nothing else, or whose other views the flow has written already
// (Keep). nil when there is none: the vectors are then built at Finish.
func (t *Tracker) Inline(view string) *Inline {
	if t.store == nil || !t.store.Traits().Riders {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if in, ok := t.inline[view]; ok {
		return in
	}
	var in *Inline
	for _, fs := range t.services[view] {
		if in = t.inlineFor(fs, view); in != nil {
			break
		}
	}
	if t.inline == nil {
		t.inline = map[string]*Inline{}
	}
	t.inline[view] = in
	return in
}

// inlineFor builds fs's Inline when view can carry it (t.mu held).
func (t *Tracker) inlineFor(fs *registry.FeatureService, view string) *Inline {
	if len(fs.Projections) == 0 {
		return nil
	}
	in := &Inline{service: fs.Name, view: view, schema: SchemaOf(fs), res: t.store.Traits().TimeResolution}
	for _, p := range fs.Projections {
		fv, err := t.objs.FeatureView(p.View)
		if err != nil {
			return nil
		}
		var held Kept
		if p.View != view {
			if held = t.kept[p.View]; held == nil {
				return nil // not written yet, or not in the flow
			}
		}
		in.views = append(in.views, held)
		in.at = append(in.at, featureIndexes(fv, p))
	}
	carrier, err := t.objs.FeatureView(view)
	if err != nil {
		return nil
	}
	in.rider = StoreView(fs.Name, carrier.JoinKeys())
	return in
}

// Carriers says, for the views of a flow (in the order it starts them),
// which views should wait for which before writing, so that the last
// written view of each precomputed service of several views carries its
// vectors: carrier -> the other views of its services. Empty when the
// store does not write riders with rows.
func (t *Tracker) Carriers(views []string) map[string][]string {
	if t.store == nil || !t.store.Traits().Riders {
		return nil
	}
	pos := map[string]int{}
	for i, v := range views {
		pos[v] = i
	}
	out := map[string][]string{}
	for _, fs := range t.objs.FeatureServices {
		if !fs.PrecomputeOnline {
			continue
		}
		carrier, all := "", true
		for _, p := range fs.Projections {
			i, ok := pos[p.View]
			all = all && ok
			if ok && (carrier == "" || i > pos[carrier]) {
				carrier = p.View
			}
		}
		if !all || carrier == "" {
			continue
		}
		for _, p := range fs.Projections {
			if p.View != carrier && !slices.Contains(out[carrier], p.View) {
				out[carrier] = append(out[carrier], p.View)
			}
		}
	}
	return out
}

// Rider is the view the vectors are written to, for View.Rider.
func (in *Inline) Rider() *onlinestore.View { return &in.rider }

// VectorScratch holds AppendVector's buffers from one call to the next (one
// per goroutine), so that assembling a vector allocates nothing.
type VectorScratch struct {
	blob []byte
	row  [][]byte
}

// AppendVector appends the vector Value of entity key, whose carrier row
// holds values (the view's features, in order) at eventTS, assembled at
// now. ok is false, and nothing is appended, when the flow holds no row of
// key taken by the store in one of the other views.
func (in *Inline) AppendVector(dst []byte, sc *VectorScratch, key []byte, values [][]byte, eventTS, now time.Time) (_ []byte, ok bool) {
	var vals [64][]byte // most services have fewer features; more spill to the heap
	var stampsBuf [8]ViewStamp
	picked, stamps := vals[:0], stampsBuf[:0]
	for j, p := range in.schema.Projections {
		row, ts := values, eventTS
		if held := in.views[j]; held != nil {
			if sc.row, ts, ok = held.Written(key, sc.row[:0]); !ok {
				return dst, false
			}
			row = sc.row
		}
		picked = appendPicked(picked, row, in.at[j])
		// Each view's time as the store keeps it, as a read-back would give it.
		stamps = append(stamps, ViewStamp{Name: p.NameToUse(), TS: ts.Truncate(in.res)})
	}
	sc.blob = appendBlob(sc.blob[:0], &in.schema, picked, stamps, now)
	return appendVectorValue(dst, sc.blob), true
}

// Carried counts n vectors written with their rows.
func (in *Inline) Carried(n int64) { in.carried.Add(n) }

// appendPicked appends a projection's Values, taken from a view's row by
// featureIndexes's at (-1: an empty Value, as a read gives).
func appendPicked(dst, row [][]byte, at []int) [][]byte {
	for _, i := range at {
		var v []byte
		if i >= 0 {
			v = row[i]
		}
		dst = append(dst, v)
	}
	return dst
}

// featureIndexes says where each feature of projection p sits in fv's
// features (-1: not one of them; it reads as an empty Value).
func featureIndexes(fv *registry.FeatureView, p registry.Projection) []int {
	at := make([]int, len(p.Features))
	for k, f := range p.Features {
		at[k] = -1
		for i, vf := range fv.Features {
			if vf.Name == f.Name {
				at[k] = i
				break
			}
		}
	}
	return at
}

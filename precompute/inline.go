package precompute

import (
	"sync/atomic"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
)

// Inline builds the vectors of a service that reads one view only, as its
// rows are written: each row carries its entity's vector (a rider, in the
// row's own command), so those vectors cost no read and no command of their
// own. The entities whose rows the store did not take (older than the
// stored ones) get theirs at Finish, read back.
type Inline struct {
	service string
	view    string
	rider   onlinestore.View
	schema  Schema
	at      [][]int // per projection, where each of its features sits in the view's (-1: none)
	res     time.Duration
	carried atomic.Int64 // vectors carried by rows the store took
}

// Inline is the vector builder of the first precomputed service that reads
// view and nothing else, when the store writes riders with their rows; nil
// otherwise (the vectors are then built at Finish, from memory).
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

// inlineFor builds fs's Inline when every projection of fs reads view.
func (t *Tracker) inlineFor(fs *registry.FeatureService, view string) *Inline {
	fv, err := t.objs.FeatureView(view)
	if err != nil || len(fs.Projections) == 0 {
		return nil
	}
	in := &Inline{service: fs.Name, view: view, schema: SchemaOf(fs), res: t.store.Traits().TimeResolution}
	for _, p := range fs.Projections {
		if p.View != view {
			return nil
		}
		in.at = append(in.at, featureIndexes(fv, p))
	}
	joinKeys := fv.JoinKeys()
	in.rider = StoreView(fs.Name, joinKeys)
	return in
}

// Rider is the view the vectors are written to, for View.Rider.
func (in *Inline) Rider() *onlinestore.View { return &in.rider }

// AppendVector appends the vector Value of an entity whose row of the view
// holds values (the view's features, in order) at eventTS, assembled at
// now; scratch is a buffer for the blob, returned for reuse.
func (in *Inline) AppendVector(dst, scratch []byte, values [][]byte, eventTS, now time.Time) (_, _ []byte) {
	var vals [64][]byte // most services have fewer features; more spill to the heap
	picked := vals[:0]
	for _, at := range in.at {
		for _, i := range at {
			var v []byte
			if i >= 0 {
				v = values[i]
			}
			picked = append(picked, v)
		}
	}
	var stampsBuf [8]ViewStamp
	stamps := stampsBuf[:0]
	ts := eventTS.Truncate(in.res) // as the store keeps it, and a read-back would give it
	for _, p := range in.schema.Projections {
		stamps = append(stamps, ViewStamp{Name: p.NameToUse(), TS: ts})
	}
	scratch = appendBlob(scratch[:0], &in.schema, picked, stamps, now)
	return appendVectorValue(dst, scratch), scratch
}

// Carried counts n vectors written with their rows.
func (in *Inline) Carried(n int64) { in.carried.Add(n) }

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

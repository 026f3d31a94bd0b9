package registry

import (
	"context"
	"fmt"

	"github.com/feast-go/feast-go/registry/feastpb"
	"github.com/feast-go/feast-go/registry/feastpb/registrypb"
	"google.golang.org/protobuf/proto"
)

// viewCalls are the calls that bring a feature view on the server to the
// registry's: ApplyMaterialization for each appended interval (the server
// appends it and marks the view AVAILABLE_ONLINE), and ApplyFeatureView when
// its definition or state changes otherwise. Withdrawing an interval has no call.
func viewCalls(old *objectRows, ch rowChange, meta *feastpb.FeatureViewMeta, req *registrypb.ApplyFeatureViewRequest, asView *feastpb.FeatureView) ([]remoteCall, error) {
	what := ch.table.name + " " + ch.name
	var prev proto.Message
	if ch.exists {
		for _, row := range old.rows {
			if row.key() == (rowKey{ch.table.name, ch.project, ch.name}) {
				m, err := row.decode()
				if err != nil {
					return nil, err
				}
				prev = m
			}
		}
	}
	prevMeta := metaOfView(prev)
	appended, removed := intervalChanges(prevMeta.GetMaterializationIntervals(), meta.GetMaterializationIntervals())
	if removed > 0 {
		return nil, fmt.Errorf("withdrawing an interval of %s: %w (rewrite the window with `feast-go materialize`)", what, ErrRemoteUnsupported)
	}
	state := meta.GetState()
	if len(appended) > 0 && state == feastpb.FeatureViewState_AVAILABLE_ONLINE {
		state = prevMeta.GetState() // what ApplyMaterialization sets needs no other call
		if prev == nil {
			state = feastpb.FeatureViewState_STATE_UNSPECIFIED
		}
	}
	var calls []remoteCall
	if prev == nil || specChanged(prev, req) || state != prevMeta.GetState() {
		send := proto.Clone(req).(*registrypb.ApplyFeatureViewRequest)
		if m := metaOfView(requestView(send)); m != nil && m.State == feastpb.FeatureViewState_STATE_UNSPECIFIED && prevMeta.GetState() != 0 {
			// The server ignores STATE_UNSPECIFIED; GENERATED is the state
			// Feast itself resets a stuck MATERIALIZING view to.
			m.State = feastpb.FeatureViewState_GENERATED
		}
		calls = append(calls, remoteCall{what: "apply " + what, order: 2, do: func(ctx context.Context, c registrypb.RegistryServerClient) error {
			_, err := c.ApplyFeatureView(ctx, send)
			return err
		}})
	}
	for _, iv := range appended {
		calls = append(calls, remoteCall{what: "record an interval of " + what, order: 2, do: func(ctx context.Context, c registrypb.RegistryServerClient) error {
			_, err := c.ApplyMaterialization(ctx, &registrypb.ApplyMaterializationRequest{
				FeatureView: asView, Project: ch.project, StartDate: iv.GetStartTime(), EndDate: iv.GetEndTime(), Commit: true,
			})
			return err
		}})
	}
	return calls, nil
}

// intervalChanges lists the intervals of next that prev lacks, and counts
// those of prev that next lacks.
func intervalChanges(prev, next []*feastpb.MaterializationInterval) (appended []*feastpb.MaterializationInterval, removed int) {
	left := append([]*feastpb.MaterializationInterval(nil), prev...)
	for _, iv := range next {
		found := false
		for i, p := range left {
			if p != nil && proto.Equal(p, iv) {
				left[i], found = nil, true
				break
			}
		}
		if !found {
			appended = append(appended, iv)
		}
	}
	for _, p := range left {
		if p != nil {
			removed++
		}
	}
	return appended, removed
}

// specChanged compares a view's definition, leaving out what the server
// keeps itself: timestamps, intervals and state.
func specChanged(prev proto.Message, req *registrypb.ApplyFeatureViewRequest) bool {
	strip := func(m proto.Message) proto.Message {
		m = proto.Clone(m)
		switch v := m.(type) {
		case *feastpb.FeatureView:
			v.Meta = nil
		case *feastpb.StreamFeatureView:
			v.Meta = nil
		}
		return m
	}
	return !proto.Equal(strip(prev), strip(requestView(req)))
}

func requestView(req *registrypb.ApplyFeatureViewRequest) proto.Message {
	if v := req.GetFeatureView(); v != nil {
		return v
	}
	return req.GetStreamFeatureView()
}

func metaOfView(m proto.Message) *feastpb.FeatureViewMeta {
	switch v := m.(type) {
	case *feastpb.FeatureView:
		return v.GetMeta()
	case *feastpb.StreamFeatureView:
		return v.GetMeta()
	}
	return nil
}

// streamAsFeatureView is the FeatureView an ApplyMaterialization call carries
// for a stream feature view: the server finds the view by name and project
// in either list, and parses the message as a FeatureView.
func streamAsFeatureView(s *feastpb.StreamFeatureView) *feastpb.FeatureView {
	sp := s.GetSpec()
	return &feastpb.FeatureView{Spec: &feastpb.FeatureViewSpec{
		Name: sp.GetName(), Project: sp.GetProject(), Entities: sp.GetEntities(), Features: sp.GetFeatures(),
		EntityColumns: sp.GetEntityColumns(), Tags: sp.GetTags(), Ttl: sp.GetTtl(), BatchSource: sp.GetBatchSource(),
		StreamSource: sp.GetStreamSource(), Online: sp.GetOnline(), Description: sp.GetDescription(), Owner: sp.GetOwner(),
	}}
}

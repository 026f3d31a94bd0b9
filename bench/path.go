package bench

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/remote"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/serving"
)

// Entity is one entity row: its serialized key (direct reads) and its join
// key values as Feast's JSON API takes them (HTTP reads).
type Entity struct {
	Key    []byte
	Values map[string]any
}

// Path is one way of reading a service's features: one call is one request.
type Path interface {
	Name() string
	Read(ctx context.Context, batch []Entity) (Answer, error)
}

// Answer is a request's result; Cells renders it (for the correctness check
// only, so timed reads do not pay for it): one row per entity, one cell per
// feature in the service's order, "STATUS value".
type Answer interface {
	Cells() [][]string
}

// Path names.
const (
	Regular     = "regular"
	Precomputed = "precomputed"
)

// Direct reads the online store in-process.
type Direct struct {
	Reader      *serving.Reader
	Service     *registry.FeatureService
	Precomputed bool
}

// Name is regular or precomputed.
func (d *Direct) Name() string {
	if d.Precomputed {
		return Precomputed
	}
	return Regular
}

// Read reads the batch in one round trip (full feature names, as Feast's
// precomputed path requires).
func (d *Direct) Read(ctx context.Context, batch []Entity) (Answer, error) {
	keys := make([][]byte, len(batch))
	for i, e := range batch {
		keys[i] = e.Key
	}
	var res *serving.Result
	var err error
	if d.Precomputed {
		res, err = d.Reader.Read(ctx, d.Service, keys, true)
	} else {
		res, err = d.Reader.ReadRegular(ctx, d.Service, keys, true)
	}
	if err != nil {
		return nil, err
	}
	return directAnswer{res}, nil
}

type directAnswer struct{ r *serving.Result }

func (a directAnswer) Cells() [][]string {
	out := make([][]string, len(a.r.Rows))
	for i, row := range a.r.Rows {
		out[i] = make([]string, len(row))
		for j, f := range row {
			out[i][j] = f.Status.String() + " " + onlinestore.FormatValue(f.Value)
		}
	}
	return out
}

// HTTP reads through a Feast feature server's /get-online-features: the
// regular path names the features, the precomputed path names the service
// (Feast then reads its vectors when the service precomputes).
type HTTP struct {
	Client      *remote.Client
	Service     *registry.FeatureService
	Precomputed bool
	JoinKeys    []string
}

// Name is regular or precomputed.
func (h *HTTP) Name() string {
	if h.Precomputed {
		return Precomputed
	}
	return Regular
}

// Read posts one request for the batch.
func (h *HTTP) Read(ctx context.Context, batch []Entity) (Answer, error) {
	req := &remote.Request{Entities: make(map[string][]any, len(h.JoinKeys)), FullFeatureNames: true}
	for _, k := range h.JoinKeys {
		vals := make([]any, len(batch))
		for i, e := range batch {
			vals[i] = e.Values[k]
		}
		req.Entities[k] = vals
	}
	if h.Precomputed {
		req.FeatureService = h.Service.Name
	} else {
		for _, p := range h.Service.Projections {
			for _, f := range p.Features {
				req.Features = append(req.Features, p.View+":"+f.Name)
			}
		}
	}
	resp, err := h.Client.GetOnlineFeatures(ctx, req)
	if err != nil {
		return nil, err
	}
	return httpAnswer{resp: resp, skip: len(h.JoinKeys), rows: len(batch)}, nil
}

type httpAnswer struct {
	resp *remote.Response
	skip int // join key columns come first
	rows int
}

func (a httpAnswer) Cells() [][]string {
	out := make([][]string, a.rows)
	for _, col := range a.resp.Results[min(a.skip, len(a.resp.Results)):] {
		for i := range out {
			out[i] = append(out[i], fmt.Sprintf("%s %s", col.Statuses[i], compactJSON(col.Values[i])))
		}
	}
	return out
}

func compactJSON(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

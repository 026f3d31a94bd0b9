package cmd

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/precompute"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
	"github.com/spf13/cobra"
)

// GetOptions are get's flags.
type GetOptions struct {
	Service   string
	Entities  []string // join_key=value, one entity per flag (composite keys: k1=v1,k2=v2)
	FullNames bool
}

func newGetCmd(e *Env) *cobra.Command {
	opts := &GetOptions{}
	c := &cobra.Command{
		Use:   "get --feature-service NAME --entity KEY=VALUE [--entity ...]",
		Short: "Read a feature service's online features for some entities",
		Long: `get reads a feature service's features from the online store, as a model would: through its
precomputed vectors when the service has precompute_online (strictly: a missing or stale vector
is an error), otherwise view by view. Entities are join_key=value; composite keys join with ','.

EXIT STATUS
  0 ok · 1 error · 2 usage error`,
		Example: `  feast-go get --feature-service driver_activity --entity driver_id=1001 --entity driver_id=1002
  feast-go get --feature-service customer_view --entity customer_id=c001 --json`,
		Args:        noArgs,
		Annotations: map[string]string{needsRepo: "true"},
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.Service == "" || len(opts.Entities) == 0 {
				return usageErrorf("--feature-service and at least one --entity are required")
			}
			return runGet(c.Context(), e, opts)
		},
	}
	c.Flags().StringVar(&opts.Service, "feature-service", "", "feature service `name`")
	c.Flags().StringArrayVar(&opts.Entities, "entity", nil, "an entity as `join_key=value` (repeatable)")
	c.Flags().BoolVar(&opts.FullNames, "full-feature-names", true, "name features view__feature")
	return c
}

func runGet(ctx context.Context, e *Env, opts *GetOptions) error {
	cfg, _, objs, err := e.project(ctx)
	if err != nil {
		return err
	}
	svc, err := objs.FeatureService(opts.Service)
	if err != nil {
		return usageError{err}
	}
	primary, err := objs.FeatureView(svc.Projections[0].View)
	if err != nil {
		return err
	}
	keys, err := entityKeys(primary, opts.Entities, cfg.EntityKeySerializationVersion)
	if err != nil {
		return err
	}
	online, err := e.openReadStore(ctx, cfg, objs, 4)
	if err != nil {
		return err
	}
	defer func() { _ = online.Close() }()
	var res *precompute.Result
	reader := &precompute.Reader{Store: online, Objects: objs, Now: e.Now}
	if svc.PrecomputeOnline && cfg.OnlineStore.Type != registry.OnlineStoreRemote { // a feature server picks its own path
		res, err = reader.Read(ctx, svc, keys, opts.FullNames)
	} else {
		res, err = reader.ReadRegular(ctx, svc, keys, opts.FullNames)
	}
	if err != nil {
		return err
	}
	return e.printGet(opts, res)
}

// entityKeys serializes --entity values with the view's entity column types.
func entityKeys(fv *registry.FeatureView, specs []string, version int) ([][]byte, error) {
	enc := onlinestore.NewKeyEncoder(fv.JoinKeys(), version)
	var out [][]byte
	for _, spec := range specs {
		given := map[string]string{}
		for _, part := range strings.Split(spec, ",") {
			k, v, ok := strings.Cut(part, "=")
			if !ok {
				return nil, usageErrorf("--entity %q: expected join_key=value", spec)
			}
			given[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		vals := make([]*feastpb.Value, len(fv.EntityColumns))
		for i, col := range fv.EntityColumns {
			raw, ok := given[col.Name]
			if !ok {
				return nil, usageErrorf("--entity %q: missing join key %q (feature view %q is keyed by %s)", spec, col.Name, fv.Name, strings.Join(fv.JoinKeys(), ", "))
			}
			v, err := parseKeyValue(raw, col.Type)
			if err != nil {
				return nil, usageErrorf("--entity %q: %s: %v", spec, col.Name, err)
			}
			vals[i] = v
		}
		k, err := enc.Append(nil, vals)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func parseKeyValue(s string, t registry.ValueType) (*feastpb.Value, error) {
	switch t {
	case feastpb.ValueType_STRING:
		return &feastpb.Value{Val: &feastpb.Value_StringVal{StringVal: s}}, nil
	case feastpb.ValueType_BYTES:
		return &feastpb.Value{Val: &feastpb.Value_BytesVal{BytesVal: []byte(s)}}, nil
	case feastpb.ValueType_INT32:
		n, err := strconv.ParseInt(s, 10, 32)
		return &feastpb.Value{Val: &feastpb.Value_Int32Val{Int32Val: int32(n)}}, err
	case feastpb.ValueType_INT64:
		n, err := strconv.ParseInt(s, 10, 64)
		return &feastpb.Value{Val: &feastpb.Value_Int64Val{Int64Val: n}}, err
	case feastpb.ValueType_UNIX_TIMESTAMP:
		n, err := strconv.ParseInt(s, 10, 64)
		return &feastpb.Value{Val: &feastpb.Value_UnixTimestampVal{UnixTimestampVal: n}}, err
	}
	return nil, fmt.Errorf("unsupported key type %s", t)
}

func (e *Env) printGet(opts *GetOptions, res *precompute.Result) error {
	if e.Printer.JSON {
		for i, row := range res.Rows {
			feats := map[string]any{}
			for j, f := range row {
				feats[res.Names[j]] = map[string]any{"value": onlinestore.FormatValue(f.Value), "status": f.Status.String(), "event_timestamp": f.EventTS}
			}
			if err := e.Printer.Record(map[string]any{"message_type": "status", "command": "get", "entity": opts.Entities[i], "features": feats}); err != nil {
				return err
			}
		}
		return nil
	}
	var b strings.Builder
	for i, row := range res.Rows {
		fmt.Fprintf(&b, "%s\n", opts.Entities[i])
		for j, f := range row {
			fmt.Fprintf(&b, "  %-36s %-24s %s\n", res.Names[j], onlinestore.FormatValue(f.Value), f.Status)
		}
	}
	_, err := fmt.Fprint(e.IO.Out, b.String())
	return err
}

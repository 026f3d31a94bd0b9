package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/open"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/serving"
	"github.com/spf13/cobra"
)

// GetOptions are get's options.
type GetOptions struct {
	Service   string   `opt:"feature-service"`
	Features  []string `opt:"features"`
	Entities  []string `opt:"entity"` // join_key=value, one entity per flag (composite keys: k1=v1,k2=v2)
	FullNames bool     `opt:"full-feature-names"`
}

func newGetCmd(e *Env) *cobra.Command {
	opts := &GetOptions{}
	c := &cobra.Command{
		Use:   "get --feature-service NAME | --features VIEW:FEATURE,... --entity KEY=VALUE [--entity ...]",
		Short: "Read a feature service's online features for some entities",
		Long: `get reads a feature service's features from the online store, as a model would: through its
precomputed vectors when the service has precompute_online (strictly: a missing or stale vector
is an error), otherwise view by view; --features reads single features view by view. Entities
are join_key=value; composite keys join with ','.

EXIT STATUS
  0 ok · 1 error · 2 usage error`,
		Example: `  feast-go get --feature-service driver_activity --entity driver_id=1001 --entity driver_id=1002
  feast-go get --feature-service customer_view --entity customer_id=c001 --json
  feast-go get --features driver_live:conv_rate --entity driver_id=1001`,
		Args:        noArgs,
		Annotations: map[string]string{needsRepo: "true"},
		RunE:        command(e, opts, nil, runGet),
	}
	c.Flags().String("feature-service", "", "feature service `name`")
	c.Flags().StringSlice("features", nil, "features to read instead of a service (`view:feature,...`)")
	c.Flags().StringArray("entity", nil, "an entity as `join_key=value` (repeatable)")
	c.Flags().Bool("full-feature-names", true, "name features view__feature")
	return c
}

func runGet(ctx context.Context, e *Env, opts *GetOptions) error {
	if (opts.Service == "") == (len(opts.Features) == 0) || len(opts.Entities) == 0 {
		return usageErrorf("give --feature-service NAME or --features VIEW:FEATURE,..., and at least one --entity")
	}
	repo, err := e.repo(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = repo.Close() }()
	var svc *registry.FeatureService
	if opts.Service != "" {
		svc, err = repo.Objects.FeatureService(opts.Service)
	} else if svc, err = serving.AdHocService(repo.Objects, opts.Features); err != nil {
		err = fmt.Errorf("--features: %w", err)
	}
	if err != nil {
		return usageError{err}
	}
	primary, err := repo.Objects.FeatureView(svc.Projections[0].View)
	if err != nil {
		return err
	}
	keys, err := serving.ParseEntities(primary, opts.Entities, repo.Config.EntityKeySerializationVersion)
	if err != nil {
		return usageErrorf("--entity: %w", err)
	}
	online, err := open.OpenReader(ctx, repo.Config, repo.Objects, open.Tuning{Connections: 4, Log: e.Log})
	if err != nil {
		return err
	}
	defer func() { _ = online.Close() }()
	var res *serving.Result
	reader := &serving.Reader{Store: online, Objects: repo.Objects, Now: e.Now}
	if svc.PrecomputeOnline && repo.Config.OnlineStore.Type != registry.OnlineStoreRemote { // a feature server picks its own path
		res, err = reader.Read(ctx, svc, keys, opts.FullNames)
	} else {
		res, err = reader.ReadRegular(ctx, svc, keys, opts.FullNames)
	}
	if err != nil {
		return err
	}
	for i, row := range res.Rows {
		feats := map[string]any{}
		for j, f := range row {
			var ts any // null when the entity has no row
			if !f.EventTS.IsZero() {
				ts = f.EventTS
			}
			feats[res.Names[j]] = map[string]any{"value": onlinestore.JSONValue(f.Value), "status": f.Status.String(), "event_timestamp": ts}
		}
		if err := e.Printer.Status("get", map[string]any{"entity": opts.Entities[i], "features": feats}); err != nil {
			return err
		}
	}
	return e.Printer.Summary("get", getReport{res: res, entities: opts.Entities})
}

// getReport prints each entity's features in text; with --json, the status
// records (one per entity) carry the features and the summary counts them.
type getReport struct {
	res      *serving.Result
	entities []string
}

func (r getReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"entities_read": len(r.entities), "features_per_entity": len(r.res.Names)})
}

func (r getReport) WriteText(w io.Writer) error {
	var b strings.Builder
	for i, row := range r.res.Rows {
		fmt.Fprintf(&b, "%s\n", r.entities[i])
		for j, f := range row {
			fmt.Fprintf(&b, "  %-36s %-24s %s\n", r.res.Names[j], onlinestore.FormatValue(f.Value), f.Status)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

package cmd

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/precompute"
	"github.com/feast-go/feast-go/registry"
	"github.com/spf13/cobra"
)

// PrecomputeOptions are precompute's flags.
type PrecomputeOptions struct {
	Services []string
	Since    string
}

func newPrecomputeCmd(e *Env) *cobra.Command {
	opts := &PrecomputeOptions{}
	c := &cobra.Command{
		Use:   "precompute [SERVICE...]",
		Short: "Rebuild the precomputed feature vectors of feature services",
		Long: `precompute rebuilds the precomputed vectors (one blob per entity holding every feature of a
feature service, stored where Feast 0.67 reads them) of every service with precompute_online, or of
the named services. It lists the service's entities in the online store and reads all their views
in one round trip per batch. --since rebuilds only entities with a view updated at or after a time.
materialize and materialize-incremental already rebuild the vectors of the entities they wrote.

EXIT STATUS
  0 ok · 1 error · 2 usage error · 130 interrupted`,
		Example: `  feast-go precompute
  feast-go precompute driver_activity --since -1d --json`,
		Annotations: map[string]string{needsRepo: "true"},
		RunE: func(c *cobra.Command, args []string) error {
			opts.Services = args
			return runPrecompute(c.Context(), e, opts)
		},
	}
	c.Flags().StringVar(&opts.Since, "since", "", "only entities with a view updated at or after this `time`")
	return c
}

// precomputeServices picks the services: the named ones (even without the
// flag, as Feast's precompute_feature_service), else all with precompute_online.
func precomputeServices(objs *registry.Objects, names []string) ([]*registry.FeatureService, error) {
	if len(names) == 0 {
		var out []*registry.FeatureService
		for _, fs := range objs.FeatureServices {
			if fs.PrecomputeOnline {
				out = append(out, fs)
			}
		}
		return out, nil
	}
	var out []*registry.FeatureService
	for _, n := range names {
		fs, err := objs.FeatureService(n)
		if err != nil {
			return nil, usageError{err}
		}
		out = append(out, fs)
	}
	return out, nil
}

func runPrecompute(ctx context.Context, e *Env, opts *PrecomputeOptions) error {
	cfg, _, objs, err := e.project(ctx)
	if err != nil {
		return err
	}
	var since time.Time
	if opts.Since != "" {
		if since, err = parseTime(opts.Since, e.Now()); err != nil {
			return err
		}
	}
	services, err := precomputeServices(objs, opts.Services)
	if err != nil {
		return err
	}
	if len(services) == 0 {
		return fmt.Errorf("project %q has no feature service with precompute_online: true", cfg.Project)
	}
	online, err := e.openOnlineStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = online.Close() }()
	var done atomic.Int64
	b := &precompute.Builder{Store: online, Objects: objs, Now: e.Now, Done: &done}
	var stats []precompute.Stats
	for _, fs := range services {
		done.Store(0)
		stop := e.counterLine("precompute "+fs.Name, &done)
		st, err := b.RebuildAll(ctx, fs, since)
		stop()
		stats = append(stats, st)
		if err != nil {
			return err
		}
	}
	return e.printPrecompute(stats)
}

func (e *Env) printPrecompute(stats []precompute.Stats) error {
	if e.Printer.JSON {
		return e.Printer.Summary("precompute", map[string]any{"services": stats}, nil)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %10s %10s %10s %8s\n", "SERVICE", "ENTITIES", "WRITTEN", "SKIPPED", "SECONDS")
	for _, s := range stats {
		fmt.Fprintf(&b, "%-28s %10d %10d %10d %8.2f\n", s.Service, s.Entities, s.Written, s.Skipped, s.Seconds)
	}
	_, err := fmt.Fprint(e.IO.Out, b.String())
	return err
}

// touched collects, per precomputed service, the entity keys materialize wrote
// to any of its views, so only those vectors are rebuilt.
type touched struct {
	mu       sync.Mutex
	services map[string][]*registry.FeatureService // view -> services reading it
	keys     map[string]map[string]struct{}        // service -> entity keys
}

func newTouched(objs *registry.Objects) *touched {
	t := &touched{services: map[string][]*registry.FeatureService{}, keys: map[string]map[string]struct{}{}}
	for _, fs := range objs.FeatureServices {
		if !fs.PrecomputeOnline {
			continue
		}
		for _, p := range fs.Projections {
			t.services[p.View] = append(t.services[p.View], fs)
		}
	}
	return t
}

func (t *touched) add(view string, keys [][]byte) {
	svcs := t.services[view]
	if len(svcs) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, fs := range svcs {
		set := t.keys[fs.Name]
		if set == nil {
			set = map[string]struct{}{}
			t.keys[fs.Name] = set
		}
		for _, k := range keys {
			set[string(k)] = struct{}{}
		}
	}
}

// rebuild refreshes the vectors of the touched entities of every affected service.
func (t *touched) rebuild(ctx context.Context, objs *registry.Objects, store onlinestore.Store, now func() time.Time) ([]precompute.Stats, error) {
	b := &precompute.Builder{Store: store, Objects: objs, Now: now}
	var out []precompute.Stats
	for _, fs := range objs.FeatureServices {
		set := t.keys[fs.Name]
		if len(set) == 0 {
			continue
		}
		keys := make([][]byte, 0, len(set))
		for k := range set {
			keys = append(keys, []byte(k))
		}
		st, err := b.Rebuild(ctx, fs, keys, time.Time{})
		out = append(out, st)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

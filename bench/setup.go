package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/feast-go/feast-go/ingest"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/open"
	"github.com/feast-go/feast-go/onlinestore/remote"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/serving"
)

// Options are a bench run as `feast-go bench` describes it.
type Options struct {
	Service      string   // a feature service, or:
	Features     []string // VIEW:FEATURE references read as an ad-hoc service
	EntitiesFile string   // entity rows to read; "" = sample the online store
	Sample       int      // entities sampled from the store
	Paths        []string // regular, precomputed; nil = both when the service precomputes
	NoCheck      bool     // skip the correctness check
	Plot         string   // write a PNG chart here
	// Target is a Feast feature server URL read instead of the store (the
	// config's remote online store when empty); HTTP tunes its client.
	Target string
	HTTP   remote.Options
	Config Config
	Log    *slog.Logger // the store's own messages (nil: none)
}

// OptionError is an option a bench cannot run with (an unknown service or
// feature, a path the service lacks, an entity file of unknown format).
// Option is its name as the command line spells it, without dashes.
type OptionError struct {
	Option string
	Err    error
}

func (e *OptionError) Error() string { return e.Option + ": " + e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

func optionErr(option, format string, args ...any) error {
	return &OptionError{Option: option, Err: fmt.Errorf(format, args...)}
}

// Run sets up a bench on repo (the service, its entities, its paths),
// measures it and writes the chart. step, when set, is told each step.
func Run(ctx context.Context, repo *registry.Repo, o Options, log func(string)) (*Report, error) {
	svc, err := service(repo.Objects, o)
	if err != nil {
		return nil, err
	}
	paths, err := choosePaths(svc, o.Paths)
	if err != nil {
		return nil, err
	}
	primary, err := repo.Objects.FeatureView(svc.Projections[0].View)
	if err != nil {
		return nil, err
	}
	cfg := repo.Config
	target := o.Target
	if target == "" && cfg.OnlineStore.Type == registry.OnlineStoreRemote {
		target = cfg.OnlineStore.Remote.Path
	}
	rep := &Report{Service: svc.Name, Views: len(svc.Projections), Iterations: o.Config.Iterations, Warmup: o.Config.Warmup}
	for _, p := range svc.Projections {
		rep.Features += len(p.Features)
	}

	var store onlinestore.Store
	if o.EntitiesFile == "" || target == "" { // the store is sampled, or read directly
		if store, err = open.OpenReader(ctx, cfg, repo.Objects, open.Tuning{Connections: o.Config.Concurrency + 2, Log: o.Log}); err != nil {
			return nil, err
		}
		defer func() { _ = store.Close() }()
	}
	ents, err := loadEntities(ctx, o, cfg, store, primary, rep)
	if err != nil {
		return nil, err
	}
	var impls []Path
	var client *remote.Client
	if target != "" {
		h := o.HTTP
		h.URL = target
		if client, err = remote.New(h); err != nil {
			return nil, &OptionError{Option: "target", Err: err}
		}
		defer client.Close()
		keepAlive := !h.NoKeepAlive
		rep.KeepAlive = &keepAlive
		rep.Source += ", read through " + target
		for _, p := range paths {
			impls = append(impls, &HTTP{Client: client, Service: svc, Precomputed: p == Precomputed, JoinKeys: primary.JoinKeys()})
		}
	} else {
		// A bench runs for minutes: it reads the registry as Feast's servers
		// do, through a cache that honours cache_ttl_seconds and cache_mode.
		cache, err := registry.NewCache(ctx, repo.Registry, cfg.Project, cfg.Registry, nil)
		if err != nil {
			return nil, err
		}
		defer cache.Close()
		reader := &serving.Reader{Store: store, Registry: cache}
		for _, p := range paths {
			impls = append(impls, &Direct{Reader: reader, Service: svc, Precomputed: p == Precomputed})
		}
	}
	conf := o.Config
	conf.CheckIgnoresAge = target != ""
	runner := &Runner{Paths: impls, Entities: ents, Config: conf, Step: log}
	if len(impls) == 2 && !o.NoCheck {
		runner.step("correctness check")
		rep.Check, err = runner.Check(ctx, impls[0], impls[1], svc.Name, func(en Entity) string { return onlinestore.DescribeKey(en.Key) })
		if err != nil {
			return nil, err
		}
	}
	if rep.Latency, err = runner.Latency(ctx); err != nil {
		return rep, err
	}
	if rep.Throughput, err = runner.Throughput(ctx); err != nil {
		return rep, err
	}
	if client != nil {
		st := client.Stats()
		rep.HTTP = &st
	}
	if o.Plot != "" {
		if err := writePlot(o.Plot, svc.Name, rep.Latency); err != nil {
			return rep, err
		}
		rep.PlotWritten = o.Plot
	}
	return rep, nil
}

// loadEntities are the entity rows to read: the file's, or a sample of the
// store's; rep learns where they came from and how many there are.
func loadEntities(ctx context.Context, o Options, cfg *registry.Config, store onlinestore.Store, primary *registry.FeatureView, rep *Report) ([]Entity, error) {
	var ents []Entity
	var err error
	if o.EntitiesFile != "" {
		ents, err = entitiesFile(o.EntitiesFile, primary, cfg.EntityKeySerializationVersion)
		rep.Source = o.EntitiesFile
	} else {
		scanner, ok := store.(onlinestore.KeyScanner)
		if !ok {
			return nil, optionErr("entities", "the %s online store cannot list entities; give an entities file", cfg.OnlineStore.Type)
		}
		ents, err = SampleEntities(ctx, scanner, onlinestore.ViewOf(primary), o.Sample)
		rep.Source = cfg.OnlineStore.Type + " online store"
	}
	if err != nil {
		return nil, err
	}
	if len(ents) == 0 {
		return nil, fmt.Errorf("no entities found for feature view %q in the %s: materialize or push rows first, or give an entities file", primary.Name, rep.Source)
	}
	rep.Entities = len(ents)
	return ents, nil
}

func writePlot(path, title string, lat []Latency) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if err := Plot(f, "feature service "+title+": latency vs batch size", lat); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// service is the named service, or an ad-hoc one for Features.
func service(objs *registry.Objects, o Options) (*registry.FeatureService, error) {
	if (o.Service == "") == (len(o.Features) == 0) {
		return nil, optionErr("feature-service", "give a feature service or features (one of them)")
	}
	if o.Service != "" {
		fs, err := objs.FeatureService(o.Service)
		if err != nil {
			return nil, &OptionError{Option: "feature-service", Err: err}
		}
		return fs, nil
	}
	svc, err := serving.AdHocService(objs, o.Features)
	if err != nil {
		return nil, &OptionError{Option: "features", Err: err}
	}
	return svc, nil
}

// choosePaths picks the paths: as asked, or both when the service precomputes.
func choosePaths(svc *registry.FeatureService, asked []string) ([]string, error) {
	if len(asked) == 0 {
		if svc.PrecomputeOnline {
			return []string{Regular, Precomputed}, nil
		}
		return []string{Regular}, nil
	}
	var out []string
	for _, p := range asked {
		switch p {
		case Regular:
		case Precomputed:
			if !svc.PrecomputeOnline {
				return nil, optionErr("paths", "precomputed: feature service %q does not precompute (precompute_online: false), so it has no vectors", svc.Name)
			}
		default:
			return nil, optionErr("paths", "%q: expected regular or precomputed", p)
		}
		out = append(out, p)
	}
	return out, nil
}

func entitiesFile(path string, fv *registry.FeatureView, version int) ([]Entity, error) {
	format, err := ingest.DetectFormat(path, "")
	if err != nil {
		return nil, &OptionError{Option: "entities", Err: err}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("entities file: %w", err)
	}
	defer func() { _ = f.Close() }()
	keys, err := serving.ReadEntityKeys(f, format, path, fv, version)
	if err != nil {
		return nil, err
	}
	out := make([]Entity, len(keys))
	for i, k := range keys {
		if out[i], err = entityOf(k); err != nil {
			return nil, err
		}
	}
	return out, nil
}

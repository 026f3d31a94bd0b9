package registry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
)

// storeBackend makes the configuration of a fresh, empty registry of one kind.
type storeBackend struct {
	name string
	new  func(t testing.TB) *Config
}

// storeBackends are every registry kind feast-go opens, each on a real
// server where it has one.
func storeBackends() []storeBackend {
	cfg := func(t testing.TB, typ, path string) *Config {
		return &Config{Project: "drivers", Dir: t.TempDir(), Registry: RegistryConfig{Type: typ, Path: path}}
	}
	return []storeBackend{
		{"file", func(t testing.TB) *Config { return cfg(t, "file", filepath.Join(t.TempDir(), "registry.db")) }},
		{"sql-sqlite", func(t testing.TB) *Config {
			return cfg(t, "sql", "sqlite:///"+filepath.Join(t.TempDir(), "registry.db"))
		}},
		{"sql-postgres", func(t testing.TB) *Config {
			return cfg(t, "sql", "postgresql+psycopg://"+testenv.Postgres(t)[len("postgresql://"):])
		}},
		{"sql-mariadb", func(t testing.TB) *Config {
			return cfg(t, "sql", "mysql+pymysql://"+testenv.MariaDB(t)[len("mysql://"):])
		}},
		{"s3", func(t testing.TB) *Config {
			t.Setenv("FEAST_S3_ENDPOINT_URL", testenv.S3(t, "feast-registry"))
			return cfg(t, "file", "s3://feast-registry/team/registry.db")
		}},
		{"gcs", func(t testing.TB) *Config {
			testenv.GCS(t, "feast-registry")
			return cfg(t, "file", "gs://feast-registry/team/registry.db")
		}},
		{"remote", func(t testing.TB) *Config {
			return cfg(t, "remote", testenv.RegistryServer(t, testenv.FeastPython(t), serverRepo(t), "", ""))
		}},
	}
}

// serverRepo is the repository a registry server serves: its own file registry.
func serverRepo(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	yaml := "project: drivers\nregistry: data/registry.db\nprovider: local\nonline_store:\n  type: sqlite\n  path: data/online.db\nentity_key_serialization_version: 3\n"
	if err := os.WriteFile(filepath.Join(dir, "feature_store.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func openTestStore(t testing.TB, c *Config) Store {
	t.Helper()
	s, err := OpenStore(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func viewOf(t *testing.T, s Store, name string) *FeatureView {
	t.Helper()
	r, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o, err := r.Objects("drivers")
	if err != nil {
		t.Fatal(err)
	}
	fv, err := o.FeatureView(name)
	if err != nil {
		t.Fatal(err)
	}
	return fv
}

// TestStoreConformance runs the same life of a registry on every backend:
// read before anything is written, apply, re-apply, interval appends and
// state changes, deletion, and concurrent writers (goroutines and processes).
func TestStoreConformance(t *testing.T) {
	for _, b := range storeBackends() {
		t.Run(b.name, func(t *testing.T) {
			if b.name != "file" && testing.Short() {
				t.Skip("registries on servers do not run with -short")
			}
			ctx := context.Background()
			c := b.new(t)
			s := openTestStore(t, c)
			if _, err := s.Read(ctx); !errors.Is(err, ErrNoRegistry) {
				t.Fatalf("read of an empty registry: %v, want ErrNoRegistry", err)
			}
			plan, err := Apply(ctx, s, loadDriversDefs(t, nil), ApplyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !plan.HasChanges() {
				t.Fatal("first apply changed nothing")
			}
			// A second process (a second store) sees the objects.
			other := openTestStore(t, c)
			r, err := other.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			o, err := r.Objects("drivers")
			if err != nil {
				t.Fatal(err)
			}
			if len(o.Entities) == 0 || len(o.FeatureViews) == 0 || len(o.DataSources) == 0 || len(o.FeatureServices) == 0 {
				t.Fatalf("read back %d entities, %d views, %d sources, %d services", len(o.Entities), len(o.FeatureViews), len(o.DataSources), len(o.FeatureServices))
			}
			if got := r.Projects(); !slices.Equal(got, []string{"drivers"}) {
				t.Errorf("projects %v", got)
			}
			plan, err = Apply(ctx, other, loadDriversDefs(t, nil), ApplyOptions{})
			if err != nil || plan.HasChanges() {
				t.Fatalf("re-apply: %v, changes %v", err, plan.Changes)
			}

			// An interval append marks the view AVAILABLE_ONLINE; a state change is kept.
			view := o.FeatureViews[0].Name
			if err := s.Update(ctx, func(r *Registry) error {
				_, err := r.SetViewState("drivers", view, StateMaterializing)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if got := viewOf(t, other, view).State; got != StateMaterializing {
				t.Errorf("state %q after SetViewState", got)
			}
			if err := s.Update(ctx, func(r *Registry) error {
				return r.RecordMaterialization("drivers", view, t0, t0.Add(time.Hour), t0)
			}); err != nil {
				t.Fatal(err)
			}
			fv := viewOf(t, other, view)
			if len(fv.Intervals) != 1 || !fv.Intervals[0].End.Equal(t0.Add(time.Hour)) || fv.State != StateAvailableOnline {
				t.Errorf("after the append: intervals %v, state %q", fv.Intervals, fv.State)
			}
			// A failed update writes nothing.
			boom := errors.New("boom")
			if err := s.Update(ctx, func(r *Registry) error {
				_ = r.RecordMaterialization("drivers", view, t0, t0.Add(2*time.Hour), t0)
				return boom
			}); !errors.Is(err, boom) {
				t.Fatalf("failed update: %v", err)
			}
			if n := len(viewOf(t, other, view).Intervals); n != 1 {
				t.Errorf("a failed update left %d intervals", n)
			}

			// Feast's registry server loses views when two processes record at
			// once (see RemoteStore); feast-go serializes its own goroutines.
			procs := 2
			if c.Registry.Type == "remote" {
				procs = 0
			}
			appendConcurrently(t, c, view, 8, procs, 5)
			if n := len(viewOf(t, other, view).Intervals); n != 1+(8+procs)*5 {
				t.Errorf("%d intervals after concurrent appends, want %d: an update was lost", n, 1+(8+procs)*5)
			}

			// Removing a view from the definitions deletes it.
			defs := loadDriversDefs(t, nil)
			removed := defs.FeatureViews[len(defs.FeatureViews)-1].Name
			for i, s := range defs.FeatureServices {
				if slices.ContainsFunc(s.Projections, func(p Projection) bool { return p.View == removed }) {
					defs.FeatureServices = slices.Delete(defs.FeatureServices, i, i+1)
				}
			}
			defs.FeatureViews = defs.FeatureViews[:len(defs.FeatureViews)-1]
			if _, err := Apply(ctx, s, defs, ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			r, err = other.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			o, _ = r.Objects("drivers")
			if _, err := o.FeatureView(removed); !errors.Is(err, ErrNotFound) {
				t.Errorf("removed view %q still read: %v", removed, err)
			}
		})
	}
}

// appendConcurrently appends intervals to view from goroutines of this
// process (each with its own store) and from other processes.
func appendConcurrently(t *testing.T, c *Config, view string, goroutines, procs, each int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines+procs)
	for g := range goroutines {
		wg.Go(func() {
			s, err := OpenStore(c)
			if err != nil {
				errs <- err
				return
			}
			defer func() { _ = s.Close() }()
			errs <- appendIntervals(s, view, 100+g*each, each)
		})
	}
	for p := range procs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "FEAST_GO_HELPER_APPEND=1", "HELPER_TYPE="+c.Registry.Type, "HELPER_PATH="+c.Registry.Path,
				"HELPER_DIR="+c.Dir, "HELPER_VIEW="+view, fmt.Sprintf("HELPER_FIRST=%d", 1000+p*each), fmt.Sprintf("HELPER_COUNT=%d", each))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("helper process: %v\n%s", err, out)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func appendIntervals(s Store, view string, first, n int) error {
	for i := first; i < first+n; i++ {
		start := t0.Add(time.Duration(i) * time.Hour)
		if err := s.Update(context.Background(), func(r *Registry) error {
			return r.RecordMaterialization("drivers", view, start, start.Add(time.Hour), t0)
		}); err != nil {
			return err
		}
	}
	return nil
}

// helperAppend is the second process of appendConcurrently: TestMain runs it
// instead of the tests when FEAST_GO_HELPER_APPEND is set.
func helperAppend() error {
	first, _ := strconv.Atoi(os.Getenv("HELPER_FIRST"))
	n, _ := strconv.Atoi(os.Getenv("HELPER_COUNT"))
	s, err := OpenStore(&Config{Project: "drivers", Dir: os.Getenv("HELPER_DIR"), Registry: RegistryConfig{Type: os.Getenv("HELPER_TYPE"), Path: os.Getenv("HELPER_PATH")}})
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	return appendIntervals(s, os.Getenv("HELPER_VIEW"), first, n)
}

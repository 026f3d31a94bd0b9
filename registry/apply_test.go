package registry

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/golden"
	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/proto"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// fixedUUIDs makes version and project ids reproducible for the duration of a test.
func fixedUUIDs(t *testing.T) {
	old := uuidSource
	uuidSource = rand.NewChaCha8([32]byte{1})
	t.Cleanup(func() { uuidSource = old })
}

func loadDriversDefs(t testing.TB, edit func(string) string) *Objects {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "repos", "drivers", "definitions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if edit != nil {
		text = edit(text)
	}
	o := &Objects{Project: "drivers"}
	if err := ParseDefinitions(o, "definitions.yaml", []byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	return o
}

func planOutputs(t *testing.T, name string, p *Plan) {
	t.Helper()
	p.Registry = "data/registry.db"
	var text bytes.Buffer
	if err := p.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, name+"_text", text.Bytes())
	js, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, name+"_json", append(js, '\n'))
}

func TestApplyLifecycle(t *testing.T) {
	fixedUUIDs(t)
	ctx := context.Background()
	dir := t.TempDir()
	clock := t0
	store := &FileStore{Path: filepath.Join(dir, "data", "registry.db"), Now: func() time.Time { return clock }}
	opts := ApplyOptions{Now: func() time.Time { return clock }}

	// 1. A dry run plans everything and writes nothing.
	dry := opts
	dry.DryRun = true
	p, err := Apply(ctx, store, loadDriversDefs(t, nil), dry)
	if err != nil {
		t.Fatal(err)
	}
	planOutputs(t, "plan_initial_dry_run", p)
	if _, err := os.Stat(store.Path); !os.IsNotExist(err) {
		t.Fatalf("dry run wrote the registry: %v", err)
	}

	// 2. The first apply writes every object; the bytes are pinned.
	if p, err = Apply(ctx, store, loadDriversDefs(t, nil), opts); err != nil {
		t.Fatal(err)
	}
	if !p.Applied || p.Unchanged != 0 || len(p.Changes) != 15 {
		t.Fatalf("first apply: %+v", p)
	}
	raw, err := os.ReadFile(store.Path)
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "registry_drivers_hex", []byte(hex.Dump(raw)))

	// 3. Materialize one view, then change it, drop a service and a view.
	clock = t0.Add(time.Hour)
	err = store.Update(ctx, func(r *Registry) error {
		return r.RecordMaterialization("drivers", "driver_hourly_stats", t0.Add(-24*time.Hour), t0, clock)
	})
	if err != nil {
		t.Fatal(err)
	}
	clock = t0.Add(2 * time.Hour)
	changed := loadDriversDefs(t, func(s string) string {
		s = strings.Replace(s, "ttl: 24h", "ttl: 48h", 1)
		s = strings.Replace(s, "      - {name: avg_daily_trips, dtype: Int64}\n", "      - {name: avg_daily_trips, dtype: Int64}\n      - {name: rating, dtype: Float64}\n", 1)
		i := strings.Index(s, "  - name: customer_view")
		return s[:i]
	})
	changed.FeatureViews = slices.DeleteFunc(changed.FeatureViews, func(fv *FeatureView) bool { return fv.Name == "customer_profile" })
	if p, err = Apply(ctx, store, changed, opts); err != nil {
		t.Fatal(err)
	}
	planOutputs(t, "plan_change", p)
	if len(p.RemovedViews) != 1 || p.RemovedViews[0].Name != "customer_profile" {
		t.Errorf("removed views = %v", p.RemovedViews)
	}

	r, err := store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var fvpb *feastpb.FeatureView
	for _, v := range r.pb.FeatureViews {
		if v.Spec.Name == "driver_hourly_stats" {
			fvpb = v
		}
	}
	if got := fvpb.GetMeta().GetCreatedTimestamp().AsTime(); !got.Equal(t0) {
		t.Errorf("created timestamp = %v, want kept %v", got, t0)
	}
	if got := fvpb.GetMeta().GetLastUpdatedTimestamp().AsTime(); !got.Equal(clock) {
		t.Errorf("last updated = %v, want %v", got, clock)
	}
	if n := len(fvpb.GetMeta().GetMaterializationIntervals()); n != 1 || fvpb.Meta.State != feastpb.FeatureViewState_AVAILABLE_ONLINE {
		t.Errorf("changed view lost its materialization state: %d intervals, %v", n, fvpb.Meta.State)
	}

	// 4. Applying the same definitions again changes nothing and writes nothing.
	before, _ := os.ReadFile(store.Path)
	if p, err = Apply(ctx, store, changed, opts); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(store.Path)
	if p.HasChanges() || p.Applied || !bytes.Equal(before, after) {
		t.Errorf("re-apply changed something: %+v", p)
	}
}

func TestRegistryRoundTripKeepsUnknownFields(t *testing.T) {
	// A registry with an on-demand feature view (field 8) and a feature service
	// logging config (FeatureServiceSpec field 7), neither modelled by feast-go.
	r := NewRegistry()
	r.pb.FeatureServices = []*feastpb.FeatureService{{Spec: &feastpb.FeatureServiceSpec{Name: "s", Project: "p"}}}
	b, err := proto.Marshal(r.pb)
	if err != nil {
		t.Fatal(err)
	}
	odfv := []byte{0x42, 0x04, 0x0a, 0x02, 0x0a, 0x00} // field 8: {spec: {name: ""}}
	b = append(b, odfv...)
	parsed, err := ParseRegistry(b)
	if err != nil {
		t.Fatal(err)
	}
	parsed.pb.FeatureServices[0].Spec.ProtoReflect().SetUnknown([]byte{0x3a, 0x02, 0x0d, 0x00}) // spec field 7
	out, err := parsed.Marshal(t0)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseRegistry(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, odfv) || len(again.pb.ProtoReflect().GetUnknown()) != len(odfv) {
		t.Error("unknown registry field lost on round trip")
	}
	if len(again.pb.FeatureServices[0].Spec.ProtoReflect().GetUnknown()) != 4 {
		t.Error("unknown feature service field lost on round trip")
	}
	if again.pb.VersionId == "" || !again.pb.LastUpdated.AsTime().Equal(t0) {
		t.Error("version id / last updated not stamped")
	}
}

func TestFileStoreConcurrentUpdatesLoseNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := &FileStore{Path: filepath.Join(dir, "registry.db")}
	if _, err := Apply(ctx, store, loadDriversDefs(t, nil), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	const writers = 16
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Separate stores, as separate processes would have.
			s := &FileStore{Path: store.Path}
			errs <- s.Update(ctx, func(r *Registry) error {
				start := t0.Add(time.Duration(i) * time.Hour)
				return r.RecordMaterialization("drivers", "driver_hourly_stats", start, start.Add(time.Hour), t0)
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r, err := store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := r.Objects("drivers")
	fv, _ := o.FeatureView("driver_hourly_stats")
	if len(fv.Intervals) != writers {
		t.Errorf("%d intervals recorded, want %d: concurrent updates were lost", len(fv.Intervals), writers)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".registry.db.tmp-*")); len(matches) > 0 {
		t.Errorf("temporary files left behind: %v", matches)
	}
}

func TestFileStoreErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := &FileStore{Path: filepath.Join(dir, "registry.db")}
	if _, err := store.Read(ctx); err == nil || !strings.Contains(err.Error(), "feast-go apply") {
		t.Errorf("missing registry: %v", err)
	}
	if err := os.WriteFile(store.Path, []byte{0xff, 0xff, 0xff}, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Read(ctx); err == nil || !strings.Contains(err.Error(), store.Path) {
		t.Errorf("corrupt registry: %v", err)
	}
	// A failed update leaves the file as it was.
	err := store.Update(ctx, func(*Registry) error { return os.ErrPermission })
	if err == nil {
		t.Error("update on a corrupt registry succeeded")
	}
	if b, _ := os.ReadFile(store.Path); !bytes.Equal(b, []byte{0xff, 0xff, 0xff}) {
		t.Error("failed update changed the file")
	}
	for _, c := range []RegistryConfig{{Type: "sql", Path: "oracle://x"}, {Type: "sql", Path: "sqlite://"}, {Type: "file", Path: "ftp://b/registry.db"}, {Type: "ldap", Path: "x"}} {
		if _, err := OpenStore(&Config{Registry: c, Project: "p"}); err == nil {
			t.Errorf("OpenStore(%+v) gave no error", c)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := (&FileStore{Path: filepath.Join(dir, "new.db")}).Update(cctx, func(*Registry) error { return nil }); err == nil {
		t.Error("update with a cancelled context succeeded")
	}
}

// A changed data source reaches every object holding a copy of it in the same
// apply: the views reading it and the push source over it, so that nothing
// keeps reading or appending to the old table.
func TestChangedSourceReachesItsViews(t *testing.T) {
	ctx := context.Background()
	store := &FileStore{Path: filepath.Join(t.TempDir(), "registry.db")}
	if _, err := Apply(ctx, store, loadDriversDefs(t, nil), ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	moved := loadDriversDefs(t, func(s string) string { return strings.Replace(s, "table: driver_stats", "table: driver_stats_v2", 1) })
	p, err := Apply(ctx, store, moved, ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	changed := map[string]bool{}
	for _, c := range p.Changes {
		for _, f := range c.Fields {
			if strings.HasSuffix(f.Field, "table") && f.To == "driver_stats_v2" {
				changed[c.Kind+" "+c.Name] = true
			}
		}
	}
	for _, want := range []string{"data source driver_stats_source", "data source driver_stats_push", "feature view driver_hourly_stats", "feature view driver_fresh_stats"} {
		if !changed[want] {
			t.Errorf("the plan does not change %s's table (changes: %v)", want, changed)
		}
	}
	r, err := store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := r.Objects(moved.Project)
	for _, name := range []string{"driver_hourly_stats", "driver_fresh_stats"} {
		fv, _ := o.FeatureView(name)
		if got := fv.BatchSource.Iceberg.Table; got != "driver_stats_v2" {
			t.Errorf("view %s still reads table %s", name, got)
		}
	}
	push, _ := o.DataSource("driver_stats_push")
	if got := push.BatchSource.Iceberg.Table; got != "driver_stats_v2" {
		t.Errorf("the push source still appends to table %s", got)
	}
}

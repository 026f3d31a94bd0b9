package interop

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/onlinestore"
	redisstore "github.com/feast-go/feast-go/onlinestore/redis"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
	"github.com/feast-go/feast-go/serving"
	goredis "github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

const (
	windowStart    = "2026-10-01T00:00:00"
	windowEnd      = "2026-10-03T00:00:00"
	incrementalEnd = "2026-10-04T00:00:00"
)

// driverKey is the Redis key of a driver of the drivers project.
func driverKey(t *testing.T, id int64) string {
	t.Helper()
	k, err := onlinestore.NewKeyEncoder([]string{"driver_id"}, 3).Append(nil, []*feastpb.Value{{Val: &feastpb.Value_Int64Val{Int64Val: id}}})
	if err != nil {
		t.Fatal(err)
	}
	return redisstore.Key(k, "drivers")
}

// feastRepo builds the drivers repository for Feast (Python definitions,
// pyiceberg-written rows, Redis db `db`, DuckDB offline store) and runs feast apply.
func feastRepo(t *testing.T, python, redisAddr string, db int) string {
	t.Helper()
	dir := t.TempDir()
	testenv.CopyDir(t, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "drivers_py"), dir)
	writeConfig(t, dir, redisAddr, db)
	testenv.Run(t, dir, python, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "make_tables.py"), dir, "--rows")
	testenv.Run(t, dir, feastCLI(python), "apply")
	return dir
}

func writeConfig(t *testing.T, dir, redisAddr string, db int) {
	t.Helper()
	cfg := fmt.Sprintf("project: drivers\nregistry: data/registry.db\nprovider: local\nonline_store:\n  type: redis\n  connection_string: %s,db=%d\noffline_store:\n  type: duckdb\nentity_key_serialization_version: 3\n", redisAddr, db)
	if err := os.WriteFile(filepath.Join(dir, "feature_store.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

func feastCLI(python string) string { return filepath.Join(filepath.Dir(python), "feast") }

// feastGo runs feast-go in dir, fails the test on a non-zero exit, and returns stdout.
func feastGo(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, _ := feastGoAll(t, dir, args...)
	return out
}

// TestSameBytesAsFeast: Feast materializes into db 1, feast-go into db 2, the
// same Iceberg table (written by pyiceberg) and the same registry (written by
// feast apply). Every key, field and value byte must match.
func TestSameBytesAsFeast(t *testing.T) {
	python := testenv.FeastPython(t)
	addr := testenv.Redis(t)
	feastDir := feastRepo(t, python, addr, 1)
	goDir := t.TempDir()
	testenv.CopyDir(t, feastDir, goDir) // same tables and registry, before either materialized
	writeConfig(t, goDir, addr, 2)

	testenv.Run(t, feastDir, feastCLI(python), "materialize", windowStart, windowEnd)
	feastGo(t, goDir, "materialize", windowStart, windowEnd)

	names := fieldNames(t, goDir)
	sameRedisBytes(t, addr, 1, 2, names, 70)

	// materialize-incremental from each one's own recorded watermark (the
	// window's end) to the same later END picks up the rows after the window.
	testenv.Run(t, feastDir, feastCLI(python), "materialize-incremental", incrementalEnd)
	feastGo(t, goDir, "materialize-incremental", incrementalEnd)
	sameRedisBytes(t, addr, 1, 2, names, 70)
	rc := goredis.NewClient(&goredis.Options{Addr: addr, DB: 2})
	defer func() { _ = rc.Close() }()
	if n := rc.Exists(context.Background(), driverKey(t, 3000)).Val(); n != 1 {
		t.Errorf("driver 3000 (a row one second after the window) not written by materialize-incremental")
	}

	// Feast's SDK reads feast-go's rows as it reads its own.
	fromGo := sameFeastReads(t, python, feastDir, goDir)
	if !strings.Contains(fromGo, `"precomputed"`) || !strings.Contains(fromGo, "driver_activity") && !strings.Contains(fromGo, "driver_hourly_stats__conv_rate") {
		t.Errorf("Feast's precomputed read over feast-go's vectors is missing: %s", fromGo)
	}
	for _, want := range []string{
		"été 😀", // unicode
		`"driver_customer_trips__trip_count": [48,`, // composite key (1000, "c0"), its latest row
		`"zone 2147483647 ☂"`,                       // the largest Int32 key, read from a long column
	} {
		if !strings.Contains(fromGo, want) {
			t.Errorf("Feast's read of feast-go's rows lacks %s: %s", want, fromGo)
		}
	}
}

// sameRedisBytes compares Redis databases feastDB and goDB key by key and
// field by field (vectors semantically), printing decoded differences. The
// Feast side must hold at least minKeys keys.
func sameRedisBytes(t *testing.T, addr string, feastDBN, goDBN int, names map[string]string, minKeys int) {
	t.Helper()
	ctx := context.Background()
	feastDB := goredis.NewClient(&goredis.Options{Addr: addr, DB: feastDBN})
	goDB := goredis.NewClient(&goredis.Options{Addr: addr, DB: goDBN})
	defer func() { _ = feastDB.Close() }()
	defer func() { _ = goDB.Close() }()
	fk, gk := feastDB.Keys(ctx, "*").Val(), goDB.Keys(ctx, "*").Val()
	// feast-go's own keys (outside Feast's key space) are its run history;
	// a ledger note or a view claim left after the runs would be a leak.
	gk = slices.DeleteFunc(gk, func(k string) bool {
		if !strings.HasPrefix(k, "feast-go:") {
			return false
		}
		if !strings.HasPrefix(k, "feast-go:runs:") {
			t.Errorf("feast-go left %q (%v) behind", k, goDB.HGetAll(ctx, k).Val())
		}
		return true
	})
	slices.Sort(fk)
	slices.Sort(gk)
	if len(fk) < minKeys {
		t.Fatalf("Feast wrote only %d keys; the fixture is wrong", len(fk))
	}
	if !slices.Equal(fk, gk) {
		t.Fatalf("key sets differ: Feast %d keys, feast-go %d keys\nonly Feast: %v\nonly feast-go: %v",
			len(fk), len(gk), describeKeys(minus(fk, gk)), describeKeys(minus(gk, fk)))
	}
	var diffs []string
	for _, k := range fk {
		fh, gh := feastDB.HGetAll(ctx, k).Val(), goDB.HGetAll(ctx, k).Val()
		for _, f := range union(fh, gh) {
			if isPrecomputed(names[f]) {
				if d := compareVectors(names[f], fh[f], gh[f]); d != "" {
					diffs = append(diffs, fmt.Sprintf("key %s field %s: %s", describeKey(k), names[f], d))
				}
				continue
			}
			if fh[f] != gh[f] {
				diffs = append(diffs, fmt.Sprintf("key %s field %s:\n    Feast    %s\n    feast-go %s",
					describeKey(k), names[f], describeValue(names[f], fh[f]), describeValue(names[f], gh[f])))
			}
		}
	}
	if len(diffs) > 0 {
		t.Errorf("%d fields differ:\n%s", len(diffs), strings.Join(diffs[:min(len(diffs), 20)], "\n"))
	}
}

// sameFeastReads runs read_online.py (Feast's get_online_features, regular
// and precomputed) over both repositories, reports any difference, and
// returns the JSON read over feast-go's rows.
func sameFeastReads(t *testing.T, python, feastDir, goDir string) string {
	t.Helper()
	read := filepath.Join(testenv.RepoRoot(), "testdata", "feast", "read_online.py")
	fromFeast := jsonTail(testenv.Run(t, feastDir, python, read, feastDir))
	fromGo := jsonTail(testenv.Run(t, goDir, python, read, goDir))
	if fromFeast != fromGo {
		t.Errorf("get_online_features differs\nover Feast's rows:    %s\nover feast-go's rows: %s", fromFeast, fromGo)
	}
	return fromGo
}

func jsonTail(s string) string { return s[strings.Index(s, "{"):] }

// fieldNames maps hash fields back to "view:feature" (and _ts fields to themselves).
func fieldNames(t *testing.T, dir string) map[string]string {
	t.Helper()
	cfg, err := registry.LoadConfig(filepath.Join(dir, "feature_store.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := registry.OpenStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = store.Close() }()
	r, err := store.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o, _ := r.Objects("drivers")
	names := map[string]string{}
	add := func(view, feature string) {
		fn := onlinestore.FieldName(view, feature)
		names[string(fn[:])] = view + ":" + feature
		names[onlinestore.TimestampField(view)] = onlinestore.TimestampField(view)
	}
	for _, fv := range o.FeatureViews {
		for _, f := range fv.Features {
			add(fv.Name, f.Name)
		}
	}
	for _, fs := range o.FeatureServices {
		add("__precomputed__"+fs.Name, "vector")
	}
	return names
}

// compareVectors compares two stored vectors (or their _ts fields) as Feast
// reads them: names, values and per-view timestamps byte for byte; the write
// time, precomputed_at and feast-go's fingerprint aside.
func compareVectors(name, feast, ours string) string {
	if (feast == "") != (ours == "") {
		return fmt.Sprintf("present in one store only (Feast %d bytes, feast-go %d bytes)", len(feast), len(ours))
	}
	if strings.HasPrefix(name, "_ts:") {
		return "" // write times differ by design
	}
	fv, err1 := testenv.DecodeVector([]byte(feast))
	gv, err2 := testenv.DecodeVector([]byte(ours))
	if err1 != nil || err2 != nil {
		return fmt.Sprintf("undecodable: %v / %v", err1, err2)
	}
	if gv.GetFeastGoSchemaFingerprint() == 0 {
		return "feast-go's vector lacks its fingerprint"
	}
	fv.PrecomputedAt, gv.PrecomputedAt, gv.FeastGoSchemaFingerprint = nil, nil, 0
	fb, _ := proto.MarshalOptions{Deterministic: true}.Marshal(fv)
	gb, _ := proto.MarshalOptions{Deterministic: true}.Marshal(gv)
	if !bytes.Equal(fb, gb) {
		return fmt.Sprintf("vectors differ:\n    Feast    %s\n    feast-go %s", prototext.Format(fv), prototext.Format(gv))
	}
	return ""
}

func isPrecomputed(name string) bool {
	return strings.HasPrefix(name, "__precomputed__") || strings.HasPrefix(name, "_ts:__precomputed__")
}

func describeKeys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = describeKey(k)
	}
	return out
}

func describeKey(k string) string {
	if i := strings.LastIndex(k, "drivers"); i >= 0 {
		return onlinestore.DescribeKey([]byte(k[:i]))
	}
	return fmt.Sprintf("%q", k)
}

func describeValue(name, v string) string {
	if v == "" {
		return "(absent or empty)"
	}
	if strings.HasPrefix(name, "_ts:") {
		return fmt.Sprintf("%x", v)
	}
	var val feastpb.Value
	if err := proto.Unmarshal([]byte(v), &val); err != nil {
		return fmt.Sprintf("%x (not a Value)", v)
	}
	return fmt.Sprintf("%x = %s", v, strings.TrimSpace(prototext.Format(&val)))
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func union(a, b map[string]string) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func TestMain(m *testing.M) {
	_ = os.Setenv("FEAST_USAGE", "False") // no usage telemetry from Feast
	os.Exit(m.Run())
}

// TestReaderReadsFeastVectors: feast-go's strict reader reads the vectors
// Feast's precompute_feature_service wrote (no fingerprint: names are checked)
// and agrees with the regular per-view read.
func TestReaderReadsFeastVectors(t *testing.T) {
	python := testenv.FeastPython(t)
	addr := testenv.Redis(t)
	dir := feastRepo(t, python, addr, 1)
	testenv.Run(t, dir, feastCLI(python), "materialize", windowStart, windowEnd) // also builds Feast's vectors
	ctx := context.Background()
	r, err := (&registry.FileStore{Path: filepath.Join(dir, "data", "registry.db")}).Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	objs, _ := r.Objects("drivers")
	svc, err := objs.FeatureService("driver_activity")
	if err != nil {
		t.Fatal(err)
	}
	store, err := redisstore.Open(ctx, registry.RedisConfig{RedisType: "redis", ConnectionString: addr + ",db=1"}, redisstore.Options{Project: "drivers"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = store.Close() }()
	enc := onlinestore.NewKeyEncoder([]string{"driver_id"}, 3)
	var keys [][]byte
	for _, id := range []int64{1017, 1000, 9999, 1000, 2000} {
		k, _ := enc.Append(nil, []*feastpb.Value{{Val: &feastpb.Value_Int64Val{Int64Val: id}}})
		keys = append(keys, k)
	}
	reader := &serving.Reader{Store: store, Objects: objs, Now: func() time.Time { return time.Date(2026, 10, 3, 1, 0, 0, 0, time.UTC) }}
	res, err := reader.Read(ctx, svc, keys, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows[2][0].Status != serving.NotFound {
		t.Errorf("unknown entity: %v", res.Rows[2][0].Status)
	}
	// Regular path for the same entities.
	var views []onlinestore.View
	for _, p := range svc.Projections {
		fv, _ := objs.FeatureView(p.View)
		v := onlinestore.View{Name: fv.Name, JoinKeys: fv.JoinKeys()}
		for _, f := range p.Features {
			v.Features = append(v.Features, f.Name)
		}
		views = append(views, v)
	}
	regular, err := store.ReadViews(ctx, keys, views)
	if err != nil {
		t.Fatal(err)
	}
	for i := range keys {
		if i == 2 {
			continue
		}
		col := 0
		for j := range views {
			for k := range views[j].Features {
				if got, want := res.Rows[i][col].Value, regular[i][j].Values[k]; !bytes.Equal(got, want) {
					t.Errorf("entity %d, %s: vector %x, regular read %x", i, res.Names[col], got, want)
				}
				col++
			}
		}
	}
}

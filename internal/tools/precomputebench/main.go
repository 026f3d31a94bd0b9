// Command precomputebench measures precompute.Builder.RebuildAll: `setup`
// writes a repository (feature_store.yaml on a Redis, 5 feature views of 4
// Float64 features each over one entity, a precomputed service across them)
// and seeds every view for N entities; `rebuild` times a full rebuild.
// Feast's own precompute_feature_service runs on the same repository and data
// (scripts/bench-precompute.sh). Results: BENCHMARKS.md.
package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/feast-go/feast-go/internal/tools/cli"
	"github.com/feast-go/feast-go/onlinestore"
	redisstore "github.com/feast-go/feast-go/onlinestore/redis"
	"github.com/feast-go/feast-go/precompute"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
)

var (
	dir      = flag.String("dir", "/tmp/feast-go-precomputebench", "repository folder")
	addr     = flag.String("redis", "127.0.0.1:6379", "redis host:port")
	db       = flag.Int("db", 0, "redis database")
	entities = flag.Int("entities", 1_000_000, "entities")
)

const views, features = 5, 4

func definitions() string {
	var b strings.Builder
	b.WriteString("entities:\n  - {name: entity, join_keys: [entity_id], value_type: INT64}\ndata_sources:\n")
	b.WriteString("  - name: src\n    iceberg: {catalog_type: sql, catalog_name: bench, endpoint: \"sqlite:///data/catalog.db\", warehouse: data/warehouse, namespace: bench, table: rows}\n    timestamp_field: event_timestamp\n")
	b.WriteString("feature_views:\n")
	for v := range views {
		fmt.Fprintf(&b, "  - name: view%d\n    entities: [entity]\n    source: src\n    schema:\n", v)
		for f := range features {
			fmt.Fprintf(&b, "      - {name: f%d, dtype: Float64}\n", f)
		}
	}
	b.WriteString("feature_services:\n  - name: svc\n    precompute_online: true\n    features: [")
	for v := range views {
		if v > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "view%d", v)
	}
	b.WriteString("]\n")
	return b.String()
}

func setup(ctx context.Context) error {
	if err := os.MkdirAll(filepath.Join(*dir, "data"), 0o755); err != nil {
		return err
	}
	cfg := fmt.Sprintf("project: bench\nregistry: data/registry.db\nonline_store:\n  type: redis\n  connection_string: %s,db=%d\noffline_store:\n  type: duckdb\n", *addr, *db)
	if err := os.WriteFile(filepath.Join(*dir, "feature_store.yaml"), []byte(cfg), 0o644); err != nil {
		return err
	}
	o := &registry.Objects{Project: "bench"}
	if err := registry.ParseDefinitions(o, "bench.yaml", []byte(definitions())); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if _, err := registry.Apply(ctx, &registry.FileStore{Path: filepath.Join(*dir, "data", "registry.db")}, o, registry.ApplyOptions{}); err != nil {
		return err
	}
	store, err := open(ctx, true)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	enc := onlinestore.NewKeyEncoder([]string{"entity_id"}, 3)
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for v := range views {
		view := onlinestore.View{Name: fmt.Sprintf("view%d", v), JoinKeys: []string{"entity_id"}}
		for f := range features {
			view.Features = append(view.Features, fmt.Sprintf("f%d", f))
		}
		const chunk = 5000
		for from := 0; from < *entities; from += chunk {
			rows := make([]onlinestore.Row, 0, chunk)
			for id := from; id < min(from+chunk, *entities); id++ {
				k, _ := enc.Append(nil, []*feastpb.Value{{Val: &feastpb.Value_Int64Val{Int64Val: int64(id)}}})
				r := onlinestore.Row{Key: k, EventTS: ts}
				for f := range features {
					val := binary.LittleEndian.AppendUint64([]byte{0x29}, math.Float64bits(float64(id*f)/7))
					r.Values = append(r.Values, val)
				}
				rows = append(rows, r)
			}
			if _, err := store.WriteView(ctx, view, rows); err != nil {
				return err
			}
		}
	}
	return nil
}

func open(ctx context.Context, blind bool) (*redisstore.Store, error) {
	return redisstore.Open(ctx, registry.RedisConfig{RedisType: "redis", ConnectionString: fmt.Sprintf("%s,db=%d", *addr, *db)},
		redisstore.Options{Project: "bench", SkipDedup: blind})
}

func rebuild(ctx context.Context) error {
	r, err := (&registry.FileStore{Path: filepath.Join(*dir, "data", "registry.db")}).Read(ctx)
	if err != nil {
		return err
	}
	objs, _ := r.Objects("bench")
	svc, err := objs.FeatureService("svc")
	if err != nil {
		return err
	}
	store, err := open(ctx, false)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	st, err := (&precompute.Builder{Store: store, Objects: objs}).RebuildAll(ctx, svc, time.Time{})
	if err != nil {
		return err
	}
	fmt.Printf("entities=%d written=%d seconds=%.3f entities_per_s=%.0f\n", st.Entities, st.Written, st.Seconds, float64(st.Entities)/st.Seconds)
	return nil
}

func main() {
	cli.Main("precomputebench", map[string]func(context.Context) error{"setup": setup, "rebuild": rebuild})
}

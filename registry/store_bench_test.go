package registry

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
)

// BenchmarkStore measures, on every registry kind, what a run pays the
// registry: a full read, and one interval append (an Update that records an
// interval, as each materialized view does). With -feast, Feast 0.67 times
// its own calls on the same registry (refresh, apply_materialization), and the
// result is reported as feast-read-ms and feast-append-ms.
//
//	go test ./registry -run '^$' -bench BenchmarkStore -benchtime 50x -feast
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	for _, be := range storeBackends() {
		b.Run(be.name, func(b *testing.B) {
			c := be.new(b)
			s := openTestStore(b, c)
			if _, err := Apply(ctx, s, loadDriversDefs(b, nil), ApplyOptions{}); err != nil {
				b.Fatal(err)
			}
			b.Run("read", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.Read(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
			if *benchFeast {
				var read, appendMS float64
				b.Run("feast", func(b *testing.B) {
					if read == 0 { // Feast's script loops itself: run it once, whatever b.N
						read, appendMS = feastRegistryTimes(b, c)
					}
					b.ReportMetric(read, "feast-read-ms")
					b.ReportMetric(appendMS, "feast-append-ms")
				})
			}
			b.Run("append", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					start := t0.Add(time.Duration(i) * time.Hour)
					i++
					if err := s.Update(ctx, func(r *Registry) error {
						return r.RecordMaterialization("drivers", "driver_hourly_stats", start, start.Add(time.Hour), t0)
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

var benchFeast = flag.Bool("feast", false, "BenchmarkStore: also time Feast 0.67's own registry calls")

// feastRegistryTimes runs testdata/feast/registry_bench.py on a repository
// whose feature_store.yaml names the benchmarked registry.
func feastRegistryTimes(b *testing.B, c *Config) (readMS, appendMS float64) {
	python := testenv.FeastPython(b)
	dir := b.TempDir()
	reg := "registry: " + c.Registry.Path
	if c.Registry.Type != "file" {
		reg = "registry:\n  registry_type: " + c.Registry.Type + "\n  path: " + c.Registry.Path
	}
	yaml := "project: drivers\n" + reg + "\nprovider: local\nonline_store:\n  type: sqlite\n  path: data/online.db\nentity_key_serialization_version: 3\n"
	if err := os.WriteFile(filepath.Join(dir, "feature_store.yaml"), []byte(yaml), 0o644); err != nil {
		b.Fatal(err)
	}
	{
		out := testenv.Run(b, dir, python, filepath.Join(testenv.RepoRoot(), "testdata", "feast", "registry_bench.py"), dir, "driver_hourly_stats", "20")
		var got struct{ ReadS, AppendS float64 }
		if err := json.Unmarshal([]byte(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]), &struct {
			ReadS   *float64 `json:"read_s"`
			AppendS *float64 `json:"append_s"`
		}{&got.ReadS, &got.AppendS}); err != nil {
			b.Fatalf("registry_bench.py: %v\n%s", err, out)
		}
		return got.ReadS * 1000, got.AppendS * 1000
	}
}

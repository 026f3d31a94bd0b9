package registry

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
)

func FuzzParseDefinitions(f *testing.F) {
	seed, _ := os.ReadFile(filepath.Join(testenv.RepoRoot(), "testdata", "repos", "drivers", "definitions.yaml"))
	f.Add(seed)
	f.Add([]byte(baseDefs + views2))
	f.Add([]byte("entities: [{name: a, join_keys: [x, y]}]\nfeature_services: [{name: s, features: ['v:[a,']}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			o := &Objects{Project: "p"}
			if err := ParseDefinitions(o, "f.yaml", data); err != nil {
				return
			}
			_ = o.Validate() // must not panic, whatever the input
			_ = Diff(&Objects{}, o)
		}()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Fatalf("slow input %q", data)
		}
	})
}

func FuzzParseRegistry(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x02, 0x0a, 0x00})
	if b, err := os.ReadFile(filepath.Join("testdata", "fuzz_seed_registry.db")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRegistry(data)
		if err != nil {
			return
		}
		for _, p := range append(r.Projects(), "") {
			if o, err := r.Objects(p); err == nil {
				_ = Diff(o, o)
			}
		}
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("project: p\nregistry: r.db\nonline_store:\n  type: redis\n  connection_string: a:1,password=$X\n"))
	f.Add([]byte("project: p\nregistry: {path: x, cache_ttl_seconds: 1}\nonline_store: remote\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseConfig("/r/feature_store.yaml", data)
	})
}

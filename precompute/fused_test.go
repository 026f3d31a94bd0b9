package precompute

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/sqlite"
	"github.com/feast-go/feast-go/onlinestore/storetest"
	pt "github.com/feast-go/feast-go/precompute/precomputetest"
	"github.com/feast-go/feast-go/registry"
)

// heldRows are rows a flow wrote, as Kept: values as pt.Seed writes them.
type heldRows struct {
	view int
	ts   time.Time
	ids  map[string]int64
}

func (h heldRows) Tried(key []byte) bool { _, ok := h.ids[string(key)]; return ok }
func (h heldRows) Carried([]byte) bool   { return false }
func (h heldRows) TriedCount() int64     { return int64(len(h.ids)) }

func (h heldRows) EachTried(size int, _ onlinestore.KeyGroups, _ bool, fn func(keys [][]byte) error) error {
	var keys [][]byte
	for k := range h.ids {
		keys = append(keys, []byte(k))
	}
	slices.SortFunc(keys, bytes.Compare)
	for from := 0; from < len(keys); from += size {
		if err := fn(keys[from:min(from+size, len(keys))]); err != nil {
			return err
		}
	}
	return nil
}

func (h heldRows) Written(key []byte, dst [][]byte) ([][]byte, time.Time, bool) {
	id, ok := h.ids[string(key)]
	if !ok {
		return dst, time.Time{}, false
	}
	base := id*100 + int64(h.view)*10
	return append(dst, pt.Int64(base), pt.Int64(base+1)), h.ts, true
}

// Vectors built from held rows are those read back from the store, also
// where the store keeps coarser times than the rows carry (SQLite keeps
// seconds): the held times are cut as the store cuts them.
func TestHeldRowsBuildTheVectorsAReadDoes(t *testing.T) {
	ts := pt.Now.Add(1500*time.Millisecond + 700) // finer than either store keeps
	stores := map[string]func(t *testing.T) onlinestore.Store{
		"memory": func(*testing.T) onlinestore.Store { return storetest.NewMemory() },
		"sqlite": func(t *testing.T) onlinestore.Store {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "online.db"), "p", false)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	}
	for name, open := range stores {
		for _, tt := range []struct {
			held       []int // views whose rows are held
			fromMemory int64
		}{
			{[]int{0, 1, 2, 3, 4}, 3},
			{[]int{0, 2}, 0}, // v1, v3, v4 read back
			{nil, 0},
		} {
			t.Run(name, func(t *testing.T) {
				o := pt.FiveViews()
				store := open(t)
				var keys [][]byte
				ids := map[string]int64{}
				for id := int64(1); id <= 3; id++ {
					pt.Seed(t, store, o, id, ts)
					keys = append(keys, pt.Key(t, id))
					ids[string(pt.Key(t, id))] = id
				}
				kept := map[string]Kept{}
				for _, v := range tt.held {
					kept[o.FeatureViews[v].Name] = heldRows{view: v, ts: ts, ids: ids}
				}
				build := func(kept map[string]Kept) (*pt.Capture, Stats) {
					c := pt.NewCapture(store)
					b := &Builder{Store: c, Objects: o, Now: func() time.Time { return pt.Now }, Kept: kept}
					st, err := b.Rebuild(context.Background(), o.FeatureServices[0], keys, time.Time{})
					if err != nil || st.Written != 3 {
						t.Fatalf("rebuild: %+v %v", st, err)
					}
					return c, st
				}
				fused, st := build(kept)
				read, _ := build(nil)
				if st.FromMemory != tt.fromMemory {
					t.Errorf("held %v: %d vectors from memory, want %d", tt.held, st.FromMemory, tt.fromMemory)
				}
				for _, k := range keys {
					if a, b := fused.Rows[string(k)], read.Rows[string(k)]; !bytes.Equal(a, b) {
						t.Errorf("held %v, entity %d: vector\n%x\nwant (read back)\n%x", tt.held, ids[string(k)], a, b)
					}
				}
				if len(tt.held) == 0 {
					return
				}
				// The entities of the held views, each once though every view holds it.
				c := pt.NewCapture(store)
				b := &Builder{Store: c, Objects: o, Now: func() time.Time { return pt.Now }, Kept: kept}
				if st, err := b.RebuildKept(context.Background(), o.FeatureServices[0]); err != nil || st.Entities != 3 || st.Written != 3 || st.FromMemory != tt.fromMemory {
					t.Errorf("held %v: RebuildKept %+v %v, want 3 entities, %d from memory", tt.held, st, err, tt.fromMemory)
				}
				for _, k := range keys {
					if a, b := c.Rows[string(k)], read.Rows[string(k)]; !bytes.Equal(a, b) {
						t.Errorf("held %v, entity %d: RebuildKept's vector\n%x\nwant (read back)\n%x", tt.held, ids[string(k)], a, b)
					}
				}
			})
		}
	}
}

// A projection naming a feature its view lacks gets an empty Value, as a
// read of the missing field does.
func TestKeptViewsLineUpWithProjections(t *testing.T) {
	o := pt.FiveViews()
	p := o.FeatureServices[0].Projections
	p[0].Features = []registry.Field{p[0].Features[1], {Name: "gone"}, p[0].Features[0]}
	b := &Builder{Objects: o, Kept: map[string]Kept{"v0": heldRows{}, "alias2": heldRows{}}}
	kv, err := b.keptViews(o.FeatureServices[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(kv) != 5 || kv[0] == nil || kv[1] != nil || kv[2] != nil {
		t.Fatalf("kept views %v: want v0 held only (alias2 is a projection name, not a view)", kv)
	}
	if got := kv[0].at; len(got) != 3 || got[0] != 1 || got[1] != -1 || got[2] != 0 {
		t.Errorf("v0 features at %v, want [1 -1 0]", got)
	}
}

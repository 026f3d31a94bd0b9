package materialize

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"testing"

	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/registry/feastpb"
)

// TestLatestIndex keeps rows of many keys under hashes that collide in every
// way the index can meet (the same hash, the same top bits, the same place
// after the table grows) and under real ones: each key must find its own
// latest row, and a key never kept must find none.
func TestLatestIndex(t *testing.T) {
	seed := maphash.MakeSeed()
	for _, tc := range []struct {
		name string
		keys int
		hash func(k []byte, i int) uint64
	}{
		{"one hash", 40, func([]byte, int) uint64 { return 42 }},
		{"same top bits, different low bits", 300, func(_ []byte, i int) uint64 { return 7<<32 | uint64(i) }},
		{"same place, different top bits", 3000, func(_ []byte, i int) uint64 { return uint64(i) << 52 }},
		{"maphash", 100000, func(k []byte, _ int) uint64 { return maphash.Bytes(seed, k) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLatest(&registry.FeatureView{Name: "v"}, catalog.Columns{}, 3)
			key := func(i int) []byte { return fmt.Appendf(nil, "key-%d", i) }
			for round := range 2 { // the second round finds every key and replaces its row
				for i := range tc.keys {
					l.keyBuf, l.valBuf = key(i), fmt.Appendf(nil, "row %d of %d", round, i)
					h := tc.hash(l.keyBuf, i)
					idx, seen := l.lookup(h, l.keyBuf)
					if seen != (round == 1) {
						t.Fatalf("round %d, key %d: seen=%v", round, i, seen)
					}
					l.keep(h, l.keyBuf, idx, seen, int64(round), 0)
				}
			}
			if l.Entities() != tc.keys {
				t.Fatalf("%d entities, want %d", l.Entities(), tc.keys)
			}
			for i := range tc.keys {
				idx, ok := l.lookup(tc.hash(key(i), i), key(i))
				if got, want := string(l.valuesOf(l.slots.at(idx))), fmt.Sprintf("row 1 of %d", i); !ok || got != want {
					t.Fatalf("key %d: %q (found %v), want %q", i, got, ok, want)
				}
			}
			if _, ok := l.lookup(tc.hash([]byte("absent"), tc.keys), []byte("absent")); ok {
				t.Error("a key never kept was found")
			}
		})
	}
}

// TestLatestRecordsGrow: a newer row larger than the stored one gets a new
// record, and the key still reads back whole.
func TestLatestRecordsGrow(t *testing.T) {
	l := NewLatest(&registry.FeatureView{Name: "v"}, catalog.Columns{}, 3)
	for i, row := range []string{"short", "a much longer row", "mid"} {
		l.keyBuf, l.valBuf = []byte("k"), []byte(row)
		idx, seen := l.lookup(1, l.keyBuf)
		l.keep(1, l.keyBuf, idx, seen, int64(i), 0)
		s := l.slots.at(0)
		if string(l.suffixOf(s)) != "k" || string(l.valuesOf(s)) != row {
			t.Fatalf("row %d: key %q, values %q", i, l.suffixOf(s), l.valuesOf(s))
		}
	}
}

func TestArenaBlocksNeverMove(t *testing.T) {
	var a arena
	first := a.add([]byte("fi"), []byte("rst"))
	view := a.bytes(first, 5)
	for range 3 {
		a.add(make([]byte, blockBytes/2+1), nil) // the first fits beside "first"; the others need new blocks
	}
	if string(view) != "first" || string(a.bytes(first, 5)) != "first" || len(a.blocks) != 3 {
		t.Errorf("arena moved or split: %q, %d blocks", view, len(a.blocks))
	}
}

// BenchmarkLatestKeep folds rows of distinct entities into a Latest: one
// INT64 join key (a 37-byte serialized key, 21 of them the prefix every key
// shares) and 100 bytes of Values, as 10 Float64 features serialize. At
// -benchtime 1000000x, B/op is what an entity costs:
//
//	go test -run '^$' -bench LatestKeep -benchtime 1000000x ./materialize/
func BenchmarkLatestKeep(b *testing.B) {
	fv := &registry.FeatureView{Name: "v", EntityColumns: []registry.Field{{Name: "entity_id", Type: feastpb.ValueType_INT64}}}
	l := NewLatest(fv, catalog.Columns{}, 3)
	key := binary.LittleEndian.AppendUint32(nil, uint32(feastpb.ValueType_INT64))
	key = binary.LittleEndian.AppendUint32(key, 8)
	key = append(key, make([]byte, 8)...)
	val := make([]byte, 100)
	b.ReportAllocs()
	for i := range b.N {
		binary.LittleEndian.PutUint64(key[8:], uint64(i))
		l.valBuf = val
		h := maphash.Bytes(l.seed, key)
		idx, seen := l.lookup(h, key)
		l.keep(h, key, idx, seen, 1, 0)
	}
	if len(l.prefix)+len(key) != 37 {
		b.Fatalf("a %d-byte key, want 37", len(l.prefix)+len(key))
	}
}

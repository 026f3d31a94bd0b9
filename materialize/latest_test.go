package materialize

import (
	"testing"

	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/registry"
)

// TestLatestHashCollisions drives the overflow path: distinct keys that share
// an index hash must keep separate rows.
func TestLatestHashCollisions(t *testing.T) {
	l := NewLatest(&registry.FeatureView{Name: "v"}, catalog.Columns{}, 3)
	const h = 42 // every key gets the same hash
	for i, k := range []string{"a", "b", "c", "a"} {
		l.keyBuf, l.valBuf = []byte(k), []byte{byte(i)}
		idx, seen := l.lookup(h, l.keyBuf)
		if want := i == 3; seen != want {
			t.Fatalf("key %q: seen=%v, want %v", k, seen, want)
		}
		l.keep(h, idx, seen, int64(i), 0)
	}
	if l.Entities() != 3 {
		t.Fatalf("%d entities, want 3", l.Entities())
	}
	for k, want := range map[string]byte{"a": 3, "b": 1, "c": 2} {
		idx, ok := l.lookup(h, []byte(k))
		s := l.slots.at(idx)
		if !ok || l.vals.bytes(s.val, int(s.valLen))[0] != want {
			t.Errorf("key %q: row %v, want value %d", k, l.vals.bytes(s.val, int(s.valLen)), want)
		}
	}
}

func TestArenaBlocksNeverMove(t *testing.T) {
	var a arena
	first := a.add([]byte("first"))
	view := a.bytes(first, 5)
	for range 3 {
		a.add(make([]byte, blockBytes/2+1)) // the first fits beside "first"; the others need new blocks
	}
	if string(view) != "first" || string(a.bytes(first, 5)) != "first" || len(a.blocks) != 3 {
		t.Errorf("arena moved or split: %q, %d blocks", view, len(a.blocks))
	}
}

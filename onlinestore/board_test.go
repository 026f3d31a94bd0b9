package onlinestore

import (
	"slices"
	"testing"
)

func TestKeyGroupsOrder(t *testing.T) {
	keys := [][]byte{{7}, {2}, {4}, {3}, {9}, {0}, {5}}
	g := KeyGroups{Count: 3, Of: func(k []byte) int { return int(k[0]) % 3 }}
	got := g.Order(len(keys), func(i int) []byte { return keys[i] })
	// groups: 7→1 2→2 4→1 3→0 9→0 0→0 5→2; stable within a group
	if want := []int32{3, 4, 5, 0, 2, 1, 6}; !slices.Equal(got, want) {
		t.Errorf("Order = %v, want %v", got, want)
	}
	if (KeyGroups{}).Order(len(keys), func(i int) []byte { return keys[i] }) != nil {
		t.Error("no groups: want nil (any order)")
	}
	if got := g.Order(0, nil); len(got) != 0 {
		t.Errorf("no keys: %v", got)
	}
}

package onlinestore

import (
	"context"
	"time"
)

// RunBoard is a store's record of sharded runs (materialize --shard): per
// run id, named fields that every shard of the run reads and writes (the
// plan, which shards are done, whether the run committed). It lives beside
// the rows, so that every host that writes the store sees the same record,
// and a store that loses its rows loses the record with them.
type RunBoard interface {
	// Put stores value in a field of run's record and returns what the
	// field holds after the call: value, or with keep a value already
	// there. Every Put keeps the record for BoardTTL more.
	Put(ctx context.Context, run, field string, value []byte, keep bool) ([]byte, error)
	// Record reads run's record: empty when there is none.
	Record(ctx context.Context, run string) (map[string][]byte, error)
	// Epoch names the store's incarnation. It changes when the store may
	// have lost acknowledged writes (a Redis node restarted), so that shards
	// started apart in time can tell that rows another shard wrote are gone.
	Epoch(ctx context.Context) (string, error)
}

// BoardTTL is how long a run's record outlives its last change: long enough
// for Kubernetes to retry a failed shard, short enough not to pile up.
const BoardTTL = 7 * 24 * time.Hour

// KeyGroups is how a store wants a view's rows ordered: rows whose keys fall
// in one group (a Redis Cluster hash slot) cost one call when they arrive
// together. Count 0: any order does.
type KeyGroups struct {
	Count int
	Of    func(key []byte) int // in [0, Count)
}

// Order returns the indexes 0..n-1 of n keys ordered by group (a counting
// sort: 8 bytes per key while it runs), or nil when any order does.
func (g KeyGroups) Order(n int, key func(i int) []byte) []int32 {
	if g.Count <= 0 || g.Of == nil {
		return nil
	}
	of := make([]int32, n)
	start := make([]int32, g.Count+1)
	for i := range n {
		of[i] = int32(g.Of(key(i)))
		start[of[i]+1]++
	}
	for i := 1; i <= g.Count; i++ {
		start[i] += start[i-1]
	}
	order := make([]int32, n)
	for i, grp := range of {
		order[start[grp]] = int32(i)
		start[grp]++
	}
	return order
}

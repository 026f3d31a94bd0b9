package redis

import (
	"context"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	goredis "github.com/redis/go-redis/v9"
)

// The board is one hash per run id, outside Feast's key space; every change
// keeps it for onlinestore.BoardTTL more. In a cluster a run's record sits
// on one node, as any single key does.
func (s *Store) boardKey(run string) string {
	return "feast-go:shard-runs:" + s.opts.Project + ":" + run
}

// RunBoard implements onlinestore.Store.
func (s *Store) RunBoard() onlinestore.RunBoard { return board{s} }

type board struct{ s *Store }

func (b board) Put(ctx context.Context, run, field string, value []byte, keep bool) ([]byte, error) {
	key := b.s.boardKey(run)
	pipe := b.s.c.TxPipeline()
	if keep {
		pipe.HSetNX(ctx, key, field, value)
	} else {
		pipe.HSet(ctx, key, field, value)
	}
	got := pipe.HGet(ctx, key, field)
	pipe.Expire(ctx, key, onlinestore.BoardTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, classify("redis: record of run "+run, err)
	}
	return []byte(got.Val()), nil
}

func (b board) Record(ctx context.Context, run string) (map[string][]byte, error) {
	all, err := b.s.c.HGetAll(ctx, b.s.boardKey(run)).Result()
	if err != nil {
		return nil, classify("redis: record of run "+run, err)
	}
	out := make(map[string][]byte, len(all))
	for k, v := range all {
		out[k] = []byte(v)
	}
	return out, nil
}

// Epoch is every data node's run_id, which a restart changes.
func (b board) Epoch(ctx context.Context) (string, error) {
	ids, err := b.s.runIDs(ctx)
	if err != nil {
		return "", err
	}
	parts := make([]string, 0, len(ids))
	for addr, id := range ids {
		parts = append(parts, addr+"="+id)
	}
	slices.Sort(parts)
	return strings.Join(parts, ","), nil
}

// KeyGroups implements onlinestore.Store: in a cluster, rows of one hash
// slot are decided by one compare-and-set call. The groups number the slots
// in bit-reversed order: each master owns a range of slots, so groups in a
// row fall on different masters, and writers that take consecutive chunks
// keep every master busy instead of one after the other.
// Traits: Feast's Timestamps hold whole microseconds; the lean path (a
// standalone server) writes riders in their rows' commands.
func (s *Store) Traits() onlinestore.Traits {
	return onlinestore.Traits{TimeResolution: time.Microsecond, Riders: s.lean != nil}
}

func (s *Store) KeyGroups() onlinestore.KeyGroups {
	if _, ok := s.c.(*goredis.ClusterClient); !ok {
		return onlinestore.KeyGroups{}
	}
	project := s.opts.Project
	return onlinestore.KeyGroups{Count: clusterSlots, Of: func(key []byte) int {
		var buf [256]byte
		return int(bits.Reverse16(uint16(Slot(append(append(buf[:0], key...), project...)))) >> 2) // 14-bit reversal
	}}
}

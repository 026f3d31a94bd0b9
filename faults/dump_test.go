package faults

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/precompute"
	goredis "github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"
)

// state is the online store as the invariants compare it: key -> field ->
// value, vectors with precomputed_at cleared and their `_ts` field (the
// rebuild time) left out. feast-go's own keys are kept apart: the ledgers'
// notes are counted, the run history is left out.
type state struct {
	hashes map[string]map[string]string
	notes  int // notes in the ledgers: owed vectors and view claims
}

var (
	vectorField   = fieldName(precompute.ViewPrefix+service, precompute.VectorField)
	vectorTSField = onlinestore.TimestampField(precompute.ViewPrefix + service)
)

func fieldName(view, feature string) string {
	f := onlinestore.FieldName(view, feature)
	return string(f[:])
}

// viewFields are the hash fields of a view: its features and its `_ts`.
func viewFields(view string) []string {
	out := []string{onlinestore.TimestampField(view)}
	for _, f := range views[view] {
		out = append(out, fieldName(view, f))
	}
	return out
}

// dump reads the store: the keys of every node named (a server, or each
// master of a cluster). The records of sharded runs are left out.
func dump(t testing.TB, addrs ...string) state {
	t.Helper()
	st := state{hashes: map[string]map[string]string{}}
	for _, addr := range addrs {
		dumpNode(t, addr, &st)
	}
	return st
}

func dumpNode(t testing.TB, addr string, st *state) {
	t.Helper()
	ctx := context.Background()
	c := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: 3})
	defer func() { _ = c.Close() }()
	iter := c.Scan(ctx, 0, "*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		if strings.HasPrefix(k, "feast-go:runs:") || strings.HasPrefix(k, "feast-go:shard-runs:") {
			continue
		}
		h, err := c.HGetAll(ctx, k).Result()
		if err != nil {
			t.Fatalf("dump %q: %v", k, err)
		}
		if strings.HasPrefix(k, "feast-go:") {
			st.notes += len(h)
			continue
		}
		delete(h, vectorTSField)
		if v, ok := h[vectorField]; ok {
			pv, err := testenv.DecodeVector([]byte(v))
			if err != nil {
				t.Fatalf("dump %q: %v", k, err)
			}
			pv.PrecomputedAt = nil
			b, err := proto.MarshalOptions{Deterministic: true}.Marshal(pv)
			if err != nil {
				t.Fatal(err)
			}
			h[vectorField] = string(b)
		}
		st.hashes[k] = h
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("dump: %v", err)
	}
}

// without drops the fields of the views named.
func (s state) without(drop ...string) state {
	out := state{hashes: map[string]map[string]string{}, notes: s.notes}
	var fields []string
	for _, v := range drop {
		fields = append(fields, viewFields(v)...)
	}
	for k, h := range s.hashes {
		kept := map[string]string{}
		for f, v := range h {
			if !slices.Contains(fields, f) {
				kept[f] = v
			}
		}
		if len(kept) > 0 {
			out.hashes[k] = kept
		}
	}
	return out
}

// only keeps the fields of the views named.
func (s state) only(keep ...string) state {
	var drop []string
	for v := range views {
		if !slices.Contains(keep, v) {
			drop = append(drop, v)
		}
	}
	out := s.without(drop...)
	for k, h := range out.hashes {
		delete(h, vectorField)
		if len(h) == 0 {
			delete(out.hashes, k)
		}
	}
	return out
}

// diff describes how got differs from want (empty: equal), briefly.
func diff(got, want state) string {
	var missing, extra, changed int
	var example string
	for k, wh := range want.hashes {
		gh, ok := got.hashes[k]
		if !ok {
			missing++
			example = cmp.Or(example, fmt.Sprintf("key %q missing", k))
			continue
		}
		for f, wv := range wh {
			gv, ok := gh[f]
			switch {
			case !ok:
				missing++
				example = cmp.Or(example, fmt.Sprintf("key %q field %q missing", k, f))
			case gv != wv:
				changed++
				example = cmp.Or(example, fmt.Sprintf("key %q field %q differs", k, f))
			}
		}
		for f := range gh {
			if _, ok := wh[f]; !ok {
				extra++
				example = cmp.Or(example, fmt.Sprintf("key %q has extra field %q", k, f))
			}
		}
	}
	for k := range got.hashes {
		if _, ok := want.hashes[k]; !ok {
			extra++
			example = cmp.Or(example, fmt.Sprintf("extra key %q", k))
		}
	}
	if missing+extra+changed == 0 {
		return ""
	}
	return fmt.Sprintf("%d missing, %d extra, %d changed (e.g. %s)", missing, extra, changed, example)
}

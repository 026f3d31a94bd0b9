package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
	goredis "github.com/redis/go-redis/v9"
)

// BenchmarkWriteView writes the same rows (10 Float64 features, as the
// end-to-end benchmark) through go-redis and through the lean path, and over
// the lean path with a 260-byte precomputed vector riding with each row, into
// a real redis-server, and reports the client's CPU and Redis's CPU per row
// beside the wall time:
//
//	go test -run '^$' -bench WriteView -benchtime 200000x ./onlinestore/redis/
func BenchmarkWriteView(b *testing.B) {
	p := testenv.NewRedisProc(b, false)
	view := onlinestore.View{Name: "stats"}
	for i := range 10 {
		view.Features = append(view.Features, fmt.Sprintf("f%d", i))
	}
	value := []byte{0x39, 0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f} // a Feast double_val
	now := time.Now()
	const batch = 10000
	rows := make([]onlinestore.Row, batch)
	riders := make([]onlinestore.Row, batch)
	vector := [][]byte{make([]byte, 260)}
	for i := range rows {
		vals := make([][]byte, len(view.Features))
		for j := range vals {
			vals[j] = value
		}
		rows[i] = onlinestore.Row{Key: fmt.Appendf(nil, "\x02\x00\x00\x00%08d", i), EventTS: now, Values: vals}
		riders[i] = onlinestore.Row{EventTS: now, Values: vector}
	}
	for _, mode := range []string{"skip_dedup", "compare-and-set"} {
		for _, client := range []string{"go-redis", "lean", "lean+vector"} {
			b.Run(mode+"/"+client, func(b *testing.B) {
				s, err := Open(context.Background(), registry.RedisConfig{RedisType: "redis", ConnectionString: p.Addr},
					Options{Project: "bench", SkipDedup: mode == "skip_dedup"})
				if err != nil {
					b.Fatal(err)
				}
				defer func() { _ = s.Close() }()
				if client == "go-redis" {
					s.lean.close()
					s.lean = nil
				}
				_ = s.c.FlushAll(context.Background())
				v := view
				if client == "lean+vector" {
					v.Rider = &onlinestore.View{Name: "svc", Features: []string{"vector"}}
				}
				b.ReportAllocs()
				cpu0, redis0 := clientCPU(), redisCPU(b, s)
				b.ResetTimer()
				for i := 0; i < b.N; i += batch {
					ts := now.Add(time.Duration(i) * time.Microsecond) // newer each time: compare-and-set writes
					for j := range rows {
						rows[j].EventTS, riders[j].EventTS, rows[j].Rider = ts, ts, nil
						if v.Rider != nil {
							rows[j].Rider = &riders[j]
						}
					}
					if _, err := s.WriteView(context.Background(), v, rows[:min(batch, b.N-i)]); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(clientCPU()-cpu0)/float64(b.N)/1e3, "client-µs/row")
				b.ReportMetric((redisCPU(b, s)-redis0)/float64(b.N)*1e6, "redis-µs/row")
			})
		}
	}
}

// BenchmarkWriteAutoPipeline is the skip_dedup rows of BenchmarkWriteView
// through go-redis's autopipelining (v9.23, experimental): one HSET call per
// row, batched by go-redis. It does not honour a command's context once the
// command is queued, so feast-go would not use it for a cancellable run; it
// is here to measure what the client costs per row that way.
func BenchmarkWriteAutoPipeline(b *testing.B) {
	s := benchStore(b, Options{Project: "bench", SkipDedup: true})
	ap, err := s.c.(*goredis.Client).AutoPipeline()
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = ap.Close() }()
	value := []byte{0x39, 0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f}
	args := []any{"_ts:stats", []byte("\x08\x01")}
	for i := range 10 {
		args = append(args, fmt.Sprintf("f%d", i), value)
	}
	keys := make([]string, 10000)
	for i := range keys {
		keys[i] = fmt.Sprintf("\x02\x00\x00\x00%08dbench", i)
	}
	ctx := context.Background()
	b.ReportAllocs()
	cpu0, redis0 := clientCPU(), redisCPU(b, s)
	b.ResetTimer()
	cmds := make([]*goredis.IntCmd, 0, len(keys))
	for i := 0; i < b.N; i += len(keys) {
		cmds = cmds[:0]
		for j := range min(len(keys), b.N-i) {
			cmds = append(cmds, ap.HSet(ctx, keys[j], args...))
		}
		for _, c := range cmds {
			if err := c.Err(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(clientCPU()-cpu0)/float64(b.N)/1e3, "client-µs/row")
	b.ReportMetric((redisCPU(b, s)-redis0)/float64(b.N)*1e6, "redis-µs/row")
}

// clientCPU is this process's user and system CPU time in nanoseconds.
func clientCPU() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// redisCPU is the server's main-thread user and system CPU time in seconds.
func redisCPU(b *testing.B, s *Store) float64 {
	info, err := s.c.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for _, line := range strings.Split(info, "\r\n") {
		k, v, _ := strings.Cut(line, ":")
		if k == "used_cpu_user" || k == "used_cpu_sys" {
			f, _ := strconv.ParseFloat(v, 64)
			total += f
		}
	}
	return total
}

// BenchmarkCASCall measures Redis's CPU per row for the compare-and-set
// script called by EVALSHA and the same code loaded as a Redis 7 function
// (FUNCTION LOAD, FCALL), on the same 100-row calls:
//
//	go test -run '^$' -bench CASCall -benchtime 200000x ./onlinestore/redis/
func BenchmarkCASCall(b *testing.B) {
	s := benchStore(b, Options{Project: "bench"})
	ctx := context.Background()
	lib := "#!lua name=feastgo_bench\n" + casCommon + "\nredis.register_function('cas_batch', function(KEYS, ARGV)\n" + casBatch + "\nend)\n"
	if err := s.c.FunctionLoadReplace(ctx, lib).Err(); err != nil {
		b.Fatal(err)
	}
	value := []byte{0x39, 0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f}
	keys := make([]string, casBatchRows)
	for i := range keys {
		keys[i] = fmt.Sprintf("\x02\x00\x00\x00%08dbench", i)
	}
	argsAt := func(sec int64) []any {
		args := []any{"_ts:stats", 0, 11}
		for i := range 10 {
			args = append(args, fmt.Sprintf("f%d", i))
		}
		args = append(args, "_ts:stats", 0, "") // no rider
		for range keys {
			args = append(args, sec, 0)
			for range 10 {
				args = append(args, value)
			}
			args = append(args, onlinestore.AppendTimestamp(nil, time.Unix(sec, 0)))
		}
		return args
	}
	for _, call := range []string{"EVALSHA", "FCALL"} {
		b.Run(call, func(b *testing.B) {
			_ = s.c.FlushDB(ctx)
			redis0 := redisCPU(b, s)
			b.ResetTimer()
			for i := 0; i < b.N; i += casBatchRows {
				pipe := s.c.Pipeline()
				for j := range 50 { // 50 calls a pipeline, each newer than the last: every row is written
					args := argsAt(int64(1000 + i + j))
					if call == "FCALL" {
						pipe.FCall(ctx, "cas_batch", keys, args...)
					} else {
						casBatchScript.EvalSha(ctx, pipe, keys, args...)
					}
				}
				if _, err := pipe.Exec(ctx); err != nil {
					b.Fatal(err)
				}
				i += 49 * casBatchRows
			}
			b.StopTimer()
			b.ReportMetric((redisCPU(b, s)-redis0)/float64(b.N)*1e6, "redis-µs/row")
		})
	}
}

// BenchmarkCASFloor measures what compare-and-set could cost Redis at best,
// per row, on the shape of BenchmarkWriteView's rows (100-row calls, 50 a
// pipeline): the plain HSET; Lua scripts that do less than the
// compare-and-set script (nothing but receive the rows; HSET them; HGET the
// stored _ts and HSET); and optimistic locking without Lua (WATCH the keys,
// HGET their _ts, then MULTI, HSET, EXEC):
//
//	go test -run '^$' -bench CASFloor -benchtime 200000x ./onlinestore/redis/
func BenchmarkCASFloor(b *testing.B) {
	s := benchStore(b, Options{Project: "bench"})
	ctx := context.Background()
	c := s.c.(*goredis.Client)
	value := []byte{0x39, 0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f}
	keys := make([]string, 200000)
	for i := range keys {
		keys[i] = fmt.Sprintf("\x02\x00\x00\x00%08dbench", i)
	}
	const rows, calls = 100, 50
	pairs := func(n int) []any { // a row's field-value pairs, ready for HSET
		args := []any{"_ts:stats", onlinestore.AppendTimestamp(nil, time.Unix(int64(1000+n), 0))}
		for i := range 10 {
			args = append(args, fmt.Sprintf("f%d", i), value)
		}
		return args
	}
	scripts := map[string]*goredis.Script{
		"script-nothing":   goredis.NewScript(`return 0`),
		"script-hset":      goredis.NewScript(`for i, k in ipairs(KEYS) do redis.call('HSET', k, unpack(ARGV, (i-1)*22+1, i*22)) end return 0`),
		"script-hget-hset": goredis.NewScript(`for i, k in ipairs(KEYS) do redis.call('HGET', k, '_ts:stats') redis.call('HSET', k, unpack(ARGV, (i-1)*22+1, i*22)) end return 0`),
	}
	for _, mode := range []string{"hset", "script-nothing", "script-hset", "script-hget-hset", "watch-multi"} {
		b.Run(mode, func(b *testing.B) {
			_ = c.FlushDB(ctx)
			if sc := scripts[mode]; sc != nil {
				if err := sc.Load(ctx, c).Err(); err != nil {
					b.Fatal(err)
				}
			}
			redis0 := redisCPU(b, s)
			b.ResetTimer()
			for n := 0; n < b.N; n += rows * calls {
				if mode == "watch-multi" {
					for call := range calls {
						benchWatchMulti(ctx, b, c, keys[(n+call*rows)%len(keys):][:rows], pairs(n))
					}
					continue
				}
				pipe := c.Pipeline()
				for call := range calls {
					ks := keys[(n+call*rows)%len(keys):][:rows]
					args := pairs(n)
					if mode == "hset" {
						for _, k := range ks {
							pipe.HSet(ctx, k, args...)
						}
						continue
					}
					var all []any
					for range ks {
						all = append(all, args...)
					}
					scripts[mode].EvalSha(ctx, pipe, ks, all...)
				}
				if _, err := pipe.Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric((redisCPU(b, s)-redis0)/float64(b.N)*1e6, "redis-µs/row")
		})
	}
}

// benchWatchMulti writes rows by optimistic locking: WATCH the keys, read
// their _ts in one pipeline, then write them in MULTI/EXEC, which fails if
// another client wrote one of them in between.
func benchWatchMulti(ctx context.Context, b *testing.B, c *goredis.Client, keys []string, pairs []any) {
	err := c.Watch(ctx, func(tx *goredis.Tx) error {
		if _, err := tx.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for _, k := range keys {
				p.HGet(ctx, k, "_ts:stats")
			}
			return nil
		}); err != nil && !errors.Is(err, goredis.Nil) {
			return err
		}
		_, err := tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			for _, k := range keys {
				p.HSet(ctx, k, pairs...)
			}
			return nil
		})
		return err
	}, keys...)
	if err != nil {
		b.Fatal(err)
	}
}

// benchStore opens a store on a private redis-server for a benchmark.
func benchStore(b *testing.B, opts Options) *Store {
	p := testenv.NewRedisProc(b, false)
	s, err := Open(context.Background(), registry.RedisConfig{RedisType: "redis", ConnectionString: p.Addr}, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

package redis

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
	goredis "github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/encoding/protowire"
)

//go:embed cas.lua
var casSource string

var casScript = goredis.NewScript(casSource)

// Options tune the store.
type Options struct {
	Project        string
	KeyTTL         time.Duration // 0: keys never expire (Feast's key_ttl_seconds)
	SkipDedup      bool          // blind writes, no timestamp comparison (Feast's skip_dedup)
	PoolSize       int           // connections per node; 0 = 16
	PipelineSize   int           // rows per pipeline; 0 = 500
	Retries        int           // extra attempts of a failed pipeline on connection errors; 0 = 3
	SentinelMaster string
}

// Store writes and reads Feast's Redis layout.
type Store struct {
	c    goredis.UniversalClient
	opts Options
}

// Open connects to Redis as a feature_store.yaml's online_store describes it.
func Open(ctx context.Context, cfg registry.RedisConfig, opts Options) (*Store, error) {
	co, err := ParseConnectionString(cfg.ConnectionString)
	if err != nil {
		return nil, err
	}
	if opts.PoolSize <= 0 {
		opts.PoolSize = 16
	}
	if opts.PipelineSize <= 0 {
		opts.PipelineSize = 500
	}
	if opts.Retries <= 0 {
		opts.Retries = 3
	}
	if opts.SentinelMaster == "" {
		opts.SentinelMaster = cfg.SentinelMaster
	}
	uo := &goredis.UniversalOptions{
		Addrs: co.Addrs, Username: co.Username, Password: co.Password, DB: co.DB, TLSConfig: co.TLS,
		PoolSize: opts.PoolSize, MaxRetries: -1, // retries are ours, per pipeline
		DialTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
	}
	var c goredis.UniversalClient
	switch cfg.RedisType {
	case "redis_cluster":
		c = goredis.NewClusterClient(uo.Cluster())
	case "redis_sentinel":
		uo.MasterName = opts.SentinelMaster
		c = goredis.NewFailoverClient(uo.Failover())
	default:
		c = goredis.NewClient(uo.Simple())
	}
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("redis at %s: %w: %v", strings.Join(co.Addrs, ","), onlinestore.ErrConnection, err)
	}
	s := &Store{c: c, opts: opts}
	if !opts.SkipDedup {
		if err := s.loadScript(ctx); err != nil {
			_ = c.Close()
			return nil, err
		}
	}
	return s, nil
}

// Client exposes the underlying client (for tests and tools).
func (s *Store) Client() goredis.UniversalClient { return s.c }

func (s *Store) loadScript(ctx context.Context) error {
	load := func(ctx context.Context, c *goredis.Client) error { return casScript.Load(ctx, c).Err() }
	var err error
	if cc, ok := s.c.(*goredis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, load)
	} else {
		err = casScript.Load(ctx, s.c).Err()
	}
	if err != nil {
		return fmt.Errorf("redis: load the compare-and-set script: %w", err)
	}
	return nil
}

// Close releases the connections.
func (s *Store) Close() error { return s.c.Close() }

func (s *Store) redisKey(key []byte) string {
	return string(key) + s.opts.Project
}

// WriteView writes rows in pipelines of PipelineSize; call it from several
// goroutines to use several connections.
func (s *Store) WriteView(ctx context.Context, v onlinestore.View, rows []onlinestore.Row) (onlinestore.WriteStats, error) {
	fields := make([]string, len(v.Features))
	for i, f := range v.Features {
		fn := onlinestore.FieldName(v.Name, f)
		fields[i] = string(fn[:])
	}
	tsField := onlinestore.TimestampField(v.Name)
	var total onlinestore.WriteStats
	for from := 0; from < len(rows); from += s.opts.PipelineSize {
		chunk := rows[from:min(from+s.opts.PipelineSize, len(rows))]
		st, err := s.writeChunk(ctx, tsField, fields, chunk)
		total.Add(st)
		if err != nil {
			return total, fmt.Errorf("feature view %q: %w", v.Name, err)
		}
	}
	return total, nil
}

func (s *Store) writeChunk(ctx context.Context, tsField string, fields []string, rows []onlinestore.Row) (onlinestore.WriteStats, error) {
	ttl := int64(s.opts.KeyTTL / time.Second)
	var lastErr error
	for attempt := 0; attempt <= s.opts.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return onlinestore.WriteStats{}, ctx.Err()
			case <-time.After(time.Duration(50<<attempt) * time.Millisecond):
			}
			if isNoScript(lastErr) {
				if err := s.loadScript(ctx); err != nil {
					return onlinestore.WriteStats{}, err
				}
			}
		}
		pipe := s.c.Pipeline()
		var evals []*goredis.Cmd
		for _, r := range rows {
			key := s.redisKey(r.Key)
			ts := onlinestore.AppendTimestamp(nil, r.EventTS)
			if s.opts.SkipDedup {
				args := make([]any, 0, 2+2*len(fields))
				args = append(args, tsField, ts)
				for i, f := range fields {
					args = append(args, f, r.Values[i])
				}
				pipe.HSet(ctx, key, args...)
				if ttl > 0 {
					pipe.Expire(ctx, key, s.opts.KeyTTL)
				}
				continue
			}
			args := make([]any, 0, 6+2*len(fields))
			args = append(args, tsField, r.EventTS.Unix(), r.EventTS.Nanosecond()/1000*1000, ttl, tsField, ts)
			for i, f := range fields {
				args = append(args, f, r.Values[i])
			}
			evals = append(evals, casScript.EvalSha(ctx, pipe, []string{key}, args...))
		}
		_, err := pipe.Exec(ctx)
		if err == nil {
			if s.opts.SkipDedup {
				return onlinestore.WriteStats{Written: int64(len(rows))}, nil
			}
			var st onlinestore.WriteStats
			for _, e := range evals {
				if n, _ := e.Int64(); n == 1 {
					st.Written++
				} else {
					st.SkippedOlder++
				}
			}
			return st, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			return onlinestore.WriteStats{}, ctx.Err()
		}
		if !transient(err) {
			return onlinestore.WriteStats{}, fmt.Errorf("redis write: %w", err)
		}
	}
	return onlinestore.WriteStats{}, fmt.Errorf("redis write failed after %d attempts: %w: %v", s.opts.Retries+1, onlinestore.ErrConnection, lastErr)
}

func isNoScript(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") }

// transient errors are worth retrying: the writes are idempotent (compare-and-set
// or blind overwrites of the same bytes).
func transient(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, goredis.ErrClosed) || isNoScript(err) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "EOF") ||
		strings.HasPrefix(err.Error(), "LOADING") || strings.HasPrefix(err.Error(), "TRYAGAIN") ||
		strings.HasPrefix(err.Error(), "CLUSTERDOWN")
}

// ReadViews issues one HMGET per entity for all the views' fields, in one pipeline.
func (s *Store) ReadViews(ctx context.Context, keys [][]byte, views []onlinestore.View) ([][]onlinestore.FeatureRow, error) {
	var fields []string
	for _, v := range views {
		for _, f := range v.Features {
			fn := onlinestore.FieldName(v.Name, f)
			fields = append(fields, string(fn[:]))
		}
		fields = append(fields, onlinestore.TimestampField(v.Name))
	}
	pipe := s.c.Pipeline()
	cmds := make([]*goredis.SliceCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.HMGet(ctx, s.redisKey(k), fields...)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("redis read: %w", err)
	}
	out := make([][]onlinestore.FeatureRow, len(keys))
	for i, cmd := range cmds {
		vals := cmd.Val()
		out[i] = make([]onlinestore.FeatureRow, len(views))
		pos := 0
		for j, v := range views {
			row := onlinestore.FeatureRow{Values: make([][]byte, len(v.Features))}
			for k := range v.Features {
				if str, ok := vals[pos+k].(string); ok {
					row.Values[k] = []byte(str)
				}
			}
			pos += len(v.Features)
			if str, ok := vals[pos].(string); ok {
				ts, err := DecodeTimestamp([]byte(str))
				if err != nil {
					return nil, fmt.Errorf("feature view %q: %w", v.Name, err)
				}
				row.Found, row.EventTS = true, ts
			}
			pos++
			out[i][j] = row
		}
	}
	return out, nil
}

// DecodeTimestamp parses a serialized google.protobuf.Timestamp.
func DecodeTimestamp(b []byte) (time.Time, error) {
	var secs, nanos int64
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.VarintType {
			return time.Time{}, errors.New("bad _ts timestamp")
		}
		b = b[n:]
		v, m := protowire.ConsumeVarint(b)
		if m < 0 {
			return time.Time{}, errors.New("bad _ts timestamp")
		}
		b = b[m:]
		switch num {
		case 1:
			secs = int64(v)
		case 2:
			nanos = int64(v)
		}
	}
	return time.Unix(secs, nanos).UTC(), nil
}

var _ onlinestore.Store = (*Store)(nil)

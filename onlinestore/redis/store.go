package redis

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
	goredis "github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/encoding/protowire"
)

// The compare-and-set script decides many rows per call, each with the same
// rule. In a cluster a script's keys must share a hash slot, so a call there
// covers a run of rows of one slot: the writer hands rows over grouped by
// slot (KeyGroups), which makes those runs long.
var (
	//go:embed cas_common.lua
	casCommon string
	//go:embed cas_batch.lua
	casBatch string

	casBatchScript = goredis.NewScript(casCommon + "\n" + casBatch)
)

// casBatchRows is how many rows one script call writes at most: large
// enough to spread the call's cost, small enough not to hold Redis for long.
const casBatchRows = 100

// DefaultPipelineSize is how many rows one pipeline writes.
const DefaultPipelineSize = 500

// Options tune the store.
type Options struct {
	Project        string
	KeyTTL         time.Duration // 0: keys never expire (Feast's key_ttl_seconds)
	SkipDedup      bool          // blind writes, no timestamp comparison (Feast's skip_dedup)
	PoolSize       int           // connections per node; 0 = 16
	PipelineSize   int           // rows per pipeline; 0 = DefaultPipelineSize
	SentinelMaster string
}

// Store writes and reads Feast's Redis layout.
type Store struct {
	c       goredis.UniversalClient
	opts    Options
	started map[string]string // run_id per data node when opened (Continuity)
	owner   string            // this writer's name in the ledger
	lean    *leanPool         // bulk writes and reads of a standalone server (lean.go); nil otherwise
}

// Open connects to Redis as a feature_store.yaml's online_store describes it.
func Open(ctx context.Context, cfg registry.RedisConfig, opts Options) (*Store, error) {
	co, err := registry.ParseRedisConnection(cfg.ConnectionString)
	if err != nil {
		return nil, err
	}
	tlsCfg, err := tlsConfig(co)
	if err != nil {
		return nil, err
	}
	if opts.PoolSize <= 0 {
		opts.PoolSize = 16
	}
	if opts.PipelineSize <= 0 {
		opts.PipelineSize = DefaultPipelineSize
	}
	if opts.SentinelMaster == "" {
		opts.SentinelMaster = cfg.SentinelMaster
	}
	owner := onlinestore.NewOwner()
	uo := &goredis.UniversalOptions{
		ClientName: clientNamePrefix + owner,
		Addrs:      co.Addrs, Username: co.Username, Password: co.Password, DB: co.DB, TLSConfig: tlsCfg,
		PoolSize: opts.PoolSize, MaxRetries: -1, // retries are the retry decorator's (onlinestore/open)
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
	var lean *leanPool
	if sc, ok := c.(*goredis.Client); ok && cfg.RedisType != "redis_sentinel" {
		lean = newLeanPool(sc.Options())
	}
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		advice := ""
		if tlsCfg == nil && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
			advice = " (the server closed the connection at once: if it expects TLS, add ssl=true to the connection string)"
		}
		return nil, fmt.Errorf("redis at %s: %w: %v%s", strings.Join(co.Addrs, ","), onlinestore.ErrConnection, err, advice)
	}
	s := &Store{c: c, opts: opts, owner: owner, lean: lean}
	if s.started, err = s.runIDs(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
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
	load := func(ctx context.Context, c goredis.Scripter) error { return casBatchScript.Load(ctx, c).Err() }
	var err error
	if cc, ok := s.c.(*goredis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error { return load(ctx, c) })
	} else {
		err = load(ctx, s.c)
	}
	if err != nil {
		return fmt.Errorf("redis: load the compare-and-set script: %w", err)
	}
	return nil
}

// Close releases the connections.
func (s *Store) Close() error {
	if s.lean != nil {
		s.lean.close()
	}
	return s.c.Close()
}

func (s *Store) redisKey(key []byte) string { return Key(key, s.opts.Project) }

// Key is the Redis key of an entity's hash in Feast's layout: the serialized
// entity key immediately followed by the project name.
func Key(serializedKey []byte, project string) string { return string(serializedKey) + project }

// WriteView writes rows in pipelines of PipelineSize; call it from several
// goroutines to use several connections.
func (s *Store) WriteView(ctx context.Context, v onlinestore.View, rows []onlinestore.Row) (onlinestore.WriteStats, error) {
	if v.Rider != nil && s.lean == nil { // go-redis: the riders in a second write
		return onlinestore.WriteWithRiders(ctx, s.WriteView, v, rows)
	}
	f := fieldsOf(v)
	var rider *viewFields
	if v.Rider != nil {
		rf := fieldsOf(*v.Rider)
		rider = &rf
	}
	var total onlinestore.WriteStats
	for from := 0; from < len(rows); from += s.opts.PipelineSize {
		chunk := rows[from:min(from+s.opts.PipelineSize, len(rows))]
		st, err := s.writeChunk(ctx, f, rider, chunk)
		total.Append(st, from)
		if err != nil {
			return total, fmt.Errorf("feature view %q: %w", v.Name, err)
		}
	}
	return total, nil
}

// viewFields are a view's hash fields: its _ts field and one per feature.
type viewFields struct {
	ts     string
	fields []string
}

func fieldsOf(v onlinestore.View) viewFields {
	f := viewFields{ts: onlinestore.TimestampField(v.Name), fields: make([]string, len(v.Features))}
	for i, name := range v.Features {
		fn := onlinestore.FieldName(v.Name, name)
		f.fields[i] = string(fn[:])
	}
	return f
}

func (s *Store) writeChunk(ctx context.Context, f viewFields, rider *viewFields, rows []onlinestore.Row) (onlinestore.WriteStats, error) {
	if s.lean != nil {
		return s.writeChunkLean(ctx, f, rider, rows)
	}
	tsField, fields := f.ts, f.fields
	ttl := int64(s.opts.KeyTTL / time.Second)
	pipe := s.c.Pipeline()
	var calls []casCall
	if s.opts.SkipDedup {
		s.queueBlind(ctx, pipe, tsField, fields, rows)
	} else {
		calls = s.queueBatches(ctx, pipe, tsField, fields, ttl, rows)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return onlinestore.WriteStats{}, s.writeFailed(ctx, err)
	}
	if s.opts.SkipDedup {
		return onlinestore.WriteStats{Written: int64(len(rows))}, nil
	}
	var skipped []int64
	from := 0
	for _, c := range calls {
		idx, err := c.cmd.Int64Slice()
		if err != nil {
			return onlinestore.WriteStats{}, fmt.Errorf("redis write: the compare-and-set reply: %w", err)
		}
		for _, i := range idx {
			skipped = append(skipped, int64(from)+i)
		}
		from += c.rows
	}
	return skippedStats(len(rows), skipped)
}

// writeFailed is the error of a failed write: the context's when it ended,
// transient when a retry may succeed. A server that lost the script (it
// restarted or was flushed) gets it again before the caller retries.
func (s *Store) writeFailed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if isNoScript(err) {
		if lerr := s.loadScript(ctx); lerr != nil {
			return lerr
		}
	}
	return classify("redis write", err)
}

// casCall is a queued compare-and-set script call and the rows it covers; it
// answers which of them it skipped.
type casCall struct {
	cmd  *goredis.Cmd
	rows int
}

// queueBlind queues plain HSETs (skip_dedup). The field names are boxed
// once and the argument list reused (HSet copies it): the write path's
// allocations are most of its CPU.
func (s *Store) queueBlind(ctx context.Context, pipe goredis.Pipeliner, tsField string, fields []string, rows []onlinestore.Row) {
	keys, stamps := s.keysOf(rows), stampsOf(rows)
	args := make([]any, 2+2*len(fields))
	args[0] = tsField
	for i, f := range fields {
		args[2+2*i] = f
	}
	for j, r := range rows {
		args[1] = stamps[j]
		for i := range fields {
			args[3+2*i] = r.Values[i]
		}
		pipe.HSet(ctx, keys[j], args...)
		if s.opts.KeyTTL > 0 {
			pipe.Expire(ctx, keys[j], s.opts.KeyTTL)
		}
	}
}

// keysOf returns the Redis keys of rows, cut from one string.
func (s *Store) keysOf(rows []onlinestore.Row) []string {
	n := 0
	for _, r := range rows {
		n += len(r.Key) + len(s.opts.Project)
	}
	var b strings.Builder
	b.Grow(n)
	for _, r := range rows {
		b.Write(r.Key)
		b.WriteString(s.opts.Project)
	}
	all, out, at := b.String(), make([]string, len(rows)), 0
	for i, r := range rows {
		end := at + len(r.Key) + len(s.opts.Project)
		out[i], at = all[at:end], end
	}
	return out
}

// stampsOf returns the rows' serialized event times, cut from one buffer.
func stampsOf(rows []onlinestore.Row) [][]byte {
	buf := make([]byte, 0, len(rows)*onlinestore.MaxTimestampLen)
	out := make([][]byte, len(rows))
	for i, r := range rows {
		at := len(buf)
		buf = onlinestore.AppendTimestamp(buf, r.EventTS)
		out[i] = buf[at:len(buf):len(buf)]
	}
	return out
}

// queueBatches queues one compare-and-set call per casBatchRows rows (in a
// cluster, per run of rows of one slot): the field names once, then each
// row's time and values (cas_batch.lua).
func (s *Store) queueBatches(ctx context.Context, pipe goredis.Pipeliner, tsField string, fields []string, ttl int64, rows []onlinestore.Row) []casCall {
	n := len(fields) + 1
	groups := s.KeyGroups()
	var calls []casCall
	for from := 0; from < len(rows); {
		to := min(from+casBatchRows, len(rows))
		if groups.Of != nil {
			slot := groups.Of(rows[from].Key)
			for i := from + 1; i < to; i++ {
				if groups.Of(rows[i].Key) != slot {
					to = i
					break
				}
			}
		}
		batch := rows[from:to]
		from = to
		keys, stamps := s.keysOf(batch), stampsOf(batch)
		args := make([]any, 0, 5+n+len(batch)*(n+2))
		args = append(args, tsField, ttl, n)
		for _, f := range fields {
			args = append(args, f)
		}
		args = append(args, tsField, 0, "") // no rider
		for i, r := range batch {
			args = append(args, r.EventTS.Unix(), r.EventTS.Nanosecond()/1000*1000)
			for _, v := range r.Values {
				args = append(args, v)
			}
			args = append(args, stamps[i])
		}
		calls = append(calls, casCall{casBatchScript.EvalSha(ctx, pipe, keys, args...), len(batch)})
	}
	return calls
}

func isNoScript(err error) bool {
	var re goredis.Error
	return errors.As(err, &re) && strings.HasPrefix(re.Error(), "NOSCRIPT")
}

// transientPrefixes are the server replies that a retry can get past: a
// server loading its data, a cluster moving slots, scripts lost in a restart.
var transientPrefixes = []string{"NOSCRIPT", "LOADING", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN"}

// classify wraps err with onlinestore.ErrConnection when a retry may succeed:
// the connection failed or dropped (a net.Error, EOF, a reset, a closed
// client) or the server answered with a transient reply.
func classify(what string, err error) error {
	transient := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) || errors.Is(err, goredis.ErrClosed)
	var ne net.Error
	transient = transient || errors.As(err, &ne)
	var re goredis.Error
	if !transient && errors.As(err, &re) {
		for _, p := range transientPrefixes {
			transient = transient || strings.HasPrefix(re.Error(), p)
		}
	}
	if transient {
		return fmt.Errorf("%s: %w: %w", what, onlinestore.ErrConnection, err)
	}
	return fmt.Errorf("%s: %w", what, err)
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
	var value func(i, pos int) ([]byte, bool) // entity i's field pos, and whether it is set
	if s.lean != nil {
		v, err := s.readLean(ctx, keys, fields)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, classify("redis read", err)
		}
		value = v
	} else {
		pipe := s.c.Pipeline()
		cmds := make([]*goredis.SliceCmd, len(keys))
		for i, k := range keys {
			cmds[i] = pipe.HMGet(ctx, s.redisKey(k), fields...)
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
			return nil, classify("redis read", err)
		}
		value = func(i, pos int) ([]byte, bool) {
			str, ok := cmds[i].Val()[pos].(string)
			return []byte(str), ok
		}
	}
	out := make([][]onlinestore.FeatureRow, len(keys))
	for i := range keys {
		out[i] = make([]onlinestore.FeatureRow, len(views))
		pos := 0
		for j, v := range views {
			row := onlinestore.FeatureRow{Values: make([][]byte, len(v.Features))}
			for k := range v.Features {
				if b, ok := value(i, pos+k); ok {
					row.Values[k] = b
				}
			}
			pos += len(v.Features)
			if b, ok := value(i, pos); ok {
				ts, err := DecodeTimestamp(b)
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

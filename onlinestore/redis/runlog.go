package redis

import (
	"context"

	"github.com/feast-go/feast-go/onlinestore"
)

// The run history is one list per project, newest first, outside Feast's
// key space.
func (s *Store) runLogKey() string { return "feast-go:runs:" + s.opts.Project }

// RunLog implements onlinestore.Store.
func (s *Store) RunLog() onlinestore.RunLog { return runLog{s} }

type runLog struct{ s *Store }

func (l runLog) AppendRun(ctx context.Context, record []byte, keep int) error {
	pipe := l.s.c.TxPipeline()
	pipe.LPush(ctx, l.s.runLogKey(), record)
	pipe.LTrim(ctx, l.s.runLogKey(), 0, int64(max(keep, 1)-1))
	if _, err := pipe.Exec(ctx); err != nil {
		return classify("redis: append to the run history", err)
	}
	return nil
}

func (l runLog) Runs(ctx context.Context, n int) ([][]byte, error) {
	if n <= 0 {
		return nil, nil
	}
	vals, err := l.s.c.LRange(ctx, l.s.runLogKey(), 0, int64(n-1)).Result()
	if err != nil {
		return nil, classify("redis: read the run history", err)
	}
	out := make([][]byte, len(vals))
	for i, v := range vals {
		out[i] = []byte(v)
	}
	return out, nil
}

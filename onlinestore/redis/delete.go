package redis

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/feast-go/feast-go/onlinestore"
	goredis "github.com/redis/go-redis/v9"
)

// DeleteView removes a view's rows as Feast does when the view is deleted:
// SCAN the keys of its join keys in the project; a hash whose only `_ts:`
// field is this view's is deleted, otherwise the view's fields are removed.
// It returns how many hashes it touched.
func (s *Store) DeleteView(ctx context.Context, v onlinestore.View) (int64, error) {
	tsField := onlinestore.TimestampField(v.Name)
	fields := []string{tsField}
	for _, f := range v.Features {
		fn := onlinestore.FieldName(v.Name, f)
		fields = append(fields, string(fn[:]))
	}
	var touched atomic.Int64 // cluster masters are scanned concurrently
	err := s.scan(ctx, s.keyPattern(v.JoinKeys), func(ctx context.Context, c goredis.UniversalClient, keys []string) error {
		n, err := s.deleteFrom(ctx, c, keys, tsField, fields)
		touched.Add(n)
		return err
	})
	if err != nil {
		return touched.Load(), fmt.Errorf("feature view %q: delete online rows: %w", v.Name, err)
	}
	return touched.Load(), nil
}

func (s *Store) deleteFrom(ctx context.Context, c goredis.UniversalClient, keys []string, tsField string, fields []string) (int64, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	pipe := c.Pipeline()
	hk := make([]*goredis.StringSliceCmd, len(keys))
	for i, k := range keys {
		hk[i] = pipe.HKeys(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	pipe = c.Pipeline()
	var n int64
	for i, k := range keys {
		mine, others := false, false
		for _, f := range hk[i].Val() {
			if strings.HasPrefix(f, "_ts:") {
				if f == tsField {
					mine = true
				} else {
					others = true
				}
			}
		}
		switch {
		case !mine:
			continue
		case others:
			pipe.HDel(ctx, k, fields...)
		default:
			pipe.Del(ctx, k)
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	_, err := pipe.Exec(ctx)
	return n, err
}

// globEscape quotes Redis glob metacharacters in raw key bytes (Feast does
// not, so a length byte of '*' or '[' widens its pattern).
func globEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', ']', '\\', '^', '-':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

package redis

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/feast-go/feast-go/onlinestore"
	goredis "github.com/redis/go-redis/v9"
)

// DeleteView removes a view's rows as Feast does when the view is deleted:
// SCAN the keys of its join keys in the project and remove the view's fields
// from each hash, deleting a hash that no other view has fields in. Each key
// is decided atomically inside Redis (delete_view.lua), so a concurrent write
// to another view of the same entity is never lost. It returns how many
// hashes held a row of the view.
func (s *Store) DeleteView(ctx context.Context, v onlinestore.View) (int64, error) {
	tsField := onlinestore.TimestampField(v.Name)
	fields := []string{tsField}
	for _, f := range v.Features {
		fn := onlinestore.FieldName(v.Name, f)
		fields = append(fields, string(fn[:]))
	}
	var touched atomic.Int64 // cluster masters are scanned concurrently
	err := s.scan(ctx, s.keyPattern(v.JoinKeys), func(ctx context.Context, c goredis.UniversalClient, keys []string) error {
		n, err := s.deleteFrom(ctx, c, keys, fields)
		touched.Add(n)
		return err
	})
	if err != nil {
		return touched.Load(), fmt.Errorf("feature view %q: delete online rows: %w", v.Name, err)
	}
	return touched.Load(), nil
}

//go:embed delete_view.lua
var deleteViewLua string

var deleteViewScript = goredis.NewScript(deleteViewLua)

// deleteFrom removes the view's fields from each key, one script call per
// key (each decides atomically; the calls of a page share a pipeline).
func (s *Store) deleteFrom(ctx context.Context, c goredis.UniversalClient, keys []string, fields []string) (int64, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	if err := deleteViewScript.Load(ctx, c).Err(); err != nil {
		return 0, classify("redis delete", err)
	}
	args := make([]any, len(fields))
	for i, f := range fields {
		args[i] = f
	}
	pipe := c.Pipeline()
	cmds := make([]*goredis.Cmd, len(keys))
	for i, k := range keys {
		cmds[i] = deleteViewScript.EvalSha(ctx, pipe, []string{k}, args...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, classify("redis delete", err)
	}
	var n int64
	for _, c := range cmds {
		v, _ := c.Int64()
		n += v
	}
	return n, nil
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

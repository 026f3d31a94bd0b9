package redis

import (
	"context"
	"fmt"
	"log/slog"

	goredis "github.com/redis/go-redis/v9"
)

// SetLogger routes go-redis's own messages (sentinel and cluster topology
// changes, reconnects) to log at debug level instead of stderr.
func SetLogger(log *slog.Logger) { goredis.SetLogger(slogAdapter{log}) }

type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Printf(ctx context.Context, format string, v ...any) {
	a.log.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}

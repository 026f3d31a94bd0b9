package pool

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Run calls work on every item produce sends, from workers goroutines (at
// least one), and returns the first error of either side. send blocks until a
// worker takes the item, and fails once the run is cancelled, so a producer
// that returns send's error always ends.
func Run[T any](ctx context.Context, workers int, produce func(ctx context.Context, send func(T) error) error,
	work func(ctx context.Context, item T) error) error {
	g, gctx := errgroup.WithContext(ctx)
	items := make(chan T)
	for range max(workers, 1) {
		g.Go(func() error {
			for it := range items {
				if err := work(gctx, it); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(items)
		return produce(gctx, func(it T) error {
			select {
			case items <- it:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	})
	return g.Wait()
}

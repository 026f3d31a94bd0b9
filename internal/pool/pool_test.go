package pool

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		items   int
		failAt  int64 // the work item that fails; 0 = none
		wantErr error
	}{
		{"all items", 100, 0, nil},
		{"no items", 0, 0, nil},
		{"a failing worker stops the producer", 10_000, 5, boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var done atomic.Int64
			finished := make(chan error, 1)
			go func() {
				finished <- Run(context.Background(), 3, func(ctx context.Context, send func(int) error) error {
					for i := range tt.items {
						if err := send(i); err != nil {
							return err
						}
					}
					return nil
				}, func(ctx context.Context, _ int) error {
					if n := done.Add(1); n == tt.failAt {
						return boom
					}
					return nil
				})
			}()
			select {
			case err := <-finished:
				if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
					t.Errorf("err %v, want %v", err, tt.wantErr)
				}
				if tt.wantErr == nil && done.Load() != int64(tt.items) {
					t.Errorf("%d items done, want %d", done.Load(), tt.items)
				}
				if tt.wantErr != nil && done.Load() >= int64(tt.items) {
					t.Errorf("the producer went on after the failure: %d items done", done.Load())
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after a worker failed")
			}
		})
	}
}

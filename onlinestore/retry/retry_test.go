package retry

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/storetest"
)

func TestDo(t *testing.T) {
	transient := fmt.Errorf("write: %w: reset", onlinestore.ErrConnection)
	permanent := errors.New("WRONGTYPE")
	tests := []struct {
		name      string
		retries   int
		fails     []error // what the attempts return before success
		wantCalls int
		wantErr   error
	}{
		{"first try", 0, nil, 1, nil},
		{"transient then ok", 0, []error{transient, transient}, 3, nil},
		{"retries spent", 2, []error{transient, transient, transient, transient}, 3, onlinestore.ErrConnection},
		{"permanent is not retried", 0, []error{permanent}, 1, permanent},
		{"no retries", -1, []error{transient}, 1, onlinestore.ErrConnection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls, retried := 0, 0
			p := Policy{Retries: tt.retries, Backoff: time.Microsecond, OnRetry: func() { retried++ }}
			err := Do(context.Background(), p, func(context.Context) error {
				calls++
				if calls <= len(tt.fails) {
					return tt.fails[calls-1]
				}
				return nil
			})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("err %v, want %v", err, tt.wantErr)
			}
			if calls != tt.wantCalls || retried != calls-1 {
				t.Errorf("%d calls, %d retries; want %d calls", calls, retried, tt.wantCalls)
			}
		})
	}
}

func TestDoStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Do(ctx, Policy{Backoff: time.Hour}, func(context.Context) error {
		calls++
		cancel()
		return onlinestore.ErrConnection
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("err %v after %d calls, want context.Canceled after 1", err, calls)
	}
}

// flaky fails its first n writes with a connection error.
type flaky struct {
	onlinestore.Store
	n int
}

func (f *flaky) WriteView(ctx context.Context, v onlinestore.View, rows []onlinestore.Row) (onlinestore.WriteStats, error) {
	if f.n > 0 {
		f.n--
		return onlinestore.WriteStats{}, onlinestore.ErrConnection
	}
	return f.Store.WriteView(ctx, v, rows)
}

// scanner is a store that lists keys (none).
type scanner struct{ onlinestore.Store }

func (scanner) ScanKeys(context.Context, onlinestore.View, func([][]byte) error) error { return nil }

func TestWrap(t *testing.T) {
	mem := storetest.NewMemory()
	if _, ok := Wrap(scanner{mem}, Policy{}).(onlinestore.KeyScanner); !ok {
		t.Error("a wrapped key scanner no longer lists keys")
	}
	if _, ok := Wrap(&flaky{Store: mem}, Policy{}).(onlinestore.KeyScanner); ok {
		t.Error("a wrapped store that cannot list keys claims it can")
	}
	s := Wrap(&flaky{Store: mem, n: 2}, Policy{Backoff: time.Microsecond})
	v := onlinestore.View{Name: "v", JoinKeys: []string{"id"}, Features: []string{"f"}}
	st, err := s.WriteView(context.Background(), v, []onlinestore.Row{{Key: []byte("k"), EventTS: time.Unix(1, 0), Values: [][]byte{nil}}})
	if err != nil || st.Written != 1 {
		t.Errorf("write through two connection errors: %+v, %v", st, err)
	}
}

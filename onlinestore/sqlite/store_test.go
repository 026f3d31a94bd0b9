package sqlite

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/onlinestore/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, blind bool) onlinestore.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "online.db"), "proj", blind)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}, storetest.Options{TimeResolution: time.Second})
}

func TestPyFloat(t *testing.T) {
	// Python 3.11 str(float) for each.
	tests := map[float64]string{
		0.1: "0.1", 100: "100.0", 1e-5: "1e-05", 1.5e16: "1.5e+16", 1e16: "1e+16", 123456789012345.6: "123456789012345.6",
		-2.5: "-2.5", 0.0001: "0.0001", float64(float32(0.1)): "0.10000000149011612", 1e22: "1e+22", 5e-324: "5e-324",
		math.Inf(1): "inf", 0: "0.0",
	}
	for f, want := range tests {
		if got := pyFloat(f); got != want {
			t.Errorf("pyFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

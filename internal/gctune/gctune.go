package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// Target sets the collector's target to percent of the live heap, or floor
// bytes above it when that is more, and sets it again after every
// collection, as the live heap changes. stop ends that (the target last set
// stays), as does the next call of Target.
func Target(percent int, floor uint64) (stop func()) {
	mu.Lock()
	defer mu.Unlock()
	if last != nil {
		last()
	}
	var stopped atomic.Bool
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := func() {
		metrics.Read(sample)
		p := percent
		if sample[0].Value.Kind() == metrics.KindUint64 {
			if live := sample[0].Value.Uint64(); live > 0 {
				p = max(p, int(floor*100/live))
			}
		}
		debug.SetGCPercent(p)
	}
	var arm func()
	arm = func() { // a finalizer runs once a collection found its object unreachable
		runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
			if !stopped.Load() {
				set()
				arm()
			}
		})
	}
	set()
	arm()
	last = func() { stopped.Store(true) }
	return last
}

var (
	mu   sync.Mutex
	last func() // stops the Target in force
)

// sentinel is an object of its own (not one of the tiny ones the allocator
// packs together), so that its finalizer runs after the next collection.
type sentinel struct {
	_ *byte
	_ [16]byte
}

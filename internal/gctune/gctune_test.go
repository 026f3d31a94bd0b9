package gctune

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// The target follows the live heap: far above a small one (the floor), the
// percentage over a large one.
func TestTargetFollowsTheLiveHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	const floor = 16 << 20
	stop := Target(15, floor)
	defer stop()
	// percent is the target set after the collections that runtime.GC runs.
	percent := func() int {
		for range 3 {
			runtime.GC()
			time.Sleep(10 * time.Millisecond) // the finalizer runs on its own goroutine
		}
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p
	}
	if p := percent(); p < 200 {
		t.Errorf("with a live heap of a few MB the target is %d%%, want the 16 MB floor (over 200%%)", p)
	}
	big := make([]byte, 256<<20) // 16 MB is 6% of it, under 15%
	if p := percent(); p != 15 {
		t.Errorf("with a live heap of 256 MB the target is %d%%, want 15%%", p)
	}
	Target(30, floor) // replaces the first
	if p := percent(); p != 30 {
		t.Errorf("after a second Target of 30%% the target is %d%%", p)
	}
	runtime.KeepAlive(big)
	stop() // the first's: already stopped
	Target(15, floor)()
	debug.SetGCPercent(50)
	if p := percent(); p != 50 {
		t.Errorf("after stop the target moved to %d%%", p)
	}
}

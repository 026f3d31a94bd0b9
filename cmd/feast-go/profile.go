package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles writes pprof profiles of the whole run for performance work:
// a CPU profile to $FEAST_GO_CPUPROFILE and, at exit, an allocation profile
// to $FEAST_GO_MEMPROFILE (`go tool pprof -sample_index=alloc_space`). The
// returned function ends them; a profile that cannot be written is reported
// on stderr and never changes the run's outcome.
func startProfiles() (stop func()) {
	var stops []func()
	if path := os.Getenv("FEAST_GO_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err != nil {
			fmt.Fprintf(os.Stderr, "feast-go: CPU profile: %v\n", err)
		} else if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "feast-go: CPU profile: %v\n", err)
			_ = f.Close()
		} else {
			stops = append(stops, func() { pprof.StopCPUProfile(); _ = f.Close() })
		}
	}
	if path := os.Getenv("FEAST_GO_MEMPROFILE"); path != "" {
		runtime.MemProfileRate = 64 << 10
		stops = append(stops, func() {
			f, err := os.Create(path)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				_ = f.Close()
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "feast-go: allocation profile: %v\n", err)
			}
		})
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}

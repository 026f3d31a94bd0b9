package cmd

import (
	"fmt"

	"github.com/spf13/cobra"
)

// Commands whose implementation is tracked by an open issue. They parse their
// arguments like the finished command will, then say they are not built and
// exit 1: they never pretend to have done the work.

func notBuilt(name string, issue int) func(*cobra.Command, []string) error {
	return func(*cobra.Command, []string) error {
		return fmt.Errorf("feast-go %s: %w (tracked in issue #%d)", name, errNotBuilt, issue)
	}
}

func newBenchCmd(e *Env) *cobra.Command {
	return &cobra.Command{
		Use:         "bench",
		Short:       "Measure online read latency and throughput, regular vs precomputed",
		Args:        noArgs,
		Annotations: map[string]string{needsRepo: "true"},
		RunE:        notBuilt("bench", 7),
	}
}

package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/feast-go/feast-go/onlinestore/open"
	"github.com/feast-go/feast-go/precompute"
	"github.com/spf13/cobra"
)

// PrecomputeOptions are precompute's options.
type PrecomputeOptions struct {
	Services []string // positional
	Since    string   `opt:"since"`
	ReportOptions
}

func newPrecomputeCmd(e *Env) *cobra.Command {
	opts := &PrecomputeOptions{}
	c := &cobra.Command{
		Use:   "precompute [SERVICE...]",
		Short: "Rebuild the precomputed feature vectors of feature services",
		Long: `precompute rebuilds the precomputed vectors (one blob per entity holding every feature of a
feature service, stored where Feast 0.67 reads them) of every service with precompute_online, or of
the named services. It lists the service's entities in the online store and reads all their views
in one round trip per batch. --since rebuilds only entities with a view updated at or after a time.
materialize and materialize-incremental already rebuild the vectors of the entities they wrote.

EXIT STATUS
  0 ok · 1 error · 2 usage error · 130 interrupted`,
		Example: `  feast-go precompute
  feast-go precompute driver_activity --since -1d --json`,
		Annotations: map[string]string{needsRepo: "true"},
		RunE:        command(e, opts, func(o *PrecomputeOptions, args []string) { o.Services = args }, runPrecompute),
	}
	c.Flags().String("since", "", "only entities with a view updated at or after this `time`")
	addReportFlags(c)
	return c
}

func runPrecompute(ctx context.Context, e *Env, opts *PrecomputeOptions) (err error) {
	report := e.startReport(opts.ReportOptions)
	var stats []precompute.Stats
	defer func() {
		report.rec.AddPrecompute(stats)
		err = report.finish(ctx, err)
	}()
	var since time.Time
	if opts.Since != "" {
		var err error
		if since, err = parseTime(opts.Since, e.Now()); err != nil {
			return err
		}
	}
	repo, err := e.repo(ctx)
	if err != nil {
		return err
	}
	report.repo = repo
	services, err := precompute.Services(repo.Objects, opts.Services)
	if err != nil {
		return usageError{err}
	}
	if len(services) == 0 {
		return fmt.Errorf("project %q has no feature service with precompute_online: true", repo.Config.Project)
	}
	online, err := open.Open(ctx, repo.Config, e.tuning(precompute.DefaultWorkers, 0))
	if err != nil {
		return err
	}
	report.store = online // the report closes it, after writing the history
	var done atomic.Int64
	b := &precompute.Builder{Store: online, Objects: repo.Objects, Now: e.Now, Done: &done}
	for _, fs := range services {
		done.Store(0)
		stop := e.counterLine("precompute "+fs.Name, &done)
		st, err := b.RebuildAll(ctx, fs, since)
		stop()
		stats = append(stats, st)
		if err != nil {
			return err
		}
	}
	return e.Printer.Summary("precompute", precomputeReport{Services: stats})
}

// precomputeReport is a table of the services rebuilt.
type precomputeReport struct {
	Services []precompute.Stats `json:"services"`
}

func (r precomputeReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %10s %10s %10s %8s\n", "SERVICE", "ENTITIES", "WRITTEN", "SKIPPED", "SECONDS")
	for _, s := range r.Services {
		fmt.Fprintf(&b, "%-28s %10d %10d %10d %8.2f\n", s.Service, s.Entities, s.Written, s.Skipped, s.Seconds)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

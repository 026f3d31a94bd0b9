package cmd

import (
	"context"
	"time"

	"github.com/feast-go/feast-go/metrics"
	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/runlog"
	"github.com/spf13/cobra"
)

// ReportOptions say where a run reports itself when it ends: metrics for a
// Pushgateway or node_exporter's textfile collector, and the run history
// in the online store. Embedded in the options of every command that writes.
type ReportOptions struct {
	MetricsPush string `opt:"metrics-push"`
	MetricsFile string `opt:"metrics-file"`
	RunHistory  int    `opt:"run-history"`
}

func addReportFlags(c *cobra.Command) {
	f := c.Flags()
	f.String("metrics-push", "", "push the run's metrics to this Prometheus Pushgateway `url` when it ends")
	f.String("metrics-file", "", "write the run's metrics to this `file` (node_exporter textfile format, written atomically)")
	f.Int("run-history", runlog.DefaultKeep, "runs kept in the online store's history (feast-go status --runs; 0: keep none)")
}

// reportTimeout bounds what a run does to report itself after its work.
const reportTimeout = 15 * time.Second

// runReport collects what a run's report needs as the run goes.
type runReport struct {
	e     *Env
	opts  ReportOptions
	rec   *runlog.Record
	repo  *registry.Repo
	store onlinestore.Store // closed by finish, once the history is written
}

// startReport begins the report of the command running now.
func (e *Env) startReport(opts ReportOptions) *runReport {
	return &runReport{e: e, opts: opts, rec: runlog.New(e.command, e.project(), e.started)}
}

// finish reports the run that ended with err, and returns err unchanged:
// a report that fails is a warning, never the run's outcome. It runs after
// an interruption too, on a context of its own.
func (r *runReport) finish(ctx context.Context, err error) error {
	r.rec.Finish(r.e.Now(), exitCode(err), err)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	if r.store != nil {
		defer func() { _ = r.store.Close() }()
	}
	if r.repo != nil {
		defer func() { _ = r.repo.Close() }()
	}
	log := r.e.Log
	var history []runlog.Record
	if r.store != nil && r.store.RunLog() != nil {
		if r.opts.RunHistory > 0 {
			if aerr := runlog.Append(ctx, r.store.RunLog(), r.rec, r.opts.RunHistory); aerr != nil {
				log.Warn("the run was not added to the run history", "error", aerr)
			}
		}
		if r.opts.MetricsPush != "" || r.opts.MetricsFile != "" {
			var herr error
			if history, herr = runlog.Read(ctx, r.store.RunLog(), max(r.opts.RunHistory, 1)); herr != nil {
				log.Warn("metrics: last successes unknown", "error", herr)
			}
		}
	}
	if r.opts.MetricsPush == "" && r.opts.MetricsFile == "" {
		return err
	}
	run := metrics.Run{Record: r.rec, Now: r.e.Now(), LastSuccess: runlog.LastSuccess(append([]runlog.Record{*r.rec}, history...))}
	if r.repo != nil {
		if reg, rerr := r.repo.Registry.Read(ctx); rerr == nil {
			if objs, oerr := reg.Objects(r.repo.Config.Project); oerr == nil {
				run.Freshness = metrics.FreshnessOf(objs)
			}
		} else {
			log.Warn("metrics: feature freshness unknown", "error", rerr)
		}
	}
	if r.opts.MetricsPush != "" {
		if perr := metrics.Push(ctx, r.opts.MetricsPush, run); perr != nil {
			log.Warn("metrics were not pushed", "error", perr)
		}
	}
	if r.opts.MetricsFile != "" {
		if werr := metrics.WriteFile(r.opts.MetricsFile, run); werr != nil {
			log.Warn("metrics were not written", "error", werr)
		}
	}
	return err
}

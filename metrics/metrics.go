package metrics

import (
	"context"
	"fmt"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/runlog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	"github.com/prometheus/common/expfmt"
)

// durationBuckets are Feast's buckets for feast_materialization_duration_seconds.
var durationBuckets = []float64{1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}

// Run is what the metrics of one run are built from.
type Run struct {
	Record *runlog.Record
	// Freshness is each view's last materialized end, read from the
	// registry after the run (for feast_feature_freshness_seconds).
	Freshness map[string]time.Time
	// LastSuccess is each view's last successful run, this one included
	// (for feast_go_last_success_timestamp_seconds).
	LastSuccess map[string]time.Time
	Now         time.Time
}

// FreshnessOf reads each view's last materialized end from the registry.
func FreshnessOf(objs *registry.Objects) map[string]time.Time {
	out := map[string]time.Time{}
	for _, fv := range objs.FeatureViews {
		if end := fv.LastMaterialized(); !end.IsZero() {
			out[fv.Name] = end
		}
	}
	return out
}

// Gatherer builds the run's metrics. grouped leaves out the project label,
// which a Pushgateway group adds to every metric (and refuses twice).
func (r Run) Gatherer(grouped bool) prometheus.Gatherer {
	reg := prometheus.NewRegistry()
	rec := r.Record
	f := factory{reg}

	result := f.counter("feast_materialization_result_total", "Materializations per feature view in this run, by outcome (Feast's metric).", "feature_view", "status")
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "feast_materialization_duration_seconds",
		Help: "Duration of materialization per feature view in seconds (Feast's metric and buckets).", Buckets: durationBuckets}, []string{"feature_view"})
	reg.MustRegister(duration)
	scanned := f.counter("feast_go_rows_scanned_total", "Source rows read in the run's window.", "feature_view")
	written := f.counter("feast_go_rows_written_total", "Entity rows written to the online store.", "feature_view")
	older := f.counter("feast_go_rows_skipped_older_total", "Entity rows not written: the store held a row as new or newer.", "feature_view")
	skipped := f.counter("feast_go_rows_skipped_total", "Source rows skipped, by reason (null_key, out_of_range).", "feature_view", "reason")
	entities := f.gauge("feast_go_entities", "Distinct entities the run found per feature view.", "feature_view")
	bytes := f.counter("feast_go_scan_file_bytes_total", "Bytes of the Iceberg data files the scan planned to read.", "feature_view")
	viewSeconds := f.gauge("feast_go_view_duration_seconds", "Duration of each feature view's part of the run.", "feature_view")
	for _, v := range rec.Views {
		status := "success"
		if !v.Succeeded {
			status = "failure"
		}
		if rec.Command != "push" {
			result.WithLabelValues(v.View, status).Inc()
			duration.WithLabelValues(v.View).Observe(v.Seconds)
			viewSeconds.WithLabelValues(v.View).Set(v.Seconds)
		}
		scanned.WithLabelValues(v.View).Add(float64(v.RowsScanned))
		written.WithLabelValues(v.View).Add(float64(v.Written))
		older.WithLabelValues(v.View).Add(float64(v.SkippedOlder))
		skipped.WithLabelValues(v.View, "null_key").Add(float64(v.NullKeys))
		skipped.WithLabelValues(v.View, "out_of_range").Add(float64(v.OutOfRange))
		entities.WithLabelValues(v.View).Set(float64(v.Entities))
		bytes.WithLabelValues(v.View).Add(float64(v.BytesPlanned))
	}
	if p := rec.Push; p != nil {
		f.counter("feast_push_request_total", "Push requests (Feast's metric).", "push_source", "mode").WithLabelValues(p.Source, p.Target).Inc()
		f.counter("feast_go_push_rows_total", "Rows the push carried.", "push_source").WithLabelValues(p.Source).Add(float64(p.Rows))
	}

	vecWritten := f.counter("feast_go_vectors_written_total", "Precomputed vectors written.", "feature_service")
	vecEntities := f.counter("feast_go_vectors_entities_total", "Entities whose vectors the run rebuilt (or skipped as empty).", "feature_service")
	vecHealed := f.counter("feast_go_vectors_healed_total", "Full rebuilds made because an earlier run left the service's vectors unfinished.", "feature_service")
	for _, v := range rec.Vectors {
		vecWritten.WithLabelValues(v.Service).Add(float64(v.Written))
		vecEntities.WithLabelValues(v.Service).Add(float64(v.Entities))
		if v.Healed {
			vecHealed.WithLabelValues(v.Service).Inc()
		}
	}
	pending := f.gauge("feast_go_vectors_pending", "1 for each service whose vectors the run left owed (the next run rebuilds them).", "feature_service")
	for _, s := range rec.VectorsPending {
		pending.WithLabelValues(s).Set(1)
	}

	const freshHelp = "Seconds since the most recent materialization end time per feature view (Feast's metric)."
	if grouped { // the group adds project
		freshness := f.gauge("feast_feature_freshness_seconds", freshHelp, "feature_view")
		for v, end := range r.Freshness {
			freshness.WithLabelValues(v).Set(r.Now.Sub(end).Seconds())
		}
	} else {
		freshness := f.gauge("feast_feature_freshness_seconds", freshHelp, "feature_view", "project")
		for v, end := range r.Freshness {
			freshness.WithLabelValues(v, rec.Project).Set(r.Now.Sub(end).Seconds())
		}
	}
	last := f.gauge("feast_go_last_success_timestamp_seconds", "When a run last materialized the view successfully (Unix time).", "feature_view")
	for v, at := range r.LastSuccess {
		last.WithLabelValues(v).Set(float64(at.UnixMilli()) / 1000)
	}

	f.gauge("feast_go_catalog_loads_total", "Iceberg catalogs opened.").WithLabelValues().Set(float64(rec.CatalogLoads))
	f.gauge("feast_go_table_loads_total", "Iceberg tables loaded.").WithLabelValues().Set(float64(rec.TableLoads))
	f.gauge("feast_go_run_duration_seconds", "Duration of the run.").WithLabelValues().Set(rec.Seconds)
	f.gauge("feast_go_run_exit_code", "The run's exit code (see the README).").WithLabelValues().Set(float64(rec.ExitCode))
	f.gauge("feast_go_run_end_timestamp_seconds", "When the run ended (Unix time).").WithLabelValues().Set(float64(rec.Ended.UnixMilli()) / 1000)
	outcome := f.gauge("feast_go_run_outcome", "1 for the run's outcome: success, partial, failure or interrupted.", "outcome")
	for _, o := range []string{runlog.Success, runlog.Partial, runlog.Failure, runlog.Interrupted} {
		if o == rec.Outcome {
			outcome.WithLabelValues(o).Set(1)
		} else {
			outcome.WithLabelValues(o).Set(0)
		}
	}
	return reg
}

type factory struct{ reg *prometheus.Registry }

func (f factory) counter(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(g)
	return g
}

// Job is the Pushgateway job feast-go pushes under; the group adds the
// project and the command, so that each command's last run stays apart.
const Job = "feast-go"

// pushTimeout bounds a push: metrics must never hold a cron job.
const pushTimeout = 10 * time.Second

// Push sends the metrics to the Pushgateway at url, replacing the group's
// metrics of the same names (HTTP PUT would drop the others).
func Push(ctx context.Context, url string, r Run) error {
	ctx, cancel := context.WithTimeout(ctx, pushTimeout)
	defer cancel()
	u, err := neturl.Parse(url)
	if err != nil || u.Host == "" {
		return fmt.Errorf("metrics push URL %s: expected http(s)://host:port", registry.RedactURI(url))
	}
	user := u.User
	u.User = nil // credentials go in a header, never into messages
	p := push.New(u.String(), Job).Grouping("project", r.Record.Project).Grouping("command", r.Record.Command)
	if sh := r.Record.Shard; sh != nil { // shards push side by side, not over each other
		p = p.Grouping("shard", strconv.Itoa(sh.Index))
	}
	p = p.Gatherer(r.Gatherer(true)).Client(&http.Client{Timeout: pushTimeout})
	if user != nil {
		pass, _ := user.Password()
		p = p.BasicAuth(user.Username(), pass)
	}
	if err := p.AddContext(ctx); err != nil {
		return fmt.Errorf("push metrics to %s: %w", u, err)
	}
	return nil
}

// WriteFile writes the metrics in the text format to path atomically (a
// temporary file renamed over it), as node_exporter's textfile collector
// wants; name it *.prom in the collector's folder.
func WriteFile(path string, r Run) error {
	mfs, err := r.Gatherer(false).Gather()
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("metrics file %s: %w", path, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	enc := expfmt.NewEncoder(tmp, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			_ = tmp.Close()
			return fmt.Errorf("metrics file %s: %w", path, err)
		}
	}
	if err := tmp.Chmod(0o644); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("metrics file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("metrics file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("metrics file %s: %w", path, err)
	}
	return nil
}

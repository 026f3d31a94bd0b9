package cmd

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// series finds one sample of a family by its labels (a subset).
func series(families map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	mf := families[name]
	if mf == nil {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

func parseMetrics(t *testing.T, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return mfs
}

func scrape(t *testing.T, gateway string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(gateway + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	return parseMetrics(t, resp.Body)
}

// A run pushes its metrics to a real Pushgateway and writes the textfile
// when it succeeds, when it partly fails (exit 3) and when it is
// interrupted; the last success of a view survives a run in which it failed.
func TestMetricsOfEveryOutcome(t *testing.T) {
	addr := testenv.Redis(t)
	gateway := testenv.Pushgateway(t)
	dir := brokenRepo(t, addr)
	file := filepath.Join(t.TempDir(), "feast-go.prom")
	group := map[string]string{"job": "feast-go", "project": "rides", "command": "materialize"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range group {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	start := mbase.Format(time.RFC3339)

	// 1. Success: driver_stats alone.
	r := run(t, dir, nil, "materialize", start, "now", "--views", "driver_stats", "--metrics-push", gateway, "--metrics-file", file)
	if r.code != 0 {
		t.Fatalf("materialize: %d %s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "metrics") {
		t.Errorf("warnings: %s", r.stderr)
	}
	fromFile, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = fromFile.Close() }()
	for name, mfs := range map[string]map[string]*dto.MetricFamily{"pushgateway": scrape(t, gateway), "textfile": parseMetrics(t, fromFile)} {
		labels := with
		if name == "textfile" {
			labels = func(extra map[string]string) map[string]string { return extra }
		}
		for _, want := range []struct {
			metric string
			labels map[string]string
			value  float64
		}{
			{"feast_materialization_result_total", map[string]string{"feature_view": "driver_stats", "status": "success"}, 1},
			{"feast_materialization_duration_seconds", map[string]string{"feature_view": "driver_stats"}, 1},
			{"feast_go_rows_scanned_total", map[string]string{"feature_view": "driver_stats"}, 10},
			{"feast_go_rows_written_total", map[string]string{"feature_view": "driver_stats"}, 5},
			{"feast_go_entities", map[string]string{"feature_view": "driver_stats"}, 5},
			{"feast_go_run_outcome", map[string]string{"outcome": "success"}, 1},
			{"feast_go_run_exit_code", nil, 0},
			{"feast_go_table_loads_total", nil, 1},
		} {
			if got, ok := series(mfs, want.metric, labels(want.labels)); !ok || got != want.value {
				t.Errorf("%s: %s%v = %v (found %v), want %v", name, want.metric, want.labels, got, ok, want.value)
			}
		}
		for _, metric := range []string{"feast_go_last_success_timestamp_seconds", "feast_feature_freshness_seconds"} {
			if _, ok := series(mfs, metric, labels(map[string]string{"feature_view": "driver_stats"})); !ok {
				t.Errorf("%s: no %s for driver_stats", name, metric)
			}
		}
	}
	lastOK, _ := series(scrape(t, gateway), "feast_go_last_success_timestamp_seconds", with(map[string]string{"feature_view": "driver_stats"}))

	// 2. Partial: broken fails, driver_stats lands again (exit 3).
	if r := run(t, dir, nil, "materialize", start, "now", "--metrics-push", gateway); r.code != ExitPartial {
		t.Fatalf("partial run: exit %d %s", r.code, r.stderr)
	}
	mfs := scrape(t, gateway)
	for _, want := range []struct {
		metric string
		labels map[string]string
		value  float64
	}{
		{"feast_materialization_result_total", map[string]string{"feature_view": "broken", "status": "failure"}, 1},
		{"feast_materialization_result_total", map[string]string{"feature_view": "driver_stats", "status": "success"}, 1},
		{"feast_go_run_outcome", map[string]string{"outcome": "partial"}, 1},
		{"feast_go_run_exit_code", nil, 3},
	} {
		if got, ok := series(mfs, want.metric, with(want.labels)); !ok || got != want.value {
			t.Errorf("partial: %s%v = %v (found %v), want %v", want.metric, want.labels, got, ok, want.value)
		}
	}
	if _, ok := series(mfs, "feast_go_last_success_timestamp_seconds", with(map[string]string{"feature_view": "broken"})); ok {
		t.Error("partial: a last success for the view that never succeeded")
	}

	// 3. Interrupted: the run is cancelled; it still pushes, and driver_stats
	// keeps its last success from the history.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	d := &Deps{IO: &IOStreams{Out: &out, ErrOut: &errOut}, Now: time.Now, Getwd: func() (string, error) { return dir, nil }}
	if code := Main(ctx, []string{"materialize", start, "now", "--metrics-push", gateway}, d); code != ExitInterrupted {
		t.Fatalf("interrupted run: exit %d %s", code, errOut.String())
	}
	mfs = scrape(t, gateway)
	if got, ok := series(mfs, "feast_go_run_outcome", with(map[string]string{"outcome": "interrupted"})); !ok || got != 1 {
		t.Errorf("interrupted: outcome %v %v", got, ok)
	}
	if got, ok := series(mfs, "feast_go_last_success_timestamp_seconds", with(map[string]string{"feature_view": "driver_stats"})); !ok || got < lastOK {
		t.Errorf("interrupted: driver_stats's last success %v (found %v), want it kept (>= %v)", got, ok, lastOK)
	}
}

// Metrics that cannot be delivered are a warning: the run's outcome and
// exit code do not change.
func TestMetricsFailuresAreWarnings(t *testing.T) {
	addr := testenv.Redis(t)
	dir := materializeRepo(t, addr, 3, 1, "")
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %s", r.stderr)
	}
	down := "http://user:s3cret@127.0.0.1:" + strconv.Itoa(testenv.FreePort(t)) // nothing listens
	r := run(t, dir, nil, "materialize", mbase.Format(time.RFC3339), "now", "--metrics-push", down,
		"--metrics-file", filepath.Join(t.TempDir(), "missing", "m.prom"))
	if r.code != 0 {
		t.Fatalf("exit %d, want 0: %s", r.code, r.stderr)
	}
	for _, want := range []string{"metrics were not pushed", "metrics were not written"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q: %s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr+r.stdout, "s3cret") {
		t.Errorf("the gateway's password was printed: %s", r.stderr)
	}
}

// The shards of a run push their metrics side by side (grouped by shard),
// each view counted a success where the shard's part landed, and the run
// history says which shard committed.
func TestShardsPushSideBySide(t *testing.T) {
	addr := testenv.Redis(t)
	gateway := testenv.Pushgateway(t)
	dir := materializeRepo(t, addr, 20, 2, "")
	if r := run(t, dir, nil, "apply", "-q"); r.code != 0 {
		t.Fatalf("apply: %s", r.stderr)
	}
	start, end := mbase.Format(time.RFC3339), mbase.Add(47*time.Hour).Format(time.RFC3339)
	for i := range 2 {
		r := run(t, dir, nil, "materialize", start, end, "--shard", strconv.Itoa(i)+"/2", "--run-id", "job-1", "--metrics-push", gateway)
		if r.code != 0 {
			t.Fatalf("shard %d: exit %d %s", i, r.code, r.stderr)
		}
	}
	mfs := scrape(t, gateway)
	var entities float64
	for _, shard := range []string{"0", "1"} {
		labels := map[string]string{"job": "feast-go", "project": "rides", "command": "materialize", "shard": shard, "feature_view": "driver_stats"}
		if got, ok := series(mfs, "feast_materialization_result_total", map[string]string{"shard": shard, "feature_view": "driver_stats", "status": "success"}); !ok || got != 1 {
			t.Errorf("shard %s: result success = %v (found %v), want 1", shard, got, ok)
		}
		n, ok := series(mfs, "feast_go_entities", labels)
		if !ok {
			t.Errorf("shard %s: no feast_go_entities", shard)
		}
		entities += n
	}
	if entities != 20 {
		t.Errorf("the shards' entities add up to %v, want 20", entities)
	}
	r := run(t, dir, nil, "status", "--runs", "2", "--json")
	if !strings.Contains(r.stdout, `"committed_here":true`) || !strings.Contains(r.stdout, `"run_id":"job-1"`) {
		t.Errorf("the run history lacks the shards:\n%s", r.stdout)
	}
}

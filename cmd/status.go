package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/feast-go/feast-go/onlinestore/open"
	"github.com/feast-go/feast-go/status"
	"github.com/spf13/cast"
	"github.com/spf13/cobra"
)

// StatusOptions are status's options.
type StatusOptions struct {
	MaxAge time.Duration `opt:"max-age"`
	Runs   int           `opt:"runs"`
}

func newStatusCmd(e *Env) *cobra.Command {
	opts := &StatusOptions{}
	c := &cobra.Command{
		Use:   "status",
		Short: "Show how fresh each feature view and precomputed service is, and the last runs",
		Long: `status shows, for every online feature view, the end of its last materialized interval, its
age, its ttl and its registry state; for every precomputed service, when its vectors were last
rebuilt (from the run history) and whether a run still owes them; with --runs N, the newest runs.
With --max-age, or per view in feature_store.yaml (feast_go: {freshness: {VIEW: 2h}}), a view
older than its limit, or never materialized, is stale and status exits 4: run it from cron, CI
or a Kubernetes probe to alert on stale features.

EXIT STATUS
  0 every view is fresh · 1 error · 2 usage error · 4 a view is stale`,
		Example: `  feast-go status
  feast-go status --max-age 2h --json
  feast-go status --runs 10`,
		Args:        noArgs,
		Annotations: map[string]string{needsRepo: "true"},
		RunE:        command(e, opts, nil, runStatus),
	}
	c.Flags().Duration("max-age", 0, "a view older than this `duration` is stale (exit 4); 0: no limit")
	c.Flags().Int("runs", 0, "show the newest `N` runs of the run history")
	return c
}

func runStatus(ctx context.Context, e *Env, opts *StatusOptions) error {
	freshness, err := e.freshness()
	if err != nil {
		return err
	}
	repo, err := e.repo(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = repo.Close() }()
	online, err := open.Open(ctx, repo.Config, e.tuning(1, 0))
	if err != nil {
		e.Log.Warn("the online store cannot be read: vectors and runs unknown", "error", err)
		online = nil
	} else {
		defer func() { _ = online.Close() }()
	}
	rep, err := status.Build(ctx, repo.Objects, online, status.Options{MaxAge: opts.MaxAge, Freshness: freshness, Runs: opts.Runs, Now: e.Now()})
	if rep == nil {
		return err
	}
	if perr := e.Printer.Summary("status", statusReport{rep}); perr != nil && err == nil {
		err = perr
	}
	return err
}

// freshness reads feast_go.freshness, the maximum age per view.
func (e *Env) freshness() (map[string]time.Duration, error) {
	raw, ok := e.cfg.FeastGo["freshness"]
	if !ok {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, usageErrorf("%s: feast_go.freshness: expected a map of feature view to duration, such as {driver_stats: 2h}", e.cfg.Path)
	}
	out := map[string]time.Duration{}
	for view, v := range m {
		d, err := cast.ToDurationE(v)
		if err != nil || d <= 0 {
			return nil, usageErrorf("%s: feast_go.freshness.%s: %v: expected a duration such as 30m or 2h", e.cfg.Path, view, v)
		}
		out[view] = d
	}
	return out, nil
}

// statusReport prints a status: views, services, runs.
type statusReport struct{ *status.Report }

func (r statusReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %-22s %12s %10s %10s %-18s %s\n", "VIEW", "LAST MATERIALIZED", "AGE", "TTL", "MAX AGE", "STATE", "STATUS")
	for _, v := range r.Views {
		last, age, state, verdict := "never", "-", "-", "ok"
		if !v.LastEnd.IsZero() {
			last, age = v.LastEnd.Format(time.RFC3339), span(*v.AgeSeconds)
		}
		if v.State != "" {
			state = v.State
		}
		if v.Stale {
			verdict = "STALE"
		}
		for _, c := range v.ClaimedBy {
			if c.Live {
				verdict += ", materializing: held by " + c.Owner
			}
		}
		limit := "-"
		if v.MaxAge > 0 {
			limit = span(v.MaxAge)
		}
		ttl := "none"
		if v.TTLSeconds > 0 {
			ttl = span(v.TTLSeconds)
		}
		fmt.Fprintf(&b, "%-28s %-22s %12s %10s %10s %-18s %s\n", v.View, last, age, ttl, limit, state, verdict)
	}
	if len(r.Services) > 0 {
		fmt.Fprintf(&b, "\n%-28s %-22s %12s  %s\n", "SERVICE", "VECTORS REBUILT", "AGE", "OWED")
		for _, s := range r.Services {
			rebuilt, age, owed := "unknown", "-", "-"
			if !s.LastRebuilt.IsZero() {
				rebuilt, age = s.LastRebuilt.Format(time.RFC3339), span(*s.AgeSeconds)
			}
			var notes []string
			for _, o := range s.Owed {
				if o.Live {
					notes = append(notes, "by "+o.Owner+", running")
				} else {
					notes = append(notes, "by "+o.Owner+", stopped: the next run rebuilds them")
				}
			}
			if len(notes) > 0 {
				owed = strings.Join(notes, "; ")
			}
			fmt.Fprintf(&b, "%-28s %-22s %12s  %s\n", s.Service, rebuilt, age, owed)
		}
	}
	if len(r.Runs) > 0 {
		fmt.Fprintf(&b, "\n%-32s %-24s %-22s %8s %-12s %4s  %s\n", "RUN", "COMMAND", "STARTED", "SECONDS", "OUTCOME", "EXIT", "ERROR")
		for _, run := range r.Runs {
			fmt.Fprintf(&b, "%-32s %-24s %-22s %8.2f %-12s %4d  %s\n", run.ID, run.Command, run.Started.UTC().Format(time.RFC3339), run.Seconds, run.Outcome, run.ExitCode, firstLine(run.Error))
		}
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(&b, "\nwarning: %s\n", warn)
	}
	if len(r.Stale) > 0 {
		fmt.Fprintf(&b, "\nstale: %s\n", strings.Join(r.Stale, ", "))
	}
	_, err := io.WriteString(w, trimLines(b.String()))
	return err
}

// trimLines drops the spaces that padding leaves at the ends of lines.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// span prints seconds as a short duration: 45s, 12m30s, 3h5m, 24h, 2d4h.
func span(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second)).Round(time.Second)
	neg := ""
	if d < 0 {
		neg, d = "-", -d
	}
	pair := func(a time.Duration, ua string, b time.Duration, ub string) string {
		if b == 0 {
			return fmt.Sprintf("%s%d%s", neg, a, ua)
		}
		return fmt.Sprintf("%s%d%s%d%s", neg, a, ua, b, ub)
	}
	const day = 24 * time.Hour
	switch {
	case d >= 2*day:
		return pair(d/day, "d", d%day/time.Hour, "h")
	case d >= time.Hour:
		return pair(d/time.Hour, "h", d%time.Hour/time.Minute, "m")
	case d >= time.Minute:
		return pair(d/time.Minute, "m", d%time.Minute/time.Second, "s")
	}
	return fmt.Sprintf("%s%ds", neg, d/time.Second)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// isStale reports a status run that found stale views.
func isStale(err error) bool { return errors.Is(err, status.ErrStale) }

package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/demo"
	"github.com/feast-go/feast-go/ingest"
	"github.com/feast-go/feast-go/materialize"
	"github.com/feast-go/feast-go/onlinestore/open"
	"github.com/feast-go/feast-go/push"
	"github.com/spf13/cobra"
)

// PushOptions are the options of push.
type PushOptions struct {
	Source       string // positional
	Input        string `opt:"input"`
	Format       string `opt:"format"`
	To           string `opt:"to"`
	WriteConns   int    `opt:"write-connections,min=1"`
	PipelineSize int    `opt:"pipeline-size,min=1"`
	Parallel     int    `opt:"parallel,min=1"`
	ReportOptions
}

func newPushCmd(e *Env) *cobra.Command {
	opts := &PushOptions{}
	c := &cobra.Command{
		Use:   "push PUSH_SOURCE --input FILE|-",
		Short: "Write rows from a Parquet, CSV or JSON-lines file to the online store, the Iceberg table, or both",
		Long: `push lands rows now, without waiting for the next materialization. The rows go to every
feature view fed by PUSH_SOURCE (its stream source), and with --to offline or
online_and_offline to the push source's batch Iceberg table.

The input's columns are the batch source's columns (before field_mapping): every join key,
the event timestamp and every feature the views read; the created timestamp is optional and
other columns are ignored. Formats: Parquet (a file), CSV with a header line, JSON lines (one
object per line); CSV and JSON lines can come from stdin (--input -). Empty CSV fields and
JSON nulls are nulls; times are RFC 3339 (no zone = UTC) or epoch seconds; bytes are base64;
lists are JSON arrays.

The whole input is read and checked before anything is written; a bad value is reported with
its line (or row), column, value and expected type, and nothing is written. Online, the latest
row per entity is written with the same compare-and-set as materialize (a row older than the
stored one does not overwrite it), then the precomputed vectors of the pushed entities are
rebuilt. Offline, all rows are appended to the Iceberg table in one commit. The online write
goes first: if it fails, the append is not attempted.

EXIT STATUS
  0 pushed · 1 error (nothing written) · 2 usage error
  3 partly landed (the summary says which views or target) · 130 interrupted`,
		Example: `  feast-go push driver_stats_push --input fresh.parquet
  feast-go push driver_stats_push --input rows.csv --to online_and_offline --json
  kafka-tail | feast-go push driver_stats_push --input - --format jsonl`,
		Args:        exactArgs("PUSH_SOURCE"),
		Annotations: map[string]string{needsRepo: "true"},
		RunE:        command(e, opts, func(o *PushOptions, args []string) { o.Source = args[0] }, runPush),
	}
	f := c.Flags()
	f.StringP("input", "i", "", "input `FILE` (- = stdin)")
	f.String("format", "", "input format: "+ingest.Formats+" (default: from the file extension)")
	f.String("to", "online", "where to write: online, offline or online_and_offline")
	f.Int("parallel", materialize.DefaultParallel, "feature views written at once")
	addWriteFlags(c)
	addReportFlags(c)
	return c
}

func runPush(ctx context.Context, e *Env, opts *PushOptions) (err error) {
	report := e.startReport(opts.ReportOptions)
	var sum *push.Summary
	defer func() {
		report.rec.AddPush(opts.Source, opts.To, sum)
		err = report.finish(ctx, err)
	}()
	if opts.Input == "" {
		return usageError{errors.New("--input is required (a file, or - for stdin)")}
	}
	to, err := push.ParseTarget(opts.To)
	if err != nil {
		return usageErrorf("--to: %w", err)
	}
	format, err := ingest.DetectFormat(opts.Input, opts.Format)
	if err != nil {
		return usageError{err}
	}
	if opts.Input == "-" && format == ingest.Parquet {
		return usageError{errors.New("a Parquet input cannot be read from stdin; give a file")}
	}
	repo, err := e.repo(ctx)
	if err != nil {
		return err
	}
	report.repo = repo
	src, views, err := push.Targets(repo.Objects, opts.Source)
	if err != nil {
		return usageError{err}
	}
	if to != push.Online {
		if err := demo.CheckNotCopied(repo.Config.Dir); err != nil {
			return err
		}
	}
	in := e.IO.In
	if opts.Input != "-" {
		f, err := os.Open(opts.Input)
		if err != nil {
			return fmt.Errorf("push input: %w", err)
		}
		defer func() { _ = f.Close() }()
		in = f
	}

	runner := &push.Runner{Repo: repo, Catalogs: catalog.NewCache(), Writers: opts.WriteConns, Parallel: opts.Parallel,
		Env: e.flowEnv()}
	defer func() { _ = runner.Catalogs.Close() }()
	if to != push.Offline {
		if runner.Store, err = open.Open(ctx, repo.Config, e.tuning(opts.WriteConns, opts.PipelineSize)); err != nil {
			return err
		}
		report.store = runner.Store // the report closes it, after writing the history
	}
	var stop func()
	runner.Progress, stop = e.viewsLine("push")
	sum, err = runner.Run(ctx, push.Request{
		Source: src, Views: views, To: to,
		Open: func(cols []ingest.Column) (*ingest.Reader, error) {
			return ingest.NewReader(in, format, cols, ingest.Options{Name: opts.Input})
		},
	})
	stop()
	if err != nil && !errors.Is(err, materialize.ErrPartial) {
		return err // nothing landed: the error says why, no statistics
	}
	for _, v := range sum.Views {
		if perr := e.Printer.Status("push", map[string]any{"view": v}); perr != nil && err == nil {
			err = perr
		}
	}
	if perr := e.Printer.Summary("push", pushReport{sum, opts.Input}); perr != nil && err == nil {
		err = perr
	}
	return err
}

// pushReport prints a push: its views, the offline append and the vectors.
type pushReport struct {
	*push.Summary
	input string
}

func (r pushReport) WriteText(w io.Writer) error {
	sum := r.Summary
	var b strings.Builder
	input := r.input
	if input == "-" {
		input = "stdin"
	}
	fmt.Fprintf(&b, "push source %s: %s from %s, to %s\n", sum.PushSource, plural(sum.Rows, "row"), input, sum.To)
	if len(sum.Ignored) > 0 {
		fmt.Fprintf(&b, "ignored columns (no target view reads them): %s\n", strings.Join(sum.Ignored, ", "))
	}
	if len(sum.Views) > 0 {
		fmt.Fprintf(&b, "\n%-28s %10s %10s %9s  %s\n", "VIEW", "ENTITIES", "WRITTEN", "OLDER", "STATUS")
		for _, v := range sum.Views {
			status := "ok"
			switch {
			case v.Skipped != "":
				status = "skipped: " + v.Skipped
			case v.Error != "":
				status = "FAILED: " + v.Error
			case !v.Landed:
				status = "not written"
			}
			fmt.Fprintf(&b, "%-28s %10d %10d %9d  %s\n", v.View, v.Entities, v.Written, v.SkippedOlder, status)
		}
	}
	if o := sum.Offline; o != nil {
		switch {
		case o.Landed:
			fmt.Fprintf(&b, "\noffline: %s appended to %s (snapshot %d)\n", plural(o.Rows, "row"), o.Table, o.Snapshot)
		case o.Error != "":
			fmt.Fprintf(&b, "\noffline: %s: FAILED: %s\n", o.Table, o.Error)
		default:
			fmt.Fprintf(&b, "\noffline: %s: nothing appended\n", o.Table)
		}
	}
	writeVectorStats(&b, "precomputed vectors of %s: %d written for %d entities in %.2fs", sum.Precompute)
	writePendingVectors(&b, sum.VectorsPending)
	fmt.Fprintf(&b, "\n%s in %.2fs, %.0f rows/s\n", plural(sum.Rows, "row"), sum.Seconds, sum.RowsPerSec)
	_, err := io.WriteString(w, b.String())
	return err
}

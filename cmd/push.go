package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/feast-go/feast-go/catalog"
	"github.com/feast-go/feast-go/ingest"
	"github.com/feast-go/feast-go/materialize"
	"github.com/spf13/cobra"
)

// PushOptions are the flags of push.
type PushOptions struct {
	Source string
	Input  string
	Format string
	To     string
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
		RunE: func(c *cobra.Command, args []string) error {
			opts.Source = args[0]
			return runPush(c.Context(), e, opts)
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.Input, "input", "i", "", "input `FILE` (- = stdin)")
	f.StringVar(&opts.Format, "format", "", "input format: "+ingest.Formats+" (default: from the file extension)")
	f.StringVar(&opts.To, "to", "online", "where to write: online, offline or online_and_offline")
	f.Int("write-connections", 8, "concurrent write pipelines per view")
	f.Int("pipeline-size", 500, "rows per online store pipeline")
	return c
}

func runPush(ctx context.Context, e *Env, opts *PushOptions) error {
	if opts.Input == "" {
		return usageError{errors.New("--input is required (a file, or - for stdin)")}
	}
	to, err := materialize.ParsePushTo(opts.To)
	if err != nil {
		return usageError{err}
	}
	format, err := ingest.DetectFormat(opts.Input, opts.Format)
	if err != nil {
		return usageError{err}
	}
	if opts.Input == "-" && format == ingest.Parquet {
		return usageError{errors.New("a Parquet input cannot be read from stdin; give a file")}
	}
	cfg, _, objs, err := e.project(ctx)
	if err != nil {
		return err
	}
	src, views, err := materialize.PushTargets(objs, opts.Source)
	if err != nil {
		return usageError{err}
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

	var runner materialize.Runner
	runner.Catalogs = catalog.NewCache()
	defer func() { _ = runner.Catalogs.Close() }()
	var touch *touched
	if to != materialize.PushOffline {
		online, err := e.openOnlineStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer func() { _ = online.Close() }()
		runner.Store = online
		touch = newTouched(objs)
		runner.Written = touch.add
	}
	runner.RepoDir, runner.LookupEnv, runner.KeyVersion = cfg.Dir, e.LookupEnv, cfg.EntityKeySerializationVersion
	runner.Writers, runner.Parallel, runner.Now, runner.Log = e.V.GetInt("write-connections"), 2, e.Now, e.Log
	bar := e.newProgress("push")
	runner.Progress = bar.track
	bar.start()
	sum, pushErr := runner.Push(ctx, materialize.PushRequest{
		Source: src, Views: views, To: to,
		Open: func(cols []ingest.Column) (*ingest.Reader, error) {
			return ingest.NewReader(in, format, cols, ingest.Options{Name: opts.Input})
		},
	})
	bar.stop()
	landed := false
	for _, v := range sum.Views {
		landed = landed || v.Landed
	}
	var vecErr error
	if touch != nil && landed && ctx.Err() == nil {
		sum.Precompute, vecErr = touch.rebuild(ctx, objs, runner.Store, e.Now)
	}
	if err := e.printPushSummary(sum, opts); err != nil {
		return err
	}
	switch {
	case pushErr != nil && landed:
		return &PartialError{Failed: sum.Failed(), Err: pushErr}
	case pushErr != nil:
		return fmt.Errorf("push %s: nothing written: %w", src.Name, pushErr)
	case vecErr != nil:
		return &PartialError{Err: fmt.Errorf("rows landed, but rebuilding precomputed vectors failed: %w", vecErr)}
	}
	return nil
}

func (e *Env) printPushSummary(sum *materialize.PushSummary, opts *PushOptions) error {
	if e.Printer.JSON {
		for _, v := range sum.Views {
			if err := e.Printer.Record(map[string]any{"message_type": "status", "command": "push", "view": v}); err != nil {
				return err
			}
		}
		return e.Printer.Summary("push", sum, nil)
	}
	var b strings.Builder
	input := opts.Input
	if input == "-" {
		input = "stdin"
	}
	fmt.Fprintf(&b, "push source %s: %d rows from %s, to %s\n", sum.PushSource, sum.Rows, input, sum.To)
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
			fmt.Fprintf(&b, "\noffline: %d rows appended to %s (snapshot %d)\n", o.Rows, o.Table, o.Snapshot)
		case o.Error != "":
			fmt.Fprintf(&b, "\noffline: %s: FAILED: %s\n", o.Table, o.Error)
		default:
			fmt.Fprintf(&b, "\noffline: %s: nothing appended\n", o.Table)
		}
	}
	for _, p := range sum.Precompute {
		fmt.Fprintf(&b, "precomputed vectors of %s: %d written for %d entities in %.2fs\n", p.Service, p.Written, p.Entities, p.Seconds)
	}
	fmt.Fprintf(&b, "\n%d rows in %.2fs, %.0f rows/s\n", sum.Rows, sum.Seconds, sum.RowsPerSec)
	_, err := fmt.Fprint(e.IO.Out, b.String())
	return err
}

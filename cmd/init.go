package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/feast-go/feast-go/demo"
	"github.com/spf13/cobra"
)

// InitOptions are init's options.
type InitOptions struct {
	Dir   string // positional
	Force bool   `opt:"force"`
}

func newInitCmd(e *Env) *cobra.Command {
	opts := &InitOptions{}
	c := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a self-contained demo feature repository",
		Long: `init writes a demo Feast repository into DIR (default: demo): feature_store.yaml with the
embedded SQLite online store and a file registry, YAML definitions (2 entities, 4 feature views,
2 feature services, one of them precomputed, a push source), and three days of hourly sample data for a few
hundred entities in local Iceberg tables (SQL catalog on SQLite). The data is deterministic; its
times end at the current hour. A non-empty DIR is refused unless --force.

EXIT STATUS
  0 ok · 1 error · 2 usage error`,
		Example: `  feast-go init demo && cd demo && feast-go apply && feast-go materialize-incremental now
  feast-go get --feature-service driver_activity --entity driver_id=1001`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErrorf("expected at most one argument: DIR")
			}
			return nil
		},
		RunE: command(e, opts, func(o *InitOptions, args []string) {
			o.Dir = "demo"
			if len(args) == 1 {
				o.Dir = args[0]
			}
		}, runInit),
	}
	c.Flags().Bool("force", false, "write into a non-empty folder")
	return c
}

func runInit(ctx context.Context, e *Env, opts *InitOptions) error {
	dir := opts.Dir
	if !filepath.IsAbs(dir) {
		base, err := e.RepoDir()
		if err != nil {
			return err
		}
		dir = filepath.Join(base, dir)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 && !opts.Force {
		return usageErrorf("%s is not empty; use --force to write into it", dir)
	}
	sum, err := demo.Write(ctx, dir, e.Now())
	if err != nil {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	return e.Printer.Summary("init", textReport{sum, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "Wrote a demo repository to %s: %d rows in %d Iceberg tables, %d entities.\nNext: cd %s && feast-go apply && feast-go materialize-incremental now\n",
			dir, sum.Rows, sum.Tables, sum.Entities, dir)
		return err
	}})
}

package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/feast-go/feast-go/onlinestore/open"
	"github.com/feast-go/feast-go/registry"
	"github.com/spf13/cobra"
)

// ApplyOptions are apply's options.
type ApplyOptions struct {
	Definitions []string `opt:"definitions"` // files or folders; default: the repository
	DryRun      bool     `opt:"dry-run"`
}

func newApplyCmd(e *Env) *cobra.Command {
	opts := &ApplyOptions{}
	c := &cobra.Command{
		Use:   "apply",
		Short: "Register the YAML definitions in the registry and print the plan",
		Long: `apply reads the repository's YAML definitions (every *.yaml with entities, data_sources,
feature_views or feature_services, or the files named by --definitions), checks them all,
and makes the project in the registry match: it adds, changes and removes entities, data
sources, feature views and feature services, and prints what it did like ` + "`feast plan`" + `.
Nothing is written when any definition is wrong. Unchanged objects keep their records;
changed feature views keep their materialization intervals.

EXIT STATUS
  0 applied (or nothing to do) · 1 a definition or the registry is wrong · 2 usage error`,
		Example: `  feast-go apply
  feast-go apply --dry-run
  feast-go -C repo apply --definitions features/drivers.yaml --json`,
		Args:        noArgs,
		Annotations: map[string]string{needsRepo: "true"},
		RunE:        command(e, opts, nil, runApply),
	}
	c.Flags().StringSlice("definitions", nil, "definition `files or folders` (default: the repository)")
	c.Flags().Bool("dry-run", false, "print the plan without writing the registry")
	return c
}

func runApply(ctx context.Context, e *Env, opts *ApplyOptions) error {
	cfg, err := e.Config()
	if err != nil {
		return err
	}
	files, err := definitionFiles(cfg.Dir, opts.Definitions)
	if err != nil {
		return err
	}
	defs, err := registry.LoadDefinitions(cfg.Project, files)
	if err != nil {
		return err
	}
	if err := defs.Validate(); err != nil {
		return err
	}
	store, err := registry.OpenStore(cfg)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	e.Log.Debug("applying", "project", cfg.Project, "registry", store.Location(), "files", len(files))
	plan, err := registry.Apply(ctx, store, defs, registry.ApplyOptions{
		DryRun: opts.DryRun, ProjectDescription: cfg.ProjectDescription, Now: e.Now,
	})
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	plan.Registry = displayPath(cfg.Dir, store.Location())
	var cleanErr error
	if plan.Applied {
		// Feast deletes the online rows of removed views; so does feast-go where the store allows.
		var notes []string
		notes, cleanErr = open.DeleteViews(ctx, cfg, plan.RemovedViews, open.Tuning{Log: e.Log})
		plan.Warnings = append(plan.Warnings, notes...)
		if cleanErr != nil {
			cleanErr = fmt.Errorf("the registry was updated, but the online rows of the removed feature views were not deleted: %w", cleanErr)
		}
	}
	if err := e.Printer.Summary("apply", plan); err != nil {
		return err
	}
	return cleanErr
}

// definitionFiles expands --definitions (files or folders) or searches the repository.
func definitionFiles(repoDir string, given []string) ([]string, error) {
	if len(given) == 0 {
		files, err := registry.FindDefinitionFiles(repoDir)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("no definitions found in %s: expected YAML files with entities, data_sources, feature_views or feature_services (or name them with --definitions)", repoDir)
		}
		return files, nil
	}
	var out []string
	for _, g := range given {
		if !filepath.IsAbs(g) {
			g = filepath.Join(repoDir, g)
		}
		st, err := os.Stat(g)
		if err != nil {
			return nil, usageErrorf("--definitions %s: %w", g, err)
		}
		if !st.IsDir() {
			out = append(out, g)
			continue
		}
		files, err := registry.FindDefinitionFiles(g)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	return out, nil
}

// displayPath shows paths inside the repository relative to it.
func displayPath(dir, p string) string {
	if rel, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("unexpected argument %q", args[0])
	}
	return nil
}

func exactArgs(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return usageErrorf("expected %d argument(s): %s; got %d", len(names), strings.Join(names, " "), len(args))
		}
		return nil
	}
}

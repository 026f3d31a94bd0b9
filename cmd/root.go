package cmd

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/feast-go/feast-go/materialize"
	"github.com/feast-go/feast-go/registry"
	"github.com/feast-go/feast-go/tracing"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// BuildInfo is what `feast-go version` prints; main fills it from -ldflags.
type BuildInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
}

// Deps is everything a command touches outside the process: streams, clock,
// working directory and environment. Main builds the real one; tests build
// literals with buffers and a fixed clock.
type Deps struct {
	IO        *IOStreams
	Now       func() time.Time
	Getwd     func() (string, error)
	LookupEnv func(string) (string, bool)
	Build     BuildInfo
}

// SystemDeps returns the real dependencies.
func SystemDeps(build BuildInfo) *Deps {
	return &Deps{IO: SystemIO(), Now: time.Now, Getwd: os.Getwd, LookupEnv: os.LookupEnv, Build: build}
}

// GlobalOptions are the flags every command shares.
type GlobalOptions struct {
	Chdir     string `opt:"chdir"`
	Config    string `opt:"config"`
	JSON      bool   `opt:"json"`
	Quiet     bool   `opt:"quiet"`
	LogLevel  string `opt:"log-level"`
	LogFormat string `opt:"log-format"`
}

// Env is one invocation's state: dependencies, the shared options, the viper
// instance that layers flag > env > feature_store.yaml feast_go: > default,
// the logger, and (for commands that need it) the repository configuration.
type Env struct {
	*Deps
	Global   GlobalOptions
	V        *viper.Viper
	Log      *slog.Logger
	Printer  Printer
	cfg      *registry.Config
	cmd      *cobra.Command
	command  string
	helpPath string // "feast-go materialize": where usage errors point
	started  time.Time
	// stopTracing flushes the spans of the run (Setup's no-op when traces are off).
	stopTracing func()
	// runF, when set (tests), receives each command's loaded options instead
	// of the command running.
	runF func(ctx context.Context, command string, opts any) error
}

// needsRepo marks commands that read feature_store.yaml before running.
const needsRepo = "feast-go/needs-repo"

// NewRootCmd builds the command tree.
func NewRootCmd(d *Deps) (*cobra.Command, *Env) {
	if d.LookupEnv == nil { // an empty environment
		d.LookupEnv = func(string) (string, bool) { return "", false }
	}
	e := &Env{Deps: d, V: viper.New(), Log: slog.New(slog.DiscardHandler), started: d.Now()}
	e.V.SetEnvPrefix("FEAST_GO")
	e.V.SetEnvKeyReplacer(strings.NewReplacer("-", "_", ".", "_"))
	e.V.AutomaticEnv()

	root := &cobra.Command{
		Use:   "feast-go",
		Short: "Feast's scheduled work — materialization and precomputed vectors — in one fast Go binary",
		Long: `feast-go reads the Feast feature repository you already have (feature_store.yaml and
its registry), materializes Apache Iceberg offline tables into the online store in exactly
the bytes Feast's feature servers read, and rebuilds precomputed feature vectors.

REGISTRIES (the registry: key of feature_store.yaml, as Feast writes it)
  file, local       registry: data/registry.db
  file, S3          registry: s3://bucket/feast/registry.db    (AWS_* or profile; FEAST_S3_ENDPOINT_URL)
  file, GCS         registry: gs://bucket/feast/registry.db    (Application Default Credentials)
  sql, PostgreSQL   registry: {registry_type: sql, path: "postgresql+psycopg://user:${PGPASSWORD}@db:5432/feast"}
  sql, MySQL        registry: {registry_type: sql, path: "mysql+pymysql://user:${MYSQL_PASSWORD}@db:3306/feast"}
  sql, SQLite       registry: {registry_type: sql, path: "sqlite:///data/registry.sqlite"}
  remote            registry: {registry_type: remote, path: "registry.feast.svc:6570", is_tls: true, cert: ca.pem}

EXIT STATUS
  0 ok · 1 error · 2 usage error · 3 partial (some feature views failed, others landed)
  4 stale (status: a feature view older than its limit)
  5 run lock held (materialize: another run is materializing the views) · 130 interrupted`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			return e.setup(c)
		},
	}
	root.SetOut(d.IO.Out)
	root.SetErr(d.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	f := root.PersistentFlags()
	f.StringP("chdir", "C", "", "run as if started in this repository `dir`")
	f.String("config", "", "feature_store.yaml `path` (default: feature_store.yaml in the repository)")
	f.Bool("json", false, "print one JSON object per line on stdout (message_type status|summary|error)")
	f.BoolP("quiet", "q", false, "print only results and errors")
	f.String("log-level", "info", "log `level` on stderr: debug, info, warn or error")
	f.String("log-format", "text", "log `format` on stderr: text or json")
	bindFlags(e.V, f)

	root.AddCommand(
		newApplyCmd(e),
		newMaterializeCmd(e),
		newMaterializeIncrementalCmd(e),
		newPushCmd(e),
		newPrecomputeCmd(e),
		newStatusCmd(e),
		newBenchCmd(e),
		newInitCmd(e),
		newGetCmd(e),
		newVersionCmd(e),
	)
	return root, e
}

// bindFlags binds every flag of a set to the viper key of the same name.
func bindFlags(v *viper.Viper, fs *pflag.FlagSet) {
	fs.VisitAll(func(fl *pflag.Flag) {
		if err := v.BindPFlag(fl.Name, fl); err != nil {
			panic(err) // programming error: a flag bound twice
		}
	})
}

// setup resolves the shared options, loads the repository configuration for
// commands that need one, and builds the logger and printer.
func (e *Env) setup(c *cobra.Command) error {
	e.command, e.cmd = c.Name(), c
	e.started = e.Now()
	bindFlags(e.V, c.Flags())
	// The repository is found before its feast_go: section is layered in.
	e.Global.Chdir = e.V.GetString("chdir")
	e.Global.Config = e.V.GetString("config")
	if c.Annotations[needsRepo] == "true" {
		if _, err := e.Config(); err != nil {
			return err
		}
	}
	if err := e.load(&e.Global); err != nil {
		return err
	}
	e.Printer = newPrinter(e.IO.Out, e.Global.JSON)
	log, err := newLogger(e.IO.ErrOut, e.Global.LogLevel, e.Global.LogFormat, e.Global.Quiet)
	if err != nil {
		return err
	}
	e.Log = log
	stop, err := tracing.Setup(c.Context(), e.LookupEnv, resolveBuild(e.Build, debug.ReadBuildInfo).Version)
	if err != nil {
		e.Log.Warn("traces are off", "error", err)
	}
	e.stopTracing = stop
	return nil
}

// project is the repository's project, once feature_store.yaml is read.
func (e *Env) project() string {
	if e.cfg == nil {
		return ""
	}
	return e.cfg.Project
}

// RepoDir is the repository folder: --chdir, else the working directory.
func (e *Env) RepoDir() (string, error) {
	wd, err := e.Getwd()
	if err != nil {
		return "", err
	}
	if e.Global.Chdir == "" {
		return wd, nil
	}
	if filepath.IsAbs(e.Global.Chdir) {
		return e.Global.Chdir, nil
	}
	return filepath.Join(wd, e.Global.Chdir), nil
}

// Config loads feature_store.yaml once and layers its feast_go: section under
// flags and environment.
func (e *Env) Config() (*registry.Config, error) {
	if e.cfg != nil {
		return e.cfg, nil
	}
	dir, err := e.RepoDir()
	if err != nil {
		return nil, err
	}
	path, err := registry.FindConfig(dir, e.Global.Config)
	if err != nil {
		return nil, err
	}
	cfg, err := registry.LoadConfig(path)
	if err != nil {
		return nil, err
	}
	if len(cfg.FeastGo) > 0 {
		if err := e.V.MergeConfigMap(normalizeKeys(cfg.FeastGo)); err != nil {
			return nil, fmt.Errorf("%s: feast_go section: %w", path, err)
		}
	}
	e.cfg = cfg
	return cfg, nil
}

// normalizeKeys lets the feast_go: section spell keys with '_' as flags spell them with '-'.
func normalizeKeys(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[strings.ReplaceAll(k, "_", "-")] = v
	}
	return out
}

func newLogger(w interface{ Write([]byte) (int, error) }, level, format string, quiet bool) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError{fmt.Errorf("--log-level %q: expected debug, info, warn or error", level)}
	}
	if quiet && lv < slog.LevelWarn {
		lv = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError{fmt.Errorf("--log-format %q: expected text or json", format)}
}

// Main runs feast-go with args and returns the process exit code. ctx is
// cancelled on Ctrl-C or SIGTERM by the caller.
func Main(ctx context.Context, args []string, d *Deps) int {
	root, e := NewRootCmd(d)
	args = protectRelativeTimes(args)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if e.stopTracing != nil {
		e.stopTracing()
	}
	if err != nil && strings.HasPrefix(err.Error(), "unknown command") {
		err = usageError{err} // cobra's own argument check
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if c, _, ferr := root.Find(args); ferr == nil {
		e.helpPath = c.CommandPath() // usage hints name the subcommand's help
	}
	if e.Printer == nil { // failed before the options were read (a flag or argument error)
		e.Printer = newPrinter(e.IO.Out, wantsJSON(args, e.LookupEnv))
	}
	return e.exit(err)
}

// repo loads feature_store.yaml, opens its registry and reads the project's
// objects: the start of every command that works on a repository.
func (e *Env) repo(ctx context.Context) (*registry.Repo, error) {
	cfg, err := e.Config()
	if err != nil {
		return nil, err
	}
	return registry.OpenRepo(ctx, cfg)
}

// flowEnv is what the domain flows take from this invocation.
func (e *Env) flowEnv() materialize.Env {
	return materialize.Env{LookupEnv: e.LookupEnv, Now: e.Now, Log: e.Log}
}

// wantsJSON tells from the raw arguments and environment whether --json was
// asked for, for errors raised before the options could be read.
func wantsJSON(args []string, lookup func(string) (string, bool)) bool {
	for _, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--json="); ok {
			b, _ := strconv.ParseBool(v)
			return b
		}
		if a == "--json" {
			return true
		}
	}
	if v, ok := lookup("FEAST_GO_JSON"); ok {
		b, _ := strconv.ParseBool(v)
		return b
	}
	return false
}

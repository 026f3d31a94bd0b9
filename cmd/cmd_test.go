package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/feast-go/feast-go/internal/golden"
	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/materialize"
	"github.com/feast-go/feast-go/status"
)

type result struct {
	code           int
	stdout, stderr string
}

// run executes feast-go with args in dir, with buffers and a fixed clock.
func run(t *testing.T, dir string, env map[string]string, args ...string) result {
	t.Helper()
	return runStdin(t, dir, env, "", args...)
}

// runStdin is run with stdin holding the given text.
func runStdin(t *testing.T, dir string, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	d := &Deps{
		IO:    &IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut},
		Now:   func() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) },
		Getwd: func() (string, error) { return dir, nil },
		LookupEnv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
		Build: BuildInfo{Version: "1.2.3", Commit: "abc1234", Date: "2026-11-01T00:00:00Z"},
	}
	for k, v := range env {
		t.Setenv(k, v) // viper reads the process environment
	}
	code := Main(context.Background(), args, d)
	return result{code, out.String(), errOut.String()}
}

func driversRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	testenv.CopyDir(t, filepath.Join(testenv.RepoRoot(), "testdata", "repos", "drivers"), dir)
	return dir
}

func TestExitCodes(t *testing.T) {
	repo := driversRepo(t)
	tests := []struct {
		name   string
		dir    string
		args   []string
		code   int
		stderr string
	}{
		{"unknown flag", repo, []string{"apply", "--nope"}, ExitUsage, "unknown flag: --nope"},
		{"unknown command", repo, []string{"materialise"}, ExitUsage, `unknown command "materialise"`},
		{"missing args", repo, []string{"materialize", "2026-01-01"}, ExitUsage, "expected 2 argument(s): START END; got 1"},
		{"extra args", repo, []string{"apply", "x"}, ExitUsage, `unexpected argument "x"`},
		{"bad log level", repo, []string{"apply", "--log-level", "loud"}, ExitUsage, "--log-level"},
		{"shard out of range", repo, []string{"materialize-incremental", "now", "--shard", "4/4", "--run-id", "r"}, ExitUsage, "--shard: \"4/4\": the shard's index must be a whole number from 0 to 3"},
		{"shard malformed", repo, []string{"materialize-incremental", "now", "--shard", "2"}, ExitUsage, "expected I/N"},
		{"shard without run id", repo, []string{"materialize-incremental", "now", "--shard", "1/2"}, ExitUsage, "a sharded run needs --run-id"},
		{"shard index from the job, unset", repo, []string{"materialize-incremental", "now", "--shard", "/2", "--run-id", "r"}, ExitUsage, "JOB_COMPLETION_INDEX is not set"},
		{"run id without shard", repo, []string{"materialize-incremental", "now", "--run-id", "r"}, ExitUsage, "only a sharded run"},
		{"bad run id", repo, []string{"materialize-incremental", "now", "--shard", "0/2", "--run-id", "a b"}, ExitUsage, "--run-id \"a b\": expected 1 to 200 letters"},
		{"no repository", t.TempDir(), []string{"apply"}, ExitError, "no feature_store.yaml found"},
		{"apply ok", repo, []string{"apply", "-q"}, ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.dir, nil, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d (stderr %q)", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.stderr)
			}
		})
	}
}

func TestExitCodeMapping(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("x"), ExitError},
		{usageErrorf("bad"), ExitUsage},
		{materialize.Partial(errors.New("x")), ExitPartial},
		{fmt.Errorf("push: %w", materialize.Partial(errors.New("x"))), ExitPartial},
		{context.Canceled, ExitInterrupted},
		{errors.Join(errors.New("write"), context.Canceled), ExitInterrupted},
		{fmt.Errorf("%w: [v]", status.ErrStale), ExitStale},
		{fmt.Errorf("%w: 1 of 1: %w", materialize.ErrLockHeld, materialize.ErrViewBusy), ExitLockHeld},
		{fmt.Errorf("%w: 2 of 2: %w", materialize.ErrViewsFailed, materialize.ErrViewBusy), ExitError}, // busy and failed: not a lock
		{materialize.Partial(fmt.Errorf("%w", materialize.ErrViewBusy)), ExitPartial},
		{fmt.Errorf("%w: run r was planned for 2 shards", materialize.ErrShardMismatch), ExitUsage},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestInterruptedRunExits130(t *testing.T) {
	repo := driversRepo(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	d := &Deps{IO: &IOStreams{Out: &out, ErrOut: &errOut}, Now: time.Now, Getwd: func() (string, error) { return repo, nil }}
	if code := Main(ctx, []string{"apply"}, d); code != ExitInterrupted {
		t.Fatalf("exit %d, want %d; stderr %s", code, ExitInterrupted, errOut.String())
	}
	if !strings.Contains(errOut.String(), "apply interrupted after") {
		t.Errorf("stderr %q", errOut.String())
	}
	if _, err := os.Stat(filepath.Join(repo, "data", "registry.db")); !os.IsNotExist(err) {
		t.Error("an interrupted apply wrote the registry")
	}
}

func TestApplyOutput(t *testing.T) {
	repo := driversRepo(t)
	r := run(t, repo, nil, "apply", "--dry-run")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden.Assert(t, "apply_dry_run_text", []byte(r.stdout))

	r = run(t, repo, nil, "apply", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden.Assert(t, "apply_json", []byte(r.stdout))
	var rec map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rec); err != nil || rec["message_type"] != "summary" || rec["applied"] != true {
		t.Errorf("JSON summary %q: %v", r.stdout, err)
	}

	// From another folder with -C, nothing left to do.
	r = run(t, filepath.Dir(repo), nil, "-C", filepath.Base(repo), "apply")
	if r.code != 0 || !strings.Contains(r.stdout, "No changes") {
		t.Errorf("second apply: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestApplyBadDefinitionWritesNothing(t *testing.T) {
	repo := driversRepo(t)
	defs := filepath.Join(repo, "definitions.yaml")
	b, _ := os.ReadFile(defs)
	bad := strings.Replace(string(b), "dtype: Float64}", "dtype: Double}", 1)
	if err := os.WriteFile(defs, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, repo, nil, "apply", "--json")
	if r.code != ExitError {
		t.Fatalf("exit %d, want 1", r.code)
	}
	if !strings.Contains(r.stderr, "definitions.yaml:63:33") || !strings.Contains(r.stderr, `unknown dtype "Double"`) {
		t.Errorf("stderr %q lacks the file, line and problem", r.stderr)
	}
	if !strings.Contains(r.stdout, `"message_type":"error"`) {
		t.Errorf("--json error record missing: %q", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(repo, "data", "registry.db")); !os.IsNotExist(err) {
		t.Error("a failed apply wrote the registry")
	}
}

func TestConfigPrecedence(t *testing.T) {
	repo := driversRepo(t)
	cfg := filepath.Join(repo, "feature_store.yaml")
	b, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(b, []byte("feast_go:\n  log_level: debug\n  json: true\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	// File says json and debug.
	r := run(t, repo, nil, "apply", "--dry-run")
	if !strings.HasPrefix(r.stdout, "{") || !strings.Contains(r.stderr, "level=DEBUG") {
		t.Errorf("feast_go section not applied: stdout %q stderr %q", r.stdout, r.stderr)
	}
	// Env beats the file.
	r = run(t, repo, map[string]string{"FEAST_GO_LOG_LEVEL": "error"}, "apply", "--dry-run")
	if strings.Contains(r.stderr, "level=DEBUG") {
		t.Errorf("env did not override the file: %q", r.stderr)
	}
	// A flag beats env and file.
	r = run(t, repo, map[string]string{"FEAST_GO_JSON": "true"}, "apply", "--dry-run", "--json=false")
	if strings.HasPrefix(r.stdout, "{") {
		t.Errorf("flag did not override: %q", r.stdout)
	}
}

func TestVersion(t *testing.T) {
	r := run(t, t.TempDir(), nil, "version")
	if r.stdout != "feast-go 1.2.3 (commit abc1234, built 2026-11-01T00:00:00Z)\n" {
		t.Errorf("version: %q", r.stdout)
	}
	r = run(t, t.TempDir(), nil, "version", "--json")
	if !strings.Contains(r.stdout, `"version":"1.2.3"`) || !strings.Contains(r.stdout, `"message_type":"summary"`) {
		t.Errorf("version --json: %q", r.stdout)
	}
	b := resolveBuild(BuildInfo{}, func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "deadbeef"}}}, true
	})
	if b.Version != "v0.1.0" || b.Commit != "deadbeef" || b.Date != "unknown" {
		t.Errorf("build info fallback = %+v", b)
	}
	b = resolveBuild(BuildInfo{}, func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "deadbeef"}, {Key: "vcs.time", Value: "2026-12-01T00:00:00Z"}}}, true
	})
	if b.Version != "dev" || b.Commit != "deadbeef" || b.Date != "2026-12-01T00:00:00Z" {
		t.Errorf("a go build of a checkout = %+v", b)
	}
}

// Every error under --json is one error record on stdout, usage errors
// included, and a usage error's hint names the subcommand's help.
func TestErrorsAsJSONRecords(t *testing.T) {
	repo := driversRepo(t)
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		code  int
		error string
		hint  string
	}{
		{"unknown flag", nil, []string{"materialize", "--nope", "--json"}, ExitUsage, "unknown flag: --nope", "run `feast-go materialize --help` for usage"},
		{"missing argument", nil, []string{"materialize-incremental", "--json"}, ExitUsage, "expected 1 argument(s): END", "run `feast-go materialize-incremental --help` for usage"},
		{"json from the environment", map[string]string{"FEAST_GO_JSON": "1"}, []string{"push"}, ExitUsage, "expected 1 argument(s)", "run `feast-go push --help` for usage"},
		{"unknown command", nil, []string{"materialise", "--json"}, ExitUsage, `unknown command "materialise"`, "run `feast-go --help` for usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, repo, tt.env, tt.args...)
			var rec map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &rec); err != nil || strings.Count(r.stdout, "\n") != 1 {
				t.Fatalf("stdout %q is not one JSON record: %v", r.stdout, err)
			}
			if r.code != tt.code || rec["message_type"] != "error" || !strings.Contains(rec["error"].(string), tt.error) || rec["hint"] != tt.hint || rec["exit_code"] != float64(tt.code) {
				t.Errorf("exit %d, record %v; want %d, %q, hint %q", r.code, rec, tt.code, tt.error, tt.hint)
			}
		})
	}
}

// An unknown name lists the names there are.
func TestUnknownNamesListTheValidOnes(t *testing.T) {
	repo := driversRepo(t)
	if r := run(t, repo, nil, "apply", "-q"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := run(t, repo, nil, "materialize-incremental", "now", "--views", "nope")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `--views: feature view "nope": not found (expected one of: customer_profile, driver_customer_trips, driver_fresh_stats, driver_hourly_stats, zone_stats)`) {
		t.Errorf("--views nope: %d %q", r.code, r.stderr)
	}
	r = run(t, repo, nil, "get", "--feature-service", "nope", "--entity", "driver_id=1")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `feature service "nope": not found (expected one of: customer_view, driver_activity)`) {
		t.Errorf("--feature-service nope: %d %q", r.code, r.stderr)
	}
}

func TestFitWidth(t *testing.T) {
	tests := []struct {
		s     string
		width int
		want  string
	}{
		{"short", 80, "short"},
		{strings.Repeat("x", 100), 80, strings.Repeat("x", 80-liveLineRoom-1) + "…"},
		{"ünïcode line", liveLineRoom + 5, "ünïc…"},
		{"unknown width", 0, "unknown width"},
	}
	for _, tt := range tests {
		if got := fitWidth(tt.s, func() int { return tt.width }); got != tt.want {
			t.Errorf("fitWidth(%q, %d) = %q, want %q", tt.s, tt.width, got, tt.want)
		}
	}
}

// An empty registry file is named, with the command that fills it.
func TestEmptyRegistryIsNamed(t *testing.T) {
	repo := driversRepo(t)
	if err := os.MkdirAll(filepath.Join(repo, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "data", "registry.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, repo, nil, "materialize-incremental", "now")
	if r.code != ExitError || !strings.Contains(r.stderr, "registry.db is empty") || !strings.Contains(r.stderr, "Hint: run `feast-go apply` (or `feast apply`)") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// featureKeys lists the Redis keys in Feast's layout: every key but
// feast-go's own (its run history and vector ledger).
func featureKeys(t *testing.T, rc *goredis.Client) []string {
	t.Helper()
	var out []string
	for _, k := range rc.Keys(context.Background(), "*").Val() {
		if !strings.HasPrefix(k, "feast-go:") {
			out = append(out, k)
		}
	}
	return out
}

package cmd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// repoWith is the drivers repository with file as its feast_go: section.
func repoWith(t *testing.T, file map[string]string) string {
	t.Helper()
	repo := driversRepo(t)
	if len(file) == 0 {
		return repo
	}
	var b strings.Builder
	b.WriteString("feast_go:\n")
	for k, v := range file {
		fmt.Fprintf(&b, "  %s: %q\n", strings.ReplaceAll(k, "-", "_"), v)
	}
	cfg := filepath.Join(repo, "feature_store.yaml")
	old, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(old, b.String()...), 0o644); err != nil {
		t.Fatal(err)
	}
	return repo
}

// loaded runs feast-go up to the point where a command has its options and
// returns them (the runF seam) and the shared options, with env set and
// the feast_go: section of feature_store.yaml holding file.
func loaded(t *testing.T, env, file map[string]string, args ...string) (any, GlobalOptions, result) {
	t.Helper()
	repo := repoWith(t, file)
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	d := &Deps{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Now: time.Now,
		Getwd: func() (string, error) { return repo, nil },
		LookupEnv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		}}
	root, e := NewRootCmd(d)
	var got any
	e.runF = func(_ context.Context, _ string, opts any) error {
		got = opts
		return nil
	}
	root.SetArgs(protectRelativeTimes(args)) // as Main does
	code := e.exit(root.ExecuteContext(context.Background()))
	return got, e.Global, result{code, out.String(), errOut.String()}
}

// field is the value of the option tagged key, printed.
func field(t *testing.T, opts any, key string) string {
	t.Helper()
	if opts == nil {
		t.Fatalf("option %q: the command did not run", key)
	}
	if v, ok := findOpt(reflect.ValueOf(opts).Elem(), key); ok {
		return fmt.Sprint(v.Interface())
	}
	t.Fatalf("%T has no option %q", opts, key)
	return ""
}

// findOpt finds the field tagged key, in embedded option structs too.
func findOpt(rv reflect.Value, key string) (reflect.Value, bool) {
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if v, ok := findOpt(rv.Field(i), key); ok {
				return v, true
			}
			continue
		}
		if tag, _, _ := strings.Cut(f.Tag.Get("opt"), ","); tag == key {
			return rv.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// Every option of every command, set at each layer: the flag beats the
// environment, the environment beats feature_store.yaml's feast_go:
// section, and that beats the default. Values are chosen so that each layer
// differs from the one below it (file from the default too).
func TestEveryOptionObeysPrecedence(t *testing.T) {
	mat := []string{"materialize", "2026-01-01", "2026-01-02"}
	push := []string{"push", "src"}
	bench := []string{"bench"}
	tests := []struct {
		cmd                []string
		key                string
		flag, env, file    string // raw values
		wantF, wantE, want string // loaded from flag, env, file
		def                string // loaded with nothing set
	}{
		{mat, "views", "a,b", "c", "d,e", "[a b]", "[c]", "[d e]", "[]"},
		{mat, "parallel", "5", "6", "7", "5", "6", "7", "2"},
		{mat, "write-connections", "5", "6", "7", "5", "6", "7", "8"},
		{mat, "pipeline-size", "50", "60", "70", "50", "60", "70", "500"},
		{mat, "scan-concurrency", "5", "6", "7", "5", "6", "7", "1"},
		{mat, "scan-batch-size", "50", "60", "70", "50", "60", "70", "32768"},
		{mat, "read-once", "true", "false", "true", "true", "false", "true", "false"},
		{mat, "force", "true", "false", "true", "true", "false", "true", "false"},
		{mat, "metrics-push", "http://a", "http://b", "http://c", "http://a", "http://b", "http://c", ""},
		{mat, "metrics-file", "a.prom", "b.prom", "c.prom", "a.prom", "b.prom", "c.prom", ""},
		{mat, "run-history", "5", "6", "7", "5", "6", "7", "100"},
		{push, "metrics-push", "http://a", "http://b", "http://c", "http://a", "http://b", "http://c", ""},
		{[]string{"precompute"}, "run-history", "5", "6", "7", "5", "6", "7", "100"},
		{[]string{"status"}, "max-age", "1h", "2h", "3h", "1h0m0s", "2h0m0s", "3h0m0s", "0s"},
		{[]string{"status"}, "runs", "5", "6", "7", "5", "6", "7", "0"},
		{push, "input", "a.csv", "b.csv", "c.csv", "a.csv", "b.csv", "c.csv", ""},
		{push, "format", "csv", "jsonl", "parquet", "csv", "jsonl", "parquet", ""},
		{push, "to", "offline", "online_and_offline", "offline", "offline", "online_and_offline", "offline", "online"},
		{push, "write-connections", "5", "6", "7", "5", "6", "7", "8"},
		{push, "pipeline-size", "50", "60", "70", "50", "60", "70", "500"},
		{push, "parallel", "5", "6", "7", "5", "6", "7", "2"},
		{[]string{"precompute"}, "since", "-1h", "-2h", "-3h", "-1h", "-2h", "-3h", ""},
		{[]string{"get"}, "feature-service", "a", "b", "c", "a", "b", "c", ""},
		{[]string{"get"}, "features", "v:a", "v:b", "v:c", "[v:a]", "[v:b]", "[v:c]", "[]"},
		{[]string{"get"}, "entity", "id=1", "id=2", "id=3", "[id=1]", "[id=2]", "[id=3]", "[]"},
		{[]string{"get"}, "full-feature-names", "false", "true", "false", "false", "true", "false", "true"},
		{[]string{"apply"}, "definitions", "a.yaml", "b.yaml", "c.yaml", "[a.yaml]", "[b.yaml]", "[c.yaml]", "[]"},
		{[]string{"apply"}, "dry-run", "true", "false", "true", "true", "false", "true", "false"},
		{bench, "feature-service", "a", "b", "c", "a", "b", "c", ""},
		{bench, "features", "v:a", "v:b", "v:c", "[v:a]", "[v:b]", "[v:c]", "[]"},
		{bench, "entities", "a.csv", "b.csv", "c.csv", "a.csv", "b.csv", "c.csv", ""},
		{bench, "sample", "5", "6", "7", "5", "6", "7", "10000"},
		{bench, "batch-sizes", "1,2", "3", "4,5", "[1 2]", "[3]", "[4 5]", "[1 5 10 50 100 500]"},
		{bench, "iterations", "5", "6", "7", "5", "6", "7", "200"},
		{bench, "warmup", "5", "6", "7", "5", "6", "7", "30"},
		{bench, "paths", "regular", "precomputed", "regular,precomputed", "[regular]", "[precomputed]", "[regular precomputed]", "[]"},
		{bench, "concurrency", "5", "6", "7", "5", "6", "7", "10"},
		{bench, "duration", "5s", "6s", "7s", "5s", "6s", "7s", "15s"},
		{bench, "throughput-batch-size", "5", "6", "7", "5", "6", "7", "10"},
		{bench, "check-sample", "5", "6", "7", "5", "6", "7", "100"},
		{bench, "no-check", "true", "false", "true", "true", "false", "true", "false"},
		{bench, "plot", "a.png", "b.png", "c.png", "a.png", "b.png", "c.png", ""},
		{bench, "seed", "5", "6", "7", "5", "6", "7", "1"},
		{bench, "target", "http://a", "http://b", "http://c", "http://a", "http://b", "http://c", ""},
		{bench, "pool-size", "5", "6", "7", "5", "6", "7", "50"},
		{bench, "idle-timeout", "5s", "6s", "7s", "5s", "6s", "7s", "5m0s"},
		{bench, "retries", "5", "6", "7", "5", "6", "7", "3"},
		{bench, "cert", "a.pem", "b.pem", "c.pem", "a.pem", "b.pem", "c.pem", ""},
		{bench, "no-keepalive", "true", "false", "true", "true", "false", "true", "false"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd[0]+"/"+tt.key, func(t *testing.T) {
			env := "FEAST_GO_" + strings.ToUpper(strings.ReplaceAll(tt.key, "-", "_"))
			layers := []struct {
				name string
				env  map[string]string
				file map[string]string
				args []string
				want string
			}{
				{"flag", map[string]string{env: tt.env}, map[string]string{tt.key: tt.file}, []string{"--" + tt.key + "=" + tt.flag}, tt.wantF},
				{"env", map[string]string{env: tt.env}, map[string]string{tt.key: tt.file}, nil, tt.wantE},
				{"file", nil, map[string]string{tt.key: tt.file}, nil, tt.want},
				{"default", nil, nil, nil, tt.def},
			}
			for _, l := range layers {
				t.Run(l.name, func(t *testing.T) { // a subtest each: t.Setenv ends with it
					opts, _, r := loaded(t, l.env, l.file, append(append([]string{}, tt.cmd...), l.args...)...)
					if r.code != 0 {
						t.Fatalf("exit %d: %s", r.code, r.stderr)
					}
					if got := field(t, opts, tt.key); got != l.want {
						t.Errorf("%s = %s, want %s", tt.key, got, l.want)
					}
				})
			}
		})
	}
}

// The shared options obey the same layers.
func TestGlobalOptionsObeyPrecedence(t *testing.T) {
	tests := []struct {
		key             string
		flag, env, file string
		get             func(GlobalOptions) string
		def             string
	}{
		{"json", "true", "false", "true", func(g GlobalOptions) string { return fmt.Sprint(g.JSON) }, "false"},
		{"quiet", "true", "false", "true", func(g GlobalOptions) string { return fmt.Sprint(g.Quiet) }, "false"},
		{"log-level", "warn", "error", "debug", func(g GlobalOptions) string { return g.LogLevel }, "info"},
		{"log-format", "json", "text", "json", func(g GlobalOptions) string { return g.LogFormat }, "text"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			env := "FEAST_GO_" + strings.ToUpper(strings.ReplaceAll(tt.key, "-", "_"))
			for _, l := range []struct {
				name      string
				env, file map[string]string
				args      []string
				want      string
			}{
				{"flag", map[string]string{env: tt.env}, map[string]string{tt.key: tt.file}, []string{"--" + tt.key + "=" + tt.flag}, tt.flag},
				{"env", map[string]string{env: tt.env}, map[string]string{tt.key: tt.file}, nil, tt.env},
				{"file", nil, map[string]string{tt.key: tt.file}, nil, tt.file},
				{"default", nil, nil, nil, tt.def},
			} {
				t.Run(l.name, func(t *testing.T) {
					opts, g, r := loaded(t, l.env, l.file, append([]string{"apply"}, l.args...)...)
					if r.code != 0 || opts == nil {
						t.Fatalf("exit %d: %s", r.code, r.stderr)
					}
					if got := tt.get(g); got != l.want {
						t.Errorf("%s = %s, want %s", tt.key, got, l.want)
					}
				})
			}
		})
	}
}

// A bad value is a usage error that names the layer it came from.
func TestBadOptionValuesNameTheirOrigin(t *testing.T) {
	tests := []struct {
		env, file map[string]string
		args      []string
		want      string
	}{
		{map[string]string{"FEAST_GO_WRITE_CONNECTIONS": "lots"}, nil, []string{"materialize-incremental", "now"}, `FEAST_GO_WRITE_CONNECTIONS: lots: expected a whole number`},
		{nil, map[string]string{"write-connections": "lots"}, []string{"materialize-incremental", "now"}, `feature_store.yaml: feast_go.write_connections: lots: expected a whole number`},
		{nil, nil, []string{"materialize-incremental", "now", "--parallel", "-1"}, `--parallel: -1: expected 1 or more`},
		{nil, nil, []string{"push", "src", "--write-connections", "0"}, `--write-connections: 0: expected 1 or more`},
		{nil, nil, []string{"materialize-incremental", "now", "--pipeline-size=-5"}, `--pipeline-size: -5: expected 1 or more`},
		{map[string]string{"FEAST_GO_JSON": "yes"}, nil, []string{"apply"}, `FEAST_GO_JSON: yes: expected true or false`},
		{map[string]string{"FEAST_GO_DURATION": "soon"}, nil, []string{"bench"}, `FEAST_GO_DURATION: soon: expected a duration`},
		{nil, nil, []string{"bench", "--batch-sizes", "0"}, `--batch-sizes: 0 is not a positive size`},
		{map[string]string{"FEAST_GO_SINCE": "garbage"}, nil, []string{"precompute"}, `time "garbage"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, repoWith(t, tt.file), tt.env, tt.args...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, ExitUsage, tt.want)
			}
		})
	}
}

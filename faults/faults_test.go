package faults

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/registry"
	goredis "github.com/redis/go-redis/v9"
)

var (
	seedFlag = flag.Uint64("faults.seed", 0, "seed of the fault schedule (0: from the clock; the seed is logged)")
	rounds   = flag.Int("faults.rounds", 1, "rounds of the schedule: every fault kind once per round")
	drivers  = flag.Int("faults.drivers", 10000, "entities of the test table (two rows each)")
	pushes   = flag.Int("faults.pushes", 10, "bad pushes per round")
	report   = flag.String("faults.report", "", "write the tally of faults to this JSON file")
)

// bound is how long any run may take before it counts as a hang.
const bound = 90 * time.Second

var binary string // the feast-go under test, built once

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("faults: skipped with -short")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "feast-go-faults")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "feast-go")
	build := exec.Command("go", "build", "-o", binary, "./cmd/feast-go")
	build.Dir = testenv.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build feast-go: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// fault is one scheduled fault.
type fault struct {
	Kind  string        // sigkill, sigint, redis-kill, redis-empty, redis-oom, apply-remove, concurrent
	Phase string        // the phase whose start triggers it
	Nth   int           // which start of the phase (views run side by side)
	Delay time.Duration // after the trigger
	Down  time.Duration // redis-kill: how long the server stays down
}

func (f fault) String() string {
	return fmt.Sprintf("%s@%s#%d+%v", f.Kind, f.Phase, f.Nth, f.Delay)
}

// schedule is one round: every kind of fault once, at random points.
func schedule(rng *rand.Rand) []fault {
	delays := map[string]time.Duration{"scan": 200 * time.Millisecond, "write": 600 * time.Millisecond, "record": 3 * time.Millisecond, "vectors": 400 * time.Millisecond}
	at := func(kind, phase string) fault {
		f := fault{Kind: kind, Phase: phase, Nth: 1, Delay: time.Duration(rng.Int64N(int64(delays[phase])))}
		if phase != "vectors" {
			f.Nth = 1 + rng.IntN(3)
		}
		if kind == "redis-kill" {
			f.Down = time.Duration(rng.Int64N(int64(2 * time.Second)))
		}
		return f
	}
	var out []fault
	for _, phase := range []string{"scan", "write", "record", "vectors"} {
		out = append(out, at("sigkill", phase), at("sigint", phase))
	}
	for _, kind := range []string{"redis-kill", "redis-empty", "redis-oom"} {
		out = append(out, at(kind, "write"), at(kind, "vectors"))
	}
	return append(out, at("apply-remove", "write"), fault{Kind: "concurrent"})
}

// tally counts, per kind, what the suite did and found.
type tally struct {
	mu   sync.Mutex
	Seed uint64           `json:"seed"`
	Kind map[string]*kind `json:"kinds"`
}

type kind struct {
	Injected   int     `json:"injected"`
	Missed     int     `json:"missed"` // the run ended before the trigger
	Violations int     `json:"violations"`
	MaxExit    float64 `json:"max_seconds_to_exit"` // from the fault to the faulted run's exit
}

func (t *tally) add(name string, injected bool, violations int, toExit time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := t.Kind[name]
	if k == nil {
		k = &kind{}
		t.Kind[name] = k
	}
	if injected {
		k.Injected++
	} else {
		k.Missed++
	}
	k.Violations += violations
	k.MaxExit = max(k.MaxExit, toExit.Seconds())
}

// TestFaults runs the schedule for -faults.rounds rounds and checks the
// invariants after every fault.
func TestFaults(t *testing.T) {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -faults.seed %d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	end := time.Now().UTC().Truncate(time.Hour)
	s := &suite{tmpl: t.TempDir(), end: end.Format(time.RFC3339)}
	template(t, s.tmpl, *drivers, end)
	s.base = s.baseline(t, true)
	s.baseB = s.baseline(t, false)
	tl := &tally{Seed: seed, Kind: map[string]*kind{}}
	for r := range *rounds {
		for _, f := range schedule(rng) {
			t.Run(fmt.Sprintf("round%d/%s", r, f), func(t *testing.T) { s.trial(t, f, tl) })
		}
		t.Run(fmt.Sprintf("round%d/push", r), func(t *testing.T) { s.pushTrial(t, rng, tl) })
	}
	var names []string
	for n := range tl.Kind {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		k := tl.Kind[n]
		t.Logf("%-14s injected %3d  missed %2d  violations %d  longest exit %.2fs", n, k.Injected, k.Missed, k.Violations, k.MaxExit)
	}
	if *report != "" {
		b, _ := json.MarshalIndent(tl, "", "  ")
		if err := os.WriteFile(*report, b, 0o644); err != nil {
			t.Error(err)
		}
	}
}

type suite struct {
	tmpl        string
	end         string
	base, baseB state // clean runs with and without view profile
}

// cleanRun materializes a fresh repository on a fresh Redis without faults.
func (s *suite) cleanRun(t *testing.T, withProfile bool) (*testenv.RedisProc, string) {
	t.Helper()
	r := testenv.NewRedisProc(t, false)
	dir := newRepo(t, s.tmpl, r.Addr, withProfile)
	p := start(t, dir, "materialize-incremental", s.end)
	if !p.wait(bound) || p.exit != 0 {
		t.Fatalf("the clean run: exit %d\n%s", p.exit, p.output())
	}
	return r, dir
}

// baseline is the online store after one clean run.
func (s *suite) baseline(t *testing.T, withProfile bool) state {
	t.Helper()
	r, _ := s.cleanRun(t, withProfile)
	st := dump(t, r.Addr)
	if len(st.hashes) != *drivers || st.notes != 0 {
		t.Fatalf("the clean run left %d keys and %d ledger notes, want %d and 0", len(st.hashes), st.notes, *drivers)
	}
	return st
}

// trial injects one fault into a materialize-incremental on a fresh
// repository and Redis, then checks the invariants and reruns.
func (s *suite) trial(t *testing.T, f fault, tl *tally) {
	r := testenv.NewRedisProc(t, f.Kind == "redis-kill")
	dir := newRepo(t, s.tmpl, r.Addr, true)
	rdb := goredis.NewClient(&goredis.Options{Addr: r.Addr, MaxRetries: 5})
	defer func() { _ = rdb.Close() }()
	base, removed := s.base, []string(nil)
	var violations []string
	fail := func(format string, args ...any) { violations = append(violations, fmt.Sprintf(format, args...)) }

	procs := []*proc{start(t, dir, "materialize-incremental", s.end)}
	injected, at := false, time.Now()
	switch f.Kind {
	case "concurrent":
		procs = append(procs, start(t, dir, "materialize-incremental", s.end))
		injected = true
	default:
		p := procs[0]
		if p.await(f.Phase, f.Nth) {
			time.Sleep(f.Delay)
			if p.running() {
				at = time.Now()
				injected = s.inject(t, f, p, r, rdb, dir)
				if f.Kind == "apply-remove" && injected {
					base, removed = s.baseB, []string{removable}
				}
			}
		}
	}
	for i, p := range procs {
		if !p.wait(bound) {
			fail("run %d hung: killed after %v", i, bound)
		}
		if f.Kind == "sigint" && injected && p.exit != 130 && p.exit != 0 {
			fail("interrupted run exited %d, want 130 (or 0 if it had finished)", p.exit)
		}
	}
	if f.Kind == "redis-oom" {
		if err := rdb.ConfigSet(context.Background(), "maxmemory", "0").Err(); err != nil {
			t.Fatal(err)
		}
	}

	got := dump(t, r.Addr).without(removed...)
	for i, p := range procs {
		if p.exit == 0 {
			if d := diff(got, base); d != "" {
				fail("run %d exited 0, but the store is not a clean run's: %s", i, d)
			}
		}
	}
	for _, v := range s.recorded(t, dir) {
		if d := diff(got.only(v), base.only(v)); d != "" {
			fail("view %s's interval is recorded, but its rows are not a clean run's: %s", v, d)
		}
	}

	re := start(t, dir, "materialize-incremental", s.end)
	switch {
	case !re.wait(bound):
		fail("the rerun hung")
	case re.exit != 0:
		fail("the rerun exited %d:\n%s", re.exit, re.output())
	default:
		after := dump(t, r.Addr)
		if d := diff(after.without(removed...), base); d != "" {
			fail("after the rerun the store is not a clean run's: %s", d)
		}
		if after.notes != 0 {
			fail("after the rerun the ledgers hold %d notes", after.notes)
		}
		if busy := s.materializing(t, dir); len(busy) > 0 {
			fail("after the rerun the registry says MATERIALIZING for %v", busy)
		}
	}

	toExit := time.Duration(0)
	if injected {
		for _, p := range procs {
			toExit = max(toExit, p.ended.Sub(at))
		}
	}
	tl.add(f.Kind, injected, len(violations), toExit)
	for _, v := range violations {
		t.Errorf("%s: %s\nfaulted run: exit %d %s\n%s", f, v, procs[0].exit, procs[0].sig, tail(procs[0].output(), 20))
	}
	if !injected {
		t.Logf("%s: the run ended before the trigger (exit %d)", f, procs[0].exit)
	}
}

// inject does the fault to a running materialization; false if it could not.
func (s *suite) inject(t *testing.T, f fault, p *proc, r *testenv.RedisProc, rdb *goredis.Client, dir string) bool {
	ctx := context.Background()
	switch f.Kind {
	case "sigkill":
		return p.cmd.Process.Signal(syscall.SIGKILL) == nil
	case "sigint":
		return p.cmd.Process.Signal(syscall.SIGINT) == nil
	case "redis-kill": // with its data back after a while, as a supervisor restarts it
		r.Kill()
		time.Sleep(f.Down)
		r.Start()
		return true
	case "redis-empty": // a server without persistence restarting
		r.Kill()
		r.Wipe()
		r.Start()
		return true
	case "redis-oom":
		info, err := rdb.Info(ctx, "memory").Result()
		if err != nil {
			t.Fatal(err)
		}
		var mem int64
		for _, line := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
				_, _ = fmt.Sscan(v, &mem)
			}
		}
		if err := rdb.ConfigSet(ctx, "maxmemory-policy", "noeviction").Err(); err != nil {
			t.Fatal(err)
		}
		return rdb.ConfigSet(ctx, "maxmemory", fmt.Sprint(mem+256<<10)).Err() == nil
	case "apply-remove":
		if err := os.WriteFile(filepath.Join(dir, "definitions.yaml"), []byte(definitions(false)), 0o644); err != nil {
			t.Fatal(err)
		}
		a := start(t, dir, "apply")
		if !a.wait(bound) || a.exit != 0 {
			t.Errorf("the concurrent apply: exit %d\n%s", a.exit, a.output())
		}
		return true
	}
	t.Fatalf("unknown fault kind %q", f.Kind)
	return false
}

// recorded names the views whose recorded intervals reach the trial's end.
func (s *suite) recorded(t *testing.T, dir string) []string {
	t.Helper()
	end, _ := time.Parse(time.RFC3339, s.end)
	var out []string
	for v, fv := range s.views(t, dir) {
		if !fv.LastMaterialized().Before(end) {
			out = append(out, v)
		}
	}
	return out
}

// views reads the trial's feature views from its registry.
func (s *suite) views(t *testing.T, dir string) map[string]*registry.FeatureView {
	t.Helper()
	cfg, err := registry.LoadConfig(filepath.Join(dir, "feature_store.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	repo, err := registry.OpenRepo(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*registry.FeatureView{}
	for v := range views {
		if fv, err := repo.Objects.FeatureView(v); err == nil {
			out[v] = fv
		}
	}
	return out
}

// materializing names the views the registry says are MATERIALIZING.
func (s *suite) materializing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for v, fv := range s.views(t, dir) {
		if fv.State == registry.StateMaterializing {
			out = append(out, v)
		}
	}
	return out
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

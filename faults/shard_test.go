package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/registry"
	goredis "github.com/redis/go-redis/v9"
)

// shardDrivers is the size of the sharded runs' table (two rows a driver).
const shardDrivers = 6000

// slowWrites makes every shard write in small pipelines on one connection,
// so that a kill at the start of its writes lands part-way through them.
var slowWrites = []string{"--pipeline-size", "5", "--write-connections", "1"}

// sharedConfig is a feature_store.yaml on a shared SQL registry and the
// Redis at addrs (a cluster when there are several).
func sharedConfig(addrs []string, blind bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "project: %s\nregistry:\n  registry_type: sql\n  path: sqlite:///data/registry.sqlite\nprovider: local\n", project)
	fmt.Fprintf(&b, "online_store:\n  type: redis\n  connection_string: %q\n", strings.Join(addrs, ","))
	if len(addrs) > 1 {
		b.WriteString("  redis_type: redis_cluster\n")
	}
	if blind {
		b.WriteString("  skip_dedup: true\n")
	}
	b.WriteString("offline_store:\n  type: duckdb\nentity_key_serialization_version: 3\n")
	return b.String()
}

func flushAll(t *testing.T, addrs []string) {
	t.Helper()
	for _, a := range addrs {
		c := goredis.NewClient(&goredis.Options{Addr: a})
		err := c.FlushAll(context.Background()).Err()
		_ = c.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// shardArgs is an Indexed Job's container command: the index comes from
// JOB_COMPLETION_INDEX and the run id from the environment.
func (s *suite) shardArgs(n int) []string {
	return append([]string{"materialize-incremental", s.end, "--shard", fmt.Sprintf("/%d", n)}, slowWrites...)
}

func shardEnv(run string, i int) []string {
	return []string{fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i), "FEAST_GO_RUN_ID=" + run}
}

// checkUncommitted asserts that the registry moved no watermark: no
// interval, and every view in state.
func (s *suite) checkUncommitted(t *testing.T, dir, when, state string) {
	t.Helper()
	for v, fv := range s.views(t, dir) {
		if len(fv.Intervals) != 0 || fv.State != state {
			t.Errorf("%s: view %s has %d intervals, state %q; want none, %q", when, v, len(fv.Intervals), fv.State, state)
		}
	}
}

// checkCommitted asserts one interval per view, ending at the run's end.
func (s *suite) checkCommitted(t *testing.T, dir string) {
	t.Helper()
	for v, fv := range s.views(t, dir) {
		if len(fv.Intervals) != 1 || fv.Intervals[0].End.Format(time.RFC3339) != s.end || fv.State != registry.StateAvailableOnline {
			t.Errorf("after the commit: view %s has intervals %v, state %q; want one ending %s, AVAILABLE_ONLINE", v, fv.Intervals, fv.State, s.end)
		}
	}
}

// TestIndexedJob runs the Indexed Job contract locally, as Kubernetes would
// run it: N feast-go processes with JOB_COMPLETION_INDEX=0..N-1 and one
// run id, on a real 3-master Redis Cluster and a shared SQL registry. One
// shard is killed as its writes begin; the others finish and record
// nothing; that index alone runs again and commits. The store then equals
// a single process's byte for byte (keys, fields, values, `_ts`, vectors
// without precomputed_at), with compare-and-set and with skip_dedup, and
// every ledger note is gone.
func TestIndexedJob(t *testing.T) {
	addrs := testenv.RedisCluster(t)
	end := time.Now().UTC().Truncate(time.Hour)
	s := &suite{tmpl: t.TempDir(), end: end.Format(time.RFC3339)}
	template(t, s.tmpl, shardDrivers, end)
	for _, blind := range []bool{false, true} {
		mode := map[bool]string{false: "compare-and-set", true: "skip_dedup"}[blind]
		cfg := sharedConfig(addrs, blind)
		dir := newRepoWith(t, s.tmpl, cfg, true)
		if p := start(t, dir, "materialize-incremental", s.end); !p.wait(bound) || p.exit != 0 {
			t.Fatalf("%s: the single-process run: exit %d\n%s", mode, p.exit, p.output())
		}
		base := dump(t, addrs...)
		if len(base.hashes) != shardDrivers || base.notes != 0 {
			t.Fatalf("%s: the single-process run left %d keys and %d notes", mode, len(base.hashes), base.notes)
		}
		flushAll(t, addrs)
		for _, n := range []int{1, 2, 4, 8} {
			t.Run(fmt.Sprintf("%s/N=%d", mode, n), func(t *testing.T) {
				defer flushAll(t, addrs)
				s.indexedJob(t, newRepoWith(t, s.tmpl, cfg, true), addrs, n, base)
			})
		}
	}
}

// entities reads how many entities of view a run's JSON summary says it kept.
func (p *proc) entities(t *testing.T, view string) int64 {
	t.Helper()
	for _, line := range strings.Split(p.stdout.String(), "\n") {
		var sum struct {
			Type  string `json:"message_type"`
			Views []struct {
				View     string
				Entities int64
			}
		}
		if json.Unmarshal([]byte(line), &sum) == nil && sum.Type == "summary" {
			for _, v := range sum.Views {
				if v.View == view {
					return v.Entities
				}
			}
		}
	}
	t.Fatalf("no summary of view %s in\n%s", view, tail(p.output(), 5))
	return 0
}

func (s *suite) indexedJob(t *testing.T, dir string, addrs []string, n int, base state) {
	run := fmt.Sprintf("job-%d-%d", n, time.Now().UnixNano())
	victim := n / 2
	procs := make([]*proc, n)
	for i := range n {
		procs[i] = startEnv(t, dir, shardEnv(run, i), s.shardArgs(n)...)
	}
	if !procs[victim].await("write", 1) {
		t.Fatalf("shard %d ended before writing: exit %d\n%s", victim, procs[victim].exit, tail(procs[victim].output(), 20))
	}
	_ = procs[victim].cmd.Process.Signal(syscall.SIGKILL)
	for i, p := range procs {
		if !p.wait(bound) {
			t.Fatalf("shard %d did not end within %v", i, bound)
		}
		switch {
		case i == victim && p.sig != "killed":
			t.Fatalf("shard %d finished before the kill landed (exit %d); the test needs slower writes", i, p.exit)
		case i != victim && (p.exit != 0 || strings.Contains(p.stdout.String(), `"committed":true`)):
			t.Fatalf("shard %d: exit %d, or it committed with shard %d killed\n%s", i, p.exit, victim, tail(p.output(), 20))
		}
	}
	s.checkUncommitted(t, dir, fmt.Sprintf("with shard %d killed", victim), registry.StateMaterializing)

	again := startEnv(t, dir, shardEnv(run, victim), s.shardArgs(n)...)
	if !again.wait(bound) || again.exit != 0 || !strings.Contains(again.stdout.String(), `"committed_here":true`) {
		t.Fatalf("shard %d run again: exit %d, no commit\n%s", victim, again.exit, tail(again.output(), 30))
	}
	s.checkCommitted(t, dir)
	kept := again.entities(t, "stats")
	for i, p := range procs {
		if i != victim {
			kept += p.entities(t, "stats")
		}
	}
	if kept != shardDrivers {
		t.Errorf("the shards kept %d entities of view stats between them, want %d: each entity in one shard", kept, shardDrivers)
	}
	got := dump(t, addrs...)
	if d := diff(got, base); d != "" {
		t.Errorf("the sharded store differs from one process's: %s", d)
	}
	if got.notes != 0 {
		t.Errorf("%d ledger notes left after the commit", got.notes)
	}
	// The other shards, asked again (a retried index), do nothing.
	other := (victim + 1) % n
	p := startEnv(t, dir, shardEnv(run, other), s.shardArgs(n)...)
	if !p.wait(bound) || p.exit != 0 || !strings.Contains(p.stdout.String(), `"repeat":true`) {
		t.Errorf("shard %d asked again: exit %d\n%s", other, p.exit, tail(p.output(), 10))
	}
}

// TestShardFaults: a shard that loses Redis exits non-zero and commits
// nothing (Redis restarts empty: the run's plan is gone with the rows),
// and the run still completes once its index runs again; a shard started
// with another N for the same run id is refused (exit 2).
func TestShardFaults(t *testing.T) {
	r := testenv.NewRedisProc(t, false)
	end := time.Now().UTC().Truncate(time.Hour)
	s := &suite{tmpl: t.TempDir(), end: end.Format(time.RFC3339)}
	template(t, s.tmpl, shardDrivers, end)
	cfg := sharedConfig([]string{r.Addr}, false)
	dir := newRepoWith(t, s.tmpl, cfg, true)
	if p := start(t, dir, "materialize-incremental", s.end); !p.wait(bound) || p.exit != 0 {
		t.Fatalf("the single-process run: exit %d\n%s", p.exit, p.output())
	}
	base := dump(t, r.Addr)
	flushAll(t, []string{r.Addr})

	dir = newRepoWith(t, s.tmpl, cfg, true)
	p := startEnv(t, dir, shardEnv("lost", 0), s.shardArgs(2)...)
	if !p.await("write", 1) {
		t.Fatalf("shard 0 ended before writing\n%s", p.output())
	}
	r.Kill()
	if !p.wait(bound) || p.exit == 0 || p.exit == -1 {
		t.Fatalf("shard 0 without Redis: exit %d (want an error exit within %v)\n%s", p.exit, bound, tail(p.output(), 10))
	}
	r.Start() // empty: the run's plan is gone with the rows
	// Alone when it failed, the shard put the views' state back.
	s.checkUncommitted(t, dir, "after shard 0 lost Redis", "")

	p1 := startEnv(t, dir, shardEnv("lost", 1), s.shardArgs(2)...)
	if !p1.await("scan", 1) { // the plan is stored before any scan
		t.Fatalf("shard 1 ended before scanning: exit %d\n%s", p1.exit, p1.output())
	}
	wrongN := startEnv(t, dir, shardEnv("lost", 2), s.shardArgs(3)...)
	if !wrongN.wait(bound) || wrongN.exit != 2 || !strings.Contains(wrongN.output(), "run lost was planned for 2 shards; this shard was started as 2/3") {
		t.Errorf("a shard started with another N: exit %d\n%s", wrongN.exit, tail(wrongN.output(), 5))
	}
	if !p1.wait(bound) || p1.exit != 0 {
		t.Fatalf("shard 1: exit %d\n%s", p1.exit, tail(p1.output(), 10))
	}
	s.checkUncommitted(t, dir, "with shard 0 not done", registry.StateMaterializing)
	p0 := startEnv(t, dir, shardEnv("lost", 0), s.shardArgs(2)...)
	if !p0.wait(bound) || p0.exit != 0 || !strings.Contains(p0.stdout.String(), `"committed_here":true`) {
		t.Fatalf("shard 0 run again: exit %d\n%s", p0.exit, tail(p0.output(), 20))
	}
	s.checkCommitted(t, dir)
	if d := diff(dump(t, r.Addr), base); d != "" {
		t.Errorf("the store differs from one process's: %s", d)
	}
	if !slices.Equal(s.materializing(t, dir), nil) {
		t.Errorf("views still MATERIALIZING: %v", s.materializing(t, dir))
	}
}

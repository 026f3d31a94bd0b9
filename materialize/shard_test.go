package materialize

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in, job string
		want    Shard
		err     string
	}{
		{"0/1", "", Shard{0, 1}, ""},
		{"3/4", "", Shard{3, 4}, ""},
		{" 2/8 ", "", Shard{2, 8}, ""},
		{"/4", "3", Shard{3, 4}, ""},
		{"3/4", "3", Shard{3, 4}, ""},
		{"1/4", "3", Shard{}, "JOB_COMPLETION_INDEX is 3"}, // every pod would run shard 1
		{"/4", "", Shard{}, "JOB_COMPLETION_INDEX is not set"},
		{"/4", "4", Shard{}, "from 0 to 3"},
		{"4/4", "", Shard{}, "from 0 to 3"},
		{"-1/4", "", Shard{}, "from 0 to 3"},
		{"4", "", Shard{}, "expected I/N"},
		{"1/0", "", Shard{}, "from 1 to 1024"},
		{"0/1025", "", Shard{}, "from 1 to 1024"},
		{"a/b", "", Shard{}, "from 1 to 1024"},
		{"x/2", "", Shard{}, "from 0 to 1"},
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.in, tt.job)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseShard(%q, %q) = %v, %v; want %v", tt.in, tt.job, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseShard(%q, %q) error %v, want one saying %q", tt.in, tt.job, err, tt.err)
		}
	}
}

func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/1", "/4", "7/8", "x", "1/", "/"} {
		f.Add(s, "2")
	}
	f.Fuzz(func(t *testing.T, s, job string) {
		sh, err := ParseShard(s, job)
		if err == nil && (sh.Count < 1 || sh.Count > MaxShards || sh.Index < 0 || sh.Index >= sh.Count) {
			t.Fatalf("ParseShard(%q, %q) = %v without an error", s, job, sh)
		}
	})
}

// Every entity belongs to exactly one shard, whatever N.
func TestShardsSplitEveryEntityOnce(t *testing.T) {
	f := &fixture{}
	for _, n := range []int{1, 2, 3, 4, 8} {
		counts := make([]int, n)
		for id := range int64(4000) {
			owners := 0
			for i := range n {
				if (Shard{i, n}).Owns(f.key(id)) {
					owners++
					counts[i]++
				}
			}
			if owners != 1 {
				t.Fatalf("N=%d: entity %d has %d shards", n, id, owners)
			}
		}
		for i, c := range counts {
			if c < 4000/n*8/10 {
				t.Errorf("N=%d: shard %d has %d of 4000 entities", n, i, c)
			}
		}
	}
}

// shardFixture is a table of entities with several rows each.
func shardFixture(t *testing.T) *fixture {
	var rows []srcRow
	for i := range int64(60) {
		for k := range int64(3) {
			ts := base.Add(time.Duration(k*7+i%5) * time.Minute)
			rows = append(rows, srcRow{id: ptr(i), conv: ptr(float32(i) + float32(k)/10), trips: i*10 + k, ts: ts, cr: ts})
		}
	}
	return newFixture(t, rows, "0")
}

func (f *fixture) plan(t *testing.T, end time.Time) *Plan {
	t.Helper()
	views, _, err := SelectViews(f.objs, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := PlanWindow(views, base, end)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// shard runs one shard as its own process would: its own ledger name.
func (f *fixture) shard(t *testing.T, run string, i, n int, end time.Time) (*Summary, error) {
	t.Helper()
	f.store.Owner = fmt.Sprintf("shard-%d-of-%s", i, run)
	r := f.runner()
	r.Options.Sharding = Sharding{Shard: Shard{i, n}, Run: run, Request: "materialize test"}
	return r.Run(context.Background(), f.plan(t, end))
}

func (f *fixture) dump(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for id := range int64(60) {
		r := f.read(t, id)
		fmt.Fprintf(&b, "%d %v %v %x\n", id, r.Found, r.EventTS, r.Values)
	}
	return b.String()
}

// Shards of one run: the first stores the plan and the others follow it
// (a later end on their command line changes nothing); no shard records
// alone; the last to finish records the interval once and the state moves
// to AVAILABLE_ONLINE; the rows are the single run's.
func TestShardedRunMatchesOneProcess(t *testing.T) {
	end := base.Add(time.Hour)
	single := shardFixture(t)
	if _, err := single.runner().Run(context.Background(), single.plan(t, end)); err != nil {
		t.Fatal(err)
	}
	f := shardFixture(t)
	var entities, others int64
	for i := range 3 {
		sum, err := f.shard(t, "run-1", i, 3, end.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		v, sh := sum.Views[0], sum.Shard
		if !v.End.Equal(end) || sh.PlanMade != (i == 0) || len(sh.Done) != i+1 || sh.Committed != (i == 2) || sh.CommittedHere != (i == 2) {
			t.Errorf("shard %d: view %+v, shard %+v", i, v, sh)
		}
		if v.RowsScanned != 180 || v.OtherShards+3*v.Entities != 180 {
			t.Errorf("shard %d: %d rows scanned, %d of other shards, %d entities", i, v.RowsScanned, v.OtherShards, v.Entities)
		}
		entities, others = entities+v.Entities, others+v.OtherShards
		fv := f.current(t)
		if i < 2 && (len(fv.Intervals) != 0 || fv.State != registry.StateMaterializing) {
			t.Errorf("after shard %d of 3: %d intervals, state %q", i, len(fv.Intervals), fv.State)
		}
	}
	if entities != 60 || others != 2*180 {
		t.Errorf("shards kept %d entities (want 60) and skipped %d rows (want 360)", entities, others)
	}
	fv := f.current(t)
	if len(fv.Intervals) != 1 || !fv.Intervals[0].End.Equal(end) || fv.State != registry.StateAvailableOnline {
		t.Errorf("after the last shard: intervals %v, state %q", fv.Intervals, fv.State)
	}
	if got, want := f.dump(t), single.dump(t); got != want {
		t.Errorf("sharded rows differ from one process's:\n%s\nwant\n%s", got, want)
	}
	if ds, _ := f.store.Ledger(onlinestore.ViewClaims).Debts(context.Background()); len(ds) != 0 {
		t.Errorf("claims left after the commit: %+v", ds)
	}
	// A shard asked again does nothing and records nothing twice.
	sum, err := f.shard(t, "run-1", 1, 3, end)
	if err != nil || !sum.Shard.Repeat || !sum.Shard.Committed || sum.Shard.CommittedHere || sum.Views[0].RowsScanned != 0 {
		t.Errorf("a repeated shard: %v, %+v %+v", err, sum.Shard, sum.Views)
	}
	if n := len(f.current(t).Intervals); n != 1 {
		t.Errorf("%d intervals after a repeated shard", n)
	}
}

// A sharded run of a window that an earlier run recorded already leaves
// its views AVAILABLE_ONLINE, so that the next run is not refused as if the
// sharded run still held them.
func TestShardedRunOfARecordedWindow(t *testing.T) {
	end := base.Add(time.Hour)
	f := shardFixture(t)
	if _, err := f.runner().Run(context.Background(), f.plan(t, end)); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := f.shard(t, "again", i, 2, end); err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
	}
	if fv := f.current(t); fv.State != registry.StateAvailableOnline || len(fv.Intervals) != 1 {
		t.Errorf("after the sharded run: state %q, intervals %v", fv.State, fv.Intervals)
	}
	f.store.Owner = "the next run"
	if _, err := f.runner().Run(context.Background(), f.plan(t, end)); err != nil {
		t.Errorf("the next run: %v", err)
	}
}

// A shard that fails is not done and nothing is recorded; the other shards
// finish; re-running the failed index alone commits the run.
func TestFailedShardRerunCommits(t *testing.T) {
	end := base.Add(time.Hour)
	f := shardFixture(t)
	f.store.FailAfter, f.store.Err = 1, errors.New("connection reset by peer")
	if _, err := f.shard(t, "r", 0, 2, end); !errors.Is(err, ErrViewsFailed) || errors.Is(err, ErrPartial) {
		t.Fatalf("a failing shard: %v", err)
	}
	f.store.FailAfter = 0
	sum, err := f.shard(t, "r", 1, 2, end)
	if err != nil || sum.Shard.Committed || !equalInts(sum.Shard.Done, []int{1}) {
		t.Fatalf("the other shard: %v %+v", err, sum.Shard)
	}
	if fv := f.current(t); len(fv.Intervals) != 0 {
		t.Fatalf("recorded before every shard was done: %v", fv.Intervals)
	}
	sum, err = f.shard(t, "r", 0, 2, end)
	if err != nil || !sum.Shard.CommittedHere || len(f.current(t).Intervals) != 1 {
		t.Fatalf("the re-run shard: %v %+v", err, sum.Shard)
	}
}

func equalInts(a, b []int) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// Shards that disagree with their run's plan are refused; a store that
// restarted since the plan fails the shard; another run is still refused.
func TestShardRefusals(t *testing.T) {
	end := base.Add(time.Hour)
	f := shardFixture(t)
	if _, err := f.shard(t, "r", 0, 2, end); err != nil {
		t.Fatal(err)
	}
	if _, err := f.shard(t, "r", 1, 3, end); !errors.Is(err, ErrShardMismatch) || !strings.Contains(err.Error(), "planned for 2 shards") {
		t.Errorf("another N: %v", err)
	}
	r := f.runner()
	r.Options.Sharding = Sharding{Shard: Shard{1, 2}, Run: "r", Request: "materialize other"}
	if _, err := r.Run(context.Background(), f.plan(t, end)); !errors.Is(err, ErrShardMismatch) {
		t.Errorf("other arguments: %v", err)
	}
	f.store.Epoch = "restarted"
	if _, err := f.shard(t, "r", 1, 2, end); !errors.Is(err, onlinestore.ErrDataLost) {
		t.Errorf("a restarted store: %v", err)
	}
	if n := len(f.current(t).Intervals); n != 0 {
		t.Errorf("%d intervals recorded by refused shards", n)
	}

	// A live claim of another run refuses every shard of this one.
	g := shardFixture(t)
	g.store.Owner = "someone-else"
	if err := g.store.Ledger(onlinestore.ViewClaims).Owe(context.Background(), []string{"stats"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := g.shard(t, "r2", 0, 2, end); !errors.Is(err, ErrLockHeld) {
		t.Errorf("a view held by another run: %v", err)
	}
}

// A run that never completes leaves the watermark where it was; the next
// run (another id) takes the views over and starts from there.
func TestUnfinishedShardedRunIsTakenOver(t *testing.T) {
	end := base.Add(time.Hour)
	f := shardFixture(t)
	if _, err := f.shard(t, "never", 0, 2, end); err != nil {
		t.Fatal(err)
	}
	f.store.Gone = map[string]bool{"shard-0-of-never": true}
	if fv := f.current(t); fv.State != registry.StateMaterializing || len(fv.Intervals) != 0 {
		t.Fatalf("an unfinished run: state %q, %d intervals", fv.State, len(fv.Intervals))
	}
	f.objs.FeatureViews[0].State = registry.StateMaterializing // as the next run reads the registry
	sum, err := f.runner().Run(context.Background(), f.plan(t, end))
	if err != nil || !sum.Views[0].Recorded {
		t.Fatalf("the next run: %v %+v", err, sum.Views)
	}
	if fv := f.current(t); fv.State != registry.StateAvailableOnline || len(fv.Intervals) != 1 {
		t.Errorf("after the next run: state %q, %d intervals", fv.State, len(fv.Intervals))
	}
}

// Package storetest is the conformance suite every onlinestore.Store runs:
// the Redis store against a real redis-server and a real cluster, the SQLite
// store against a file. It checks round trips, the newer-wins rule,
// idempotent retries, concurrent writers and view deletion.
package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feast-go/feast-go/onlinestore"
	"github.com/feast-go/feast-go/registry/feastpb"
)

// Factory opens a fresh, empty store for project "proj"; blind selects the
// blind-write (skip_dedup) mode.
type Factory func(t *testing.T, blind bool) onlinestore.Store

// Options describe what a store guarantees.
type Options struct {
	// TimeResolution is the precision of stored event times (Redis keeps
	// microseconds; Feast's SQLite layout whole seconds). Zero: microseconds.
	TimeResolution time.Duration
}

var (
	stats   = onlinestore.View{Name: "driver_stats", JoinKeys: []string{"driver_id"}, Features: []string{"conv_rate", "trips"}}
	profile = onlinestore.View{Name: "driver_profile", JoinKeys: []string{"driver_id"}, Features: []string{"name"}}
	t0      = time.Date(2026, 5, 1, 12, 0, 0, 123456000, time.UTC)
)

func key(t testing.TB, id int64) []byte {
	k, err := onlinestore.NewKeyEncoder([]string{"driver_id"}, 3).Append(nil, []*feastpb.Value{{Val: &feastpb.Value_Int64Val{Int64Val: id}}})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func row(t testing.TB, id int64, ts time.Time, vals ...string) onlinestore.Row {
	r := onlinestore.Row{Key: key(t, id), EventTS: ts}
	for _, v := range vals {
		r.Values = append(r.Values, []byte(v))
	}
	return r
}

// mustWrite writes rows of v, failing the test on an error.
func mustWrite(t *testing.T, s onlinestore.Store, v onlinestore.View, rows ...onlinestore.Row) onlinestore.WriteStats {
	t.Helper()
	st, err := s.WriteView(context.Background(), v, rows)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Run runs every case against stores from newStore.
func Run(t *testing.T, newStore Factory, opts ...Options) {
	ctx := context.Background()
	res := time.Microsecond
	if len(opts) > 0 && opts[0].TimeResolution > 0 {
		res = opts[0].TimeResolution
	}
	t0 := t0.Truncate(res)
	read := func(t *testing.T, s onlinestore.Store, id int64, views ...onlinestore.View) []onlinestore.FeatureRow {
		t.Helper()
		out, err := s.ReadViews(ctx, [][]byte{key(t, id)}, views)
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	write := mustWrite

	t.Run("round trip", func(t *testing.T) {
		s := newStore(t, false)
		write(t, s, stats, row(t, 1, t0, "a", ""), row(t, 2, t0, "b", "c"))
		write(t, s, profile, row(t, 1, t0.Add(time.Hour), "n1"))
		got := read(t, s, 1, stats, profile)
		if !got[0].Found || !got[0].EventTS.Equal(t0) || string(got[0].Values[0]) != "a" || len(got[0].Values[1]) != 0 {
			t.Errorf("stats row = %+v", got[0])
		}
		if !got[1].Found || string(got[1].Values[0]) != "n1" || !got[1].EventTS.Equal(t0.Add(time.Hour)) {
			t.Errorf("profile row = %+v", got[1])
		}
		if missing := read(t, s, 99, stats); missing[0].Found {
			t.Errorf("unknown entity found: %+v", missing[0])
		}
	})

	t.Run("older rows never overwrite newer ones", func(t *testing.T) {
		s := newStore(t, false)
		write(t, s, stats, row(t, 1, t0, "new", "1"))
		st := write(t, s, stats, row(t, 1, t0.Add(-time.Second), "old", "0"), row(t, 1, t0, "same-time", "0"))
		if st.Written != 0 || st.SkippedOlder != 2 || !slices.Equal(st.Older, []int{0, 1}) {
			t.Errorf("stats = %+v, want rows 0 and 1 skipped", st)
		}
		if got := read(t, s, 1, stats)[0]; string(got.Values[0]) != "new" {
			t.Errorf("value = %q, want new", got.Values[0])
		}
		st = write(t, s, stats, row(t, 1, t0.Add(res), "newer", "2"))
		if st.Written != 1 || string(read(t, s, 1, stats)[0].Values[0]) != "newer" {
			t.Errorf("a newer row did not land: %+v", st)
		}
	})

	t.Run("newer-wins per row across a large write", func(t *testing.T) {
		// 250 rows span several script calls of a batching store.
		s := newStore(t, false)
		var first, second []onlinestore.Row
		for id := range int64(250) {
			first = append(first, row(t, id, t0, "a", "1"))
			ts, v := t0.Add(-time.Second), "old" // odd ids: older, skipped
			if id%2 == 0 {
				ts, v = t0.Add(res), "b"
			}
			if id == 100 {
				v = "" // a null in a written row
			}
			second = append(second, row(t, id, ts, v, "2"))
		}
		write(t, s, stats, first...)
		st := write(t, s, stats, second...)
		if st.Written != 125 || st.SkippedOlder != 125 {
			t.Errorf("stats = %+v, want 125 written and 125 skipped", st)
		}
		var odd []int // the skipped rows, which a flow must not take as written
		for i := 1; i < 250; i += 2 {
			odd = append(odd, i)
		}
		if !slices.Equal(st.Older, odd) {
			t.Errorf("skipped rows = %v, want the odd ones", st.Older)
		}
		for id, want := range map[int64]string{0: "b", 1: "a", 100: "", 101: "a", 248: "b", 249: "a"} {
			if got := read(t, s, id, stats)[0]; string(got.Values[0]) != want {
				t.Errorf("entity %d: %q, want %q", id, got.Values[0], want)
			}
		}
	})

	t.Run("blind writes overwrite", func(t *testing.T) {
		s := newStore(t, true)
		write(t, s, stats, row(t, 1, t0, "new", "1"))
		write(t, s, stats, row(t, 1, t0.Add(-time.Hour), "old", "0"))
		if got := read(t, s, 1, stats)[0]; string(got.Values[0]) != "old" {
			t.Errorf("value = %q, want old (skip_dedup)", got.Values[0])
		}
	})

	t.Run("retries converge", func(t *testing.T) {
		s := newStore(t, false)
		rows := []onlinestore.Row{row(t, 1, t0, "x", "1"), row(t, 2, t0, "y", "2")}
		write(t, s, stats, rows...)
		st := write(t, s, stats, rows...) // a retried run
		if st.Written != 0 || st.SkippedOlder != 2 {
			t.Errorf("retry stats = %+v", st)
		}
	})

	t.Run("concurrent writers keep the newest", func(t *testing.T) {
		s := newStore(t, false)
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var rows []onlinestore.Row
				for id := range int64(50) {
					rows = append(rows, row(t, id, t0.Add(time.Duration(w)*time.Second), fmt.Sprint(w), ""))
				}
				if _, err := s.WriteView(ctx, stats, rows); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		for id := range int64(50) {
			if got := read(t, s, id, stats)[0]; string(got.Values[0]) != "7" {
				t.Fatalf("entity %d holds writer %q, want the newest (7)", id, got.Values[0])
			}
		}
	})

	t.Run("delete view", func(t *testing.T) {
		s := newStore(t, false)
		write(t, s, stats, row(t, 1, t0, "a", "b"), row(t, 2, t0, "c", "d"))
		write(t, s, profile, row(t, 1, t0, "n1"))
		n, err := s.DeleteView(ctx, stats)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("touched %d hashes, want 2", n)
		}
		got := read(t, s, 1, stats, profile)
		if got[0].Found || !got[1].Found || !bytes.Equal(got[1].Values[0], []byte("n1")) {
			t.Errorf("after delete: %+v", got)
		}
		if read(t, s, 2, stats)[0].Found {
			t.Error("entity 2 still has the deleted view")
		}
	})
	t.Run("riders land with their rows", func(t *testing.T) { riders(t, newStore, res) })
	t.Run("deleting a view loses no concurrent write to another", func(t *testing.T) { deleteRace(t, newStore(t, false), t0) })
	t.Run("ledger of owed vectors", func(t *testing.T) { Ledger(t, newStore(t, false), onlinestore.VectorDebts) })
	t.Run("ledger of view claims", func(t *testing.T) { Ledger(t, newStore(t, false), onlinestore.ViewClaims) })
	t.Run("ledgers apart", func(t *testing.T) { ledgersApart(t, newStore(t, false)) })
	t.Run("run history", func(t *testing.T) { History(t, newStore(t, false)) })
	t.Run("run board", func(t *testing.T) { Board(t, newStore(t, false)) })
	t.Run("newer-wins per row within one key group", func(t *testing.T) {
		s := newStore(t, false)
		grouped(t, s, t0, func(rows []onlinestore.Row) onlinestore.WriteStats { return write(t, s, stats, rows...) },
			func(id int64) string { return string(read(t, s, id, stats)[0].Values[0]) })
	})
}

// riders checks rows that carry a row of another view: the rider lands with
// its row and only then, and (newer-wins) only over an older rider; a blind
// store writes both always. One write spans several script calls.
func riders(t *testing.T, newStore Factory, res time.Duration) {
	ctx := context.Background()
	vec := onlinestore.View{Name: "__precomputed__svc", JoinKeys: []string{"driver_id"}, Features: []string{"vector"}}
	carrying := stats
	carrying.Rider = &vec
	rows := func(n int, ts, vts time.Time, val string) []onlinestore.Row {
		var out []onlinestore.Row
		for id := range int64(n) {
			r := row(t, id, ts, val, val)
			r.Rider = &onlinestore.Row{EventTS: vts, Values: [][]byte{[]byte("v-" + val)}}
			out = append(out, r)
		}
		return out
	}
	check := func(t *testing.T, s onlinestore.Store, id int64, wantRow, wantVec string) {
		t.Helper()
		out, err := s.ReadViews(ctx, [][]byte{key(t, id)}, []onlinestore.View{stats, vec})
		if err != nil {
			t.Fatal(err)
		}
		got := out[0]
		if string(got[0].Values[0]) != wantRow || !got[1].Found || string(got[1].Values[0]) != wantVec {
			t.Errorf("entity %d: row %q, rider %q (found %v); want %q and %q", id, got[0].Values[0], got[1].Values[0], got[1].Found, wantRow, wantVec)
		}
	}
	write := func(t *testing.T, s onlinestore.Store, rows []onlinestore.Row) onlinestore.WriteStats {
		t.Helper()
		return mustWrite(t, s, carrying, rows...)
	}
	t.Run("newer-wins", func(t *testing.T) {
		s := newStore(t, false)
		write(t, s, rows(150, t0, t0, "a"))
		// Older rows: skipped, so their riders, though newer, are not written.
		if st := write(t, s, rows(150, t0.Add(-time.Second), t0.Add(time.Hour), "b")); st.Written != 0 || len(st.Older) != 150 {
			t.Errorf("older rows: %+v", st)
		}
		check(t, s, 0, "a", "v-a")
		check(t, s, 149, "a", "v-a")
		// Newer rows with older riders: the rows land, the stored riders stay.
		if st := write(t, s, rows(150, t0.Add(res), t0.Add(-time.Hour), "c")); st.Written != 150 {
			t.Errorf("newer rows: %+v", st)
		}
		check(t, s, 0, "c", "v-a")
		check(t, s, 149, "c", "v-a")
		write(t, s, rows(150, t0.Add(2*res), t0.Add(time.Hour), "d"))
		check(t, s, 77, "d", "v-d")
		// Rows that carry no rider (the even ones here) leave the stored one alone.
		some := rows(150, t0.Add(3*res), t0.Add(2*time.Hour), "e")
		for i := 0; i < len(some); i += 2 {
			some[i].Rider = nil
		}
		if st := write(t, s, some); st.Written != 150 {
			t.Errorf("rows, some with riders: %+v", st)
		}
		check(t, s, 0, "e", "v-d")
		check(t, s, 1, "e", "v-e")
		check(t, s, 148, "e", "v-d")
		check(t, s, 149, "e", "v-e")
	})
	t.Run("blind", func(t *testing.T) {
		s := newStore(t, true)
		write(t, s, rows(3, t0, t0, "a"))
		write(t, s, rows(3, t0.Add(-time.Hour), t0.Add(-time.Hour), "b"))
		check(t, s, 2, "b", "v-b")
	})
}

// Board checks a store's record of sharded runs: keep keeps the first
// value, a plain put replaces it, runs are apart, and the epoch is stable
// while the store runs.
func Board(t *testing.T, s onlinestore.Store) {
	ctx := context.Background()
	b := s.RunBoard()
	if rec, err := b.Record(ctx, "r1"); err != nil || len(rec) != 0 {
		t.Fatalf("a fresh board's record: %q, %v", rec, err)
	}
	steps := []struct {
		run, field, value string
		keep              bool
		want              string
	}{
		{"r1", "plan", "first", true, "first"},
		{"r1", "plan", "second", true, "first"},
		{"r1", "done:0", "a", false, "a"},
		{"r1", "done:0", "b", false, "b"},
		{"r2", "plan", "other", true, "other"},
	}
	for _, st := range steps {
		got, err := b.Put(ctx, st.run, st.field, []byte(st.value), st.keep)
		if err != nil || string(got) != st.want {
			t.Errorf("Put(%s, %s, %s, keep=%v) = %q, %v; want %q", st.run, st.field, st.value, st.keep, got, err, st.want)
		}
	}
	rec, err := b.Record(ctx, "r1")
	if err != nil || len(rec) != 2 || string(rec["plan"]) != "first" || string(rec["done:0"]) != "b" {
		t.Errorf("record of r1: %q, %v", rec, err)
	}
	e1, err1 := b.Epoch(ctx)
	e2, err2 := b.Epoch(ctx)
	if err1 != nil || err2 != nil || e1 != e2 {
		t.Errorf("epoch changed while the store ran: %q %v, %q %v", e1, err1, e2, err2)
	}
}

// grouped writes rows whose keys share the store's key group (a cluster
// hash slot) together, as the writer hands them over, so that one
// compare-and-set call decides many of them.
func grouped(t *testing.T, s onlinestore.Store, t0 time.Time, write func([]onlinestore.Row) onlinestore.WriteStats, read func(id int64) string) {
	g := s.KeyGroups()
	var ids []int64
	for id := int64(0); len(ids) < 150 && id < 1<<24; id++ {
		if g.Of == nil || g.Of(key(t, id)) == g.Of(key(t, 0)) {
			ids = append(ids, id)
		}
	}
	if len(ids) < 150 {
		t.Fatalf("found %d keys of one group", len(ids))
	}
	var first, second []onlinestore.Row
	for i, id := range ids {
		first = append(first, row(t, id, t0, "a", "1"))
		ts, v := t0.Add(-time.Second), "old"
		if i%3 == 0 {
			ts, v = t0.Add(time.Second), "b"
		}
		second = append(second, row(t, id, ts, v, "2"))
	}
	write(first)
	var skipped []int
	for i := range ids {
		if i%3 != 0 {
			skipped = append(skipped, i)
		}
	}
	if st := write(second); st.Written != 50 || st.SkippedOlder != 100 || !slices.Equal(st.Older, skipped) {
		t.Errorf("stats = %+v, want 50 written and 100 skipped", st)
	}
	for i, id := range ids {
		want := "a"
		if i%3 == 0 {
			want = "b"
		}
		if got := read(id); got != want {
			t.Fatalf("entity %d: %q, want %q", id, got, want)
		}
	}
}

// ledgersApart checks that a note in one ledger is not seen in another.
func ledgersApart(t *testing.T, s onlinestore.Store) {
	ctx := context.Background()
	if err := s.Ledger(onlinestore.VectorDebts).Owe(ctx, []string{"x"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if ds, err := s.Ledger(onlinestore.ViewClaims).Debts(ctx); err != nil || len(ds) != 0 {
		t.Errorf("view claims see the vector debts: %v %v", ds, err)
	}
}

// History checks a store's run history: newest first, bounded by keep.
func History(t *testing.T, s onlinestore.Store) {
	ctx := context.Background()
	l := s.RunLog()
	if got, err := l.Runs(ctx, 10); err != nil || len(got) != 0 {
		t.Fatalf("a fresh store's history: %q, %v", got, err)
	}
	for i := range 7 {
		if err := l.AppendRun(ctx, []byte(fmt.Sprintf(`{"run":%d}`, i)), 5); err != nil {
			t.Fatal(err)
		}
	}
	got, err := l.Runs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"run":6} {"run":5} {"run":4} {"run":3} {"run":2}`; string(bytes.Join(got, []byte(" "))) != want {
		t.Errorf("history %s, want %s", bytes.Join(got, []byte(" ")), want)
	}
	if got, _ := l.Runs(ctx, 2); len(got) != 2 || string(got[0]) != `{"run":6}` {
		t.Errorf("the 2 newest: %q", got)
	}
}

// Ledger checks a store's ledger on its own writer's notes: a note is live
// while its lease holds, dies when the lease ends or is given up, and is
// gone once settled, by its owner or by another writer naming it.
func Ledger(t *testing.T, s onlinestore.Store, kind onlinestore.LedgerKind) {
	ctx := context.Background()
	l := s.Ledger(kind)
	debts := func() string {
		t.Helper()
		ds, err := l.Debts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(ds, func(a, b onlinestore.Debt) int { return strings.Compare(a.Service, b.Service) })
		var out []string
		for _, d := range ds {
			out = append(out, fmt.Sprintf("%s live=%v", d.Service, d.Live))
		}
		return strings.Join(out, ", ")
	}
	if got := debts(); got != "" {
		t.Fatalf("a fresh store owes %q", got)
	}
	if err := l.Owe(ctx, []string{"svc_a", "svc_b", "svc_c"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, want := debts(), "svc_a live=true, svc_b live=true, svc_c live=true"; got != want {
		t.Errorf("after Owe: %q, want %q", got, want)
	}
	if err := l.Settle(ctx, "svc_a", ""); err != nil {
		t.Fatal(err)
	}
	if err := l.Owe(ctx, []string{"svc_b"}, 0); err != nil { // given up
		t.Fatal(err)
	}
	if err := l.Owe(ctx, []string{"svc_c"}, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // svc_c's lease ends
	if got, want := debts(), "svc_b live=false, svc_c live=false"; got != want {
		t.Errorf("after settling a, giving up b and c's lease ending: %q, want %q", got, want)
	}
	ds, _ := l.Debts(ctx)
	for _, d := range ds {
		if err := l.Settle(ctx, d.Service, d.Owner); err != nil {
			t.Fatal(err)
		}
	}
	if got := debts(); got != "" {
		t.Errorf("after settling every note by owner: %q", got)
	}
}

// deleteRace removes view stats from entities that hold only it while
// another writer gives every one of them a row of view profile: every profile
// row must survive, and no stats row may.
func deleteRace(t *testing.T, s onlinestore.Store, t0 time.Time) {
	ctx := context.Background()
	const n = 5000
	var statsRows, profileRows []onlinestore.Row
	for id := range int64(n) {
		statsRows = append(statsRows, row(t, id, t0, "a", "b"))
		profileRows = append(profileRows, row(t, id, t0, "p"))
	}
	if _, err := s.WriteView(ctx, stats, statsRows); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var writeErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for from := 0; from < n; from += 100 {
			if _, err := s.WriteView(ctx, profile, profileRows[from:from+100]); err != nil {
				writeErr = err
				return
			}
		}
	}()
	_, delErr := s.DeleteView(ctx, stats)
	wg.Wait()
	if delErr != nil || writeErr != nil {
		t.Fatalf("delete: %v; write: %v", delErr, writeErr)
	}
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = key(t, int64(i))
	}
	got, err := s.ReadViews(ctx, keys, []onlinestore.View{stats, profile})
	if err != nil {
		t.Fatal(err)
	}
	lost, left := 0, 0
	for _, r := range got {
		if !r[1].Found {
			lost++
		}
		if r[0].Found {
			left++
		}
	}
	if lost > 0 || left > 0 {
		t.Errorf("%d of %d profile rows lost to the delete, %d stats rows left", lost, n, left)
	}
}

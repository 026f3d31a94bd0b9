package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentiles(t *testing.T) {
	ms := func(vs ...int) []time.Duration {
		out := make([]time.Duration, len(vs))
		for i, v := range vs {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(100-i) * time.Millisecond // 100..1, unsorted
	}
	tests := []struct {
		name    string
		samples []time.Duration
		want    Stats
	}{
		{"empty", nil, Stats{}},
		{"one", ms(7), Stats{N: 1, P50: 7e6, P95: 7e6, P99: 7e6, Mean: 7e6, Min: 7e6, Max: 7e6}},
		{"1..100", hundred, Stats{N: 100, P50: 50e6, P95: 95e6, P99: 99e6, Mean: 50500 * time.Microsecond, Min: 1e6, Max: 100e6}},
		{"ten with an outlier", ms(1, 1, 1, 1, 1, 2, 2, 2, 3, 100), Stats{N: 10, P50: 1e6, P95: 100e6, P99: 100e6, Mean: 11400 * time.Microsecond, Min: 1e6, Max: 100e6}},
		{"four", ms(4, 1, 3, 2), Stats{N: 4, P50: 2e6, P95: 4e6, P99: 4e6, Mean: 2500 * time.Microsecond, Min: 1e6, Max: 4e6}},
	}
	for _, tc := range tests {
		if got := Summarize(tc.samples); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if got := (Stats{P50: 1234567}).JSON().P50ms; got != 1.235 {
		t.Errorf("JSON p50 = %v ms, want 1.235", got)
	}
}

// fakeClock advances by each path's cost per entity when the path reads.
type fakeClock struct{ now atomic.Int64 }

func (c *fakeClock) Now() time.Time { return time.Unix(0, c.now.Load()) }

type fakePath struct {
	name    string
	clock   *fakeClock
	perCall time.Duration
	perRow  time.Duration
	cells   func(Entity) string
	fail    error
	calls   atomic.Int64
}

func (p *fakePath) Name() string { return p.name }
func (p *fakePath) Read(_ context.Context, batch []Entity) (Answer, error) {
	p.calls.Add(1)
	if p.fail != nil {
		return nil, p.fail
	}
	if p.clock != nil {
		p.clock.now.Add(int64(p.perCall + time.Duration(len(batch))*p.perRow))
	}
	rows := make([][]string, len(batch))
	for i, e := range batch {
		rows[i] = []string{"PRESENT 1", p.cells(e)}
	}
	return fakeAnswer(rows), nil
}

type fakeAnswer [][]string

func (a fakeAnswer) Cells() [][]string { return a }

func entities(n int) []Entity {
	out := make([]Entity, n)
	for i := range out {
		out[i] = Entity{Key: []byte{byte(i)}, Values: map[string]any{"id": i}}
	}
	return out
}

func TestLatencyMeasuresEveryPathAndSize(t *testing.T) {
	clock := &fakeClock{}
	same := func(e Entity) string { return fmt.Sprint("PRESENT ", e.Values["id"]) }
	reg := &fakePath{name: Regular, clock: clock, perCall: time.Millisecond, perRow: 100 * time.Microsecond, cells: same}
	pre := &fakePath{name: Precomputed, clock: clock, perCall: 200 * time.Microsecond, perRow: 10 * time.Microsecond, cells: same}
	r := &Runner{Paths: []Path{reg, pre}, Entities: entities(20), Now: clock.Now,
		Config: Config{BatchSizes: []int{1, 50}, Iterations: 10, Warmup: 3}}
	got, err := r.Latency(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		path  string
		batch int
		p50   time.Duration
	}{
		{Regular, 1, 1100 * time.Microsecond}, {Precomputed, 1, 210 * time.Microsecond},
		{Regular, 50, 6 * time.Millisecond}, {Precomputed, 50, 700 * time.Microsecond},
	}
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Path != w.path || g.Batch != w.batch || g.Stats.P50 != w.p50 || g.Stats.P99 != w.p50 || g.Stats.N != 10 {
			t.Errorf("result %d: %s batch %d %+v; want %s batch %d p50=p99=%s n=10", i, g.Path, g.Batch, g.Stats, w.path, w.batch, w.p50)
		}
	}
	if n := reg.calls.Load(); n != 26 { // (3 warmup + 10) × 2 sizes
		t.Errorf("regular path called %d times, want 26", n)
	}
	if _, err := (&Runner{Paths: []Path{reg}}).Latency(context.Background()); !errors.Is(err, ErrNoEntities) {
		t.Errorf("no entities: %v", err)
	}
}

func TestThroughput(t *testing.T) {
	same := func(e Entity) string { return "x" }
	p := &fakePath{name: Regular, cells: same}
	r := &Runner{Paths: []Path{p}, Entities: entities(5), Config: Config{Concurrency: 3, Duration: 50 * time.Millisecond, ThroughputBatch: 4}}
	got, err := r.Throughput(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tp := got[0]
	if tp.Requests == 0 || tp.Errors != 0 || tp.RowsPS != tp.RequestsPS*4 || tp.Concurrency != 3 || tp.Stats.N != int(tp.Requests) {
		t.Errorf("throughput: %+v", tp)
	}
	bad := &fakePath{name: Regular, fail: errors.New("connection refused")}
	r.Paths = []Path{bad}
	if _, err := r.Throughput(context.Background()); err == nil || !strings.Contains(err.Error(), "every request failed: connection refused") {
		t.Errorf("failing path: %v", err)
	}
}

func TestCheckCatchesStaleVector(t *testing.T) {
	reg := &fakePath{name: Regular, cells: func(e Entity) string { return fmt.Sprint("PRESENT ", e.Values["id"]) }}
	stale := &fakePath{name: Precomputed, cells: func(e Entity) string {
		if e.Values["id"] == 3 {
			return "PRESENT 999"
		}
		return fmt.Sprint("PRESENT ", e.Values["id"])
	}}
	r := &Runner{Entities: entities(10)}
	describe := func(e Entity) string { return fmt.Sprint("{id=", e.Values["id"], "}") }
	c, err := r.Check(context.Background(), reg, reg, "svc", describe)
	if err != nil || c.Mismatches != 0 || c.Entities != 10 || c.Features != 2 {
		t.Fatalf("same paths: %+v %v", c, err)
	}
	c, err = r.Check(context.Background(), reg, stale, "svc", describe)
	if !errors.Is(err, ErrMismatch) || c.Mismatches != 1 {
		t.Fatalf("stale: %+v %v", c, err)
	}
	want := `entity {id=3}, feature 2: regular "PRESENT 3", precomputed "PRESENT 999"`
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "run `feast-go precompute svc`") {
		t.Errorf("error %q lacks %q", err, want)
	}
}

func TestPlot(t *testing.T) {
	var res []Latency
	for i, b := range []int{1, 5, 10, 50, 100, 500} {
		res = append(res, Latency{Path: Regular, Batch: b, Stats: Stats{P50: time.Duration(i+1) * time.Millisecond, P99: time.Duration(2*i+2) * time.Millisecond}},
			Latency{Path: Precomputed, Batch: b, Stats: Stats{P50: time.Duration(i+1) * 100 * time.Microsecond, P99: time.Duration(i+1) * 300 * time.Microsecond}})
	}
	var buf bytes.Buffer
	if err := Plot(&buf, "drivers", res); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 900 || b.Dy() != 540 {
		t.Errorf("size %v", b)
	}
	// The regular p50 series' colour is drawn somewhere.
	found := false
	for y := 0; y < 540 && !found; y++ {
		for x := 0; x < 900; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r>>8 == 31 && g>>8 == 119 && b>>8 == 180 {
				found = true
				break
			}
		}
	}
	if !found {
		t.Error("no regular p50 line in the chart")
	}
	if err := Plot(&buf, "x", nil); err == nil {
		t.Error("empty plot accepted")
	}
}

// cancelAfter is a path whose context is cancelled by its n-th call (Ctrl-C
// part-way through a bench).
type cancelAfter struct {
	fakePath
	n      int64
	cancel context.CancelFunc
}

func (p *cancelAfter) Read(ctx context.Context, batch []Entity) (Answer, error) {
	if p.calls.Load()+1 >= p.n {
		p.cancel()
		return nil, ctx.Err()
	}
	return p.fakePath.Read(ctx, batch)
}

// Interrupted, Latency returns the batch sizes it finished, so they can be printed.
func TestLatencyKeepsWhatWasMeasuredWhenInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &cancelAfter{fakePath: fakePath{name: Regular, cells: func(Entity) string { return "x" }}, n: 15, cancel: cancel}
	r := &Runner{Paths: []Path{p}, Entities: entities(5), Config: Config{BatchSizes: []int{1, 5, 10}, Iterations: 5, Warmup: 1}}
	got, err := r.Latency(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if len(got) != 2 || got[0].Batch != 1 || got[1].Batch != 5 || got[1].Stats.N != 5 {
		t.Errorf("kept %+v, want batch sizes 1 and 5, fully measured", got)
	}
}
